"""Per-run summary numbers and exports, computed from trajectories."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np

from core.i18n import N_, translator
from core.numbers import number_text
from engine.simulate import Trajectory, default_tolerance, resolve_landscape
from landscapes.base import Landscape

_ = translator("app")

COLUMNS = (
    N_("optimizer"),
    N_("final loss"),
    N_("distance to nearest minimum"),
    N_("reached best minimum at step"),
    N_("diverged at step"),
)
"""The summary table's columns (English keys; pages show them translated)."""
NEVER = N_("never")


def summary_rows(
    landscape: Landscape, values: Mapping[str, float], runs: Sequence[Trajectory]
) -> list[dict[str, object]]:
    """One row per run: final loss, distance to the nearest known minimum, arrival and divergence steps.

    "Reached best minimum at step" is the engine's ``first_hit``: the first step
    within :func:`engine.simulate.default_tolerance` of a best known minimum.
    """
    minima = np.asarray(landscape.minima(values), np.float64).reshape(-1, 2)
    rows = []
    for run in runs:
        end = run.path[-1].astype(np.float64)
        distance = float(np.min(np.linalg.norm(minima - end, axis=1))) if len(minima) else None
        rows.append(
            {
                "optimizer": run.label,
                "final loss": float(run.loss[-1]),
                "distance to nearest minimum": distance,
                "reached best minimum at step": run.first_hit,
                "diverged at step": run.diverged_at,
            }
        )
    return rows


def summary_table(rows: Sequence[dict[str, object]]) -> list[dict[str, str]]:
    """``rows`` for display: 4 significant digits (:func:`core.numbers.number_text`), 'never' or '—' if missing."""

    def number(value: object) -> str:
        return "—" if value is None else number_text(float(value), 4)  # type: ignore[arg-type]

    return [
        {
            "optimizer": str(row["optimizer"]),
            "final loss": number(row["final loss"]),
            "distance to nearest minimum": number(row["distance to nearest minimum"]),
            "reached best minimum at step": NEVER
            if row["reached best minimum at step"] is None
            else str(row["reached best minimum at step"]),
            "diverged at step": "—" if row["diverged at step"] is None else str(row["diverged at step"]),
        }
        for row in rows
    ]


def tolerance_note(landscape: str | Landscape) -> str:
    """One sentence saying what 'reached' means in the summary table."""
    tolerance = f"{default_tolerance(resolve_landscape(landscape)):.3g}"
    return _("'Reached' means within {tolerance} (1% of the plotted diagonal).").format(tolerance=tolerance)


def paths_csv(runs: Sequence[Trajectory]) -> str:
    """All paths as CSV with columns step, optimizer, x, y, loss (one row per point)."""
    out = io.StringIO()
    out.write("step,optimizer,x,y,loss\n")
    for run in runs:
        text = run.label if not run.label.startswith(("=", "+", "-", "@")) else "'" + run.label
        label = '"' + text.replace('"', '""') + '"'  # quoted; a leading formula sign is neutralised
        for step, ((x, y), loss) in enumerate(zip(run.path, run.loss, strict=True)):
            out.write(f"{step},{label},{x:.9g},{y:.9g},{loss:.9g}\n")
    return out.getvalue()
