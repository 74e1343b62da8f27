"""One marker language for every map in the app: a shape means the same thing on every page.

A reader who learns on one page that a star is a minimum and a cross is a run that blew
up must never meet a cross that is a minimum on another page. Colour may vary (it says
*which* minimum, or *which* run); the shape says *what* the point is.
"""

from __future__ import annotations

MINIMUM = "star"
"""Any minimum: of the surface, of a penalised or expected loss, of a validation curve."""

SADDLE = "hourglass"
"""A saddle point (a stationary point that is not a minimum)."""

START = "circle-open"
"""Where runs start."""

END = "circle"
"""Where a run stands at the shown step (in the run's colour)."""

DIVERGED = "x"
"""Where a run left the finite, bounded region. Nothing else is drawn as a cross."""

CHECKPOINT = "square"
"""A step singled out on a path: the early-stopping point, a chosen cell."""

REFERENCE = "diamond"
"""Any other reference point (a closed-form solution, an average of runs)."""

CLICK_TARGET = "circle-dot"
"""The faint grid of dots a map click lands on (Plotly reports clicks on markers only)."""

MEANINGS: dict[str, tuple[str, ...]] = {
    MINIMUM: ("minimum", "minima", "optimum"),
    SADDLE: ("saddle",),
    DIVERGED: ("diverged",),
}
"""Shapes reserved for one meaning: a trace drawn with one must say that meaning in its name."""
