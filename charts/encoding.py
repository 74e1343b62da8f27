"""Compact figure encoding: numpy arrays as plotly.js typed arrays, and a prebuilt figure.

Plotly.js (>= 2.28) reads ``{"dtype": "f4", "bdata": <base64>}`` as a Float32Array:
about a third of the bytes of JSON numbers, and no per-number parsing.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import plotly.graph_objects as go


def typed(values: Any) -> dict[str, Any]:
    """``values`` as a plotly.js typed float32 array (2D arrays keep their shape)."""
    arr = np.ascontiguousarray(values, dtype=np.float32)
    spec: dict[str, Any] = {"dtype": "f4", "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim == 2:
        spec["shape"] = f"{arr.shape[0]}, {arr.shape[1]}"
    return spec


def decode(spec: Any) -> np.ndarray:
    """The numpy array behind a typed-array spec (or a plain list); for tests and exports."""
    if isinstance(spec, dict) and "bdata" in spec:
        arr = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))
        if "shape" in spec:
            arr = arr.reshape([int(s) for s in str(spec["shape"]).split(",")])
        return arr
    return np.asarray(spec, dtype=np.float64)


class PrebuiltFigure(go.Figure):
    """A figure whose dict is already final, so ``st.plotly_chart`` skips validating it.

    ``st.plotly_chart`` re-validates plain dicts through ``go.Figure`` (slow for
    animations with many frames) but trusts ``BaseFigure.to_dict()``; this class
    returns the prebuilt dict from ``to_dict``. Build the dict with the helpers of
    this package, which only emit valid plotly attributes (the browser tests load them).
    """

    def __init__(self, spec: dict[str, Any]):
        super().__init__()
        self._prebuilt = spec

    def to_dict(self) -> dict[str, Any]:
        """The prebuilt figure dict."""
        return self._prebuilt
