"""An ill-conditioned, rotatable quadratic bowl: the cleanest picture of conditioning."""

from __future__ import annotations

import math
from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np

from core.i18n import N_
from core.param import Param
from landscapes.base import Landscape


def bowl(x, p):
    """½ (u² + v²/κ) with (u, v) = R(θ)ᵀ (x, y): Hessian eigenvalues 1 and 1/κ."""
    theta = p["angle"] * (jnp.pi / 180.0)
    c, s = jnp.cos(theta), jnp.sin(theta)
    u = c * x[0] + s * x[1]
    v = -s * x[0] + c * x[1]
    return 0.5 * (u**2 + v**2 / p["kappa"])


def hessian(values: Mapping[str, float]) -> np.ndarray:
    """The (constant) 2x2 Hessian R diag(1, 1/κ) Rᵀ.

    Its eigenvector for eigenvalue 1 (the steep direction) is (cos θ, sin θ); the
    flat one, eigenvalue 1/κ, is (-sin θ, cos θ). Lesson pages draw these axes.
    """
    theta = math.radians(float(values["angle"]))
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    return rot @ np.diag([1.0, 1.0 / float(values["kappa"])]) @ rot.T


LANDSCAPE = Landscape(
    key="bowl",
    name=N_("Ill-conditioned bowl"),
    description=(
        N_(
            "A perfectly smooth quadratic valley that is much steeper across than along, with the condition "
            "number κ setting how lopsided it is. The steep direction caps the learning rate (plain gradient "
            "descent is only stable for η < 2 here, whatever κ is), and with that cap the shallow direction "
            "gets covered at a crawl, so the path zig-zags across the valley while inching along it. The bowl is "
            "tilted by 30° by default on purpose: an axis-aligned valley is exactly what per-coordinate methods "
            "such as AdaGrad, RMSprop and Adam can rescale away, while a rotated one shows what momentum fixes "
            "and what adaptive steps cannot."
        )
    ),
    latex=(
        r"f(x, y) = \tfrac12\left(u^2 + \frac{v^2}{\kappa}\right),\quad"
        r"\begin{pmatrix}u\\ v\end{pmatrix} = R(\theta)^{\top}\begin{pmatrix}x\\ y\end{pmatrix}"
    ),
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    starts=((-4.0, 3.0), (4.0, 4.0), (-4.5, -1.0)),
    loss_fn=bowl,
    params=(
        Param("kappa", r"\kappa", 10.0, 1.0, 1000.0, log=True, help=N_("condition number λ_max / λ_min")),
        Param("angle", r"\theta", 30.0, -90.0, 90.0, help=N_("rotation of the steep axis, in degrees")),
    ),
    minima=lambda p: ((0.0, 0.0),),
    tags=("ill-conditioned", "convex"),
    order=10,
)
