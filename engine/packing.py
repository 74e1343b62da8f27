"""The engine's float arguments, packed into one shared vector and one per-run matrix.

Every separate array handed to a compiled function costs a few microseconds per call
(more than a short 2D run itself), and a run has some twenty numbers: the start, each
hyperparameter, each landscape parameter, the batch size, the arrival targets. So they
travel as at most two arrays: ``shared`` (one vector, the same for every run) and
``per_run`` (one row per run, only the fields a batch varies). Which fields are per run
is static: a :class:`Packing` is part of the compile key, and the values stay traced.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import jax
import numpy as np

Fields = tuple[tuple[str, int], ...]
"""(name, width) pairs in packing order; width 1 unpacks to a scalar, more to a vector."""


@dataclass(frozen=True)
class Packing:
    """Where each named float field sits: in the ``shared`` vector or in every ``per_run`` row."""

    shared: Fields
    per_run: Fields = ()

    @classmethod
    def of(cls, widths: Mapping[str, int], batched: Collection[str] = ()) -> Packing:
        """The packing of fields ``widths`` (name -> width, in order) with ``batched`` ones per run."""
        unknown = set(batched) - set(widths)
        if unknown:
            raise KeyError(f"no field {sorted(unknown)} to batch")
        return cls(
            shared=tuple((n, w) for n, w in widths.items() if n not in batched),
            per_run=tuple((n, w) for n, w in widths.items() if n in batched),
        )

    def width(self, name: str) -> int:
        """The width of field ``name``."""
        return dict(self.shared + self.per_run)[name]

    def pack(self, values: Mapping[str, object], runs: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """``(shared, per_run)`` float32 arrays from ``values``; ``per_run`` is (runs, width) or None."""
        flat: list[float] = []
        for name, width in self.shared:
            if width == 1:
                flat.append(float(values[name]))
            else:
                flat.extend(np.ravel(values[name]).tolist())
        shared = np.array(flat, np.float32)
        if not self.per_run:
            return shared, None
        columns = [np.asarray(values[n], np.float32).reshape(runs, w) for n, w in self.per_run]
        return shared, np.concatenate(columns, axis=1)

    def unpack(self, shared: jax.Array, per_run: jax.Array | None) -> dict[str, jax.Array]:
        """The fields by name, sliced out of the packed arrays (inside the traced function)."""
        out = {}
        for fields, array in ((self.shared, shared), (self.per_run, per_run)):
            offset = 0
            for name, width in fields:
                out[name] = array[offset] if width == 1 else array[offset : offset + width]
                offset += width
        return out
