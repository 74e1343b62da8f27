"""The Goldstein-Price function: values spanning six decades, with several local minima."""

from __future__ import annotations

from core.i18n import N_
from landscapes.base import Landscape


def goldstein_price(x, p):
    """[1 + (x+y+1)² (19 - 14x + 3x² - 14y + 6xy + 3y²)] · [30 + (2x-3y)² (18 - 32x + 12x² + 48y - 36xy + 27y²)]."""
    a, b = x[0], x[1]
    first = 1.0 + (a + b + 1.0) ** 2 * (19.0 - 14.0 * a + 3.0 * a**2 - 14.0 * b + 6.0 * a * b + 3.0 * b**2)
    second = 30.0 + (2.0 * a - 3.0 * b) ** 2 * (18.0 - 32.0 * a + 12.0 * a**2 + 48.0 * b - 36.0 * a * b + 27.0 * b**2)
    return first * second


LANDSCAPE = Landscape(
    key="goldstein_price",
    name=N_("Goldstein-Price"),
    description=(
        N_(
            "A product of two polynomials whose values run from 3 at the global minimum (0, -1) to about a million "
            "in the corners, with three more local minima (values 30, 84 and 840) in between. Because the loss and "
            "its gradient change by orders of magnitude across the map, no single learning rate suits plain "
            "gradient descent: near the bottom the curvature is about 1000, so it needs η of order 1e-4 and still "
            "overshoots on the steep flanks. It is best viewed on a logarithmic colour scale, and it rewards "
            "optimizers that normalise their steps, such as Adam, whose learning rate then decides which minimum "
            "it reaches."
        )
    ),
    latex=(
        r"f(x, y) = \left[1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
        r"\left[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]"
    ),
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    starts=((-1.5, 0.5), (0.6, 1.2), (-1.2, -1.4)),
    loss_fn=goldstein_price,
    minima=lambda p: ((0.0, -1.0), (-0.6, -0.4), (1.8, 0.2), (1.2, 0.8)),
    saddles=lambda p: ((-0.4, -0.6), (1.2, -0.2), (1.4, 0.6), (0.6, 0.4)),
    tags=("classic", "badly-scaled", "multimodal"),
    order=130,
)
