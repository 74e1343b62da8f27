"""A landscape from a formula the user types, checked before the engine ever sees it.

The formula goes through :mod:`landscapes.formula` (an allow-list compiler, never
``eval``); the domain and start are range-checked; the surface and its gradient must
be finite on a grid over the domain; and the first compile must be quick. Everything
shown back to the user (LaTeX, description) is rendered from the validated tree, never
copied from the typed text, so nothing typed (a ``# comment``, say) reaches the page.

Results are cached on (formula, domain, start): the engine caches compiled runs per
:class:`Landscape` object, so the same inputs must give the same object on every rerun.
"""

from __future__ import annotations

import functools
import math
import numbers
import time
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from landscapes.base import Domain, Landscape, Point
from landscapes.formula import Call, Expr, FormulaError, Number, Symbol, Unary, build_function, parse_formula

DEFAULT_FORMULA = "x**2 + 10*y**2"
DEFAULT_DOMAIN: Domain = ((-3.0, 3.0), (-3.0, 3.0))

MAX_BOUND = 1e4
"""Largest absolute value of a domain bound."""

MIN_WIDTH = 1e-3
"""Narrowest allowed domain side."""

GRID = 41
"""Points per side of the grid on which the formula and its gradient must be finite."""

COMPILE_LIMIT_S = 5.0
"""Longest the first trace + compile + run of the grid check may take."""

# Precedence levels shared by the two renderers.
_ADD, _MUL, _UNARY, _POW, _ATOM = 1, 2, 3, 4, 5
_PRECEDENCE = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "**": _POW}
_LATEX_NAMES = {"x": "x", "y": "y", "pi": r"\pi", "e": "e"}
_LATEX_FUNCTIONS = {
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "exp": r"\exp",
    "log": r"\ln",
    "tanh": r"\tanh",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "arctan": r"\arctan",
    "minimum": r"\min",
    "maximum": r"\max",
}


def _number_text(value: float) -> str:
    """A number as Python reads it back exactly: ``2`` for 2.0, else the shortest repr."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def _text(expr: Expr) -> tuple[str, int]:
    if isinstance(expr, Number):
        return _number_text(expr.value), _ATOM
    if isinstance(expr, Symbol):
        return expr.name, _ATOM
    if isinstance(expr, Call):
        return f"{expr.name}({', '.join(_text(arg)[0] for arg in expr.args)})", _ATOM
    if isinstance(expr, Unary):
        inner, level = _text(expr.operand)
        return expr.op + (f"({inner})" if level < _UNARY else inner), _UNARY
    level = _PRECEDENCE[expr.op]
    left, left_level = _text(expr.left)
    right, right_level = _text(expr.right)
    if expr.op == "**":
        # Right-associative and tighter than a unary minus on its left: (-x)**2, (x**y)**z, x**-y.
        left = f"({left})" if left_level <= _POW else left
        right = f"({right})" if right_level < _UNARY else right
        return f"{left}**{right}", _POW
    left = f"({left})" if left_level < level else left
    right = f"({right})" if right_level <= level else right
    sep = f" {expr.op} " if level == _ADD else expr.op
    return f"{left}{sep}{right}", level


def to_text(expr: Expr) -> str:
    """A validated formula written back as normalized Python syntax (``x**2 + 10*y**2``).

    Parsing the result gives the same tree again, so it is safe to show and to put in a link.
    """
    return _text(expr)[0]


def _latex_number(value: float) -> tuple[str, int]:
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value)), _ATOM
    text = f"{value:.6g}"
    if "e" not in text:
        return text, _ATOM
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}", _MUL


def _group(text: str) -> str:
    return rf"\left({text}\right)"


def _latex(expr: Expr) -> tuple[str, int]:
    if isinstance(expr, Number):
        return _latex_number(expr.value)
    if isinstance(expr, Symbol):
        return _LATEX_NAMES[expr.name], _ATOM
    if isinstance(expr, Call):
        args = [_latex(arg)[0] for arg in expr.args]
        if expr.name == "sqrt":
            return rf"\sqrt{{{args[0]}}}", _ATOM
        if expr.name == "abs":
            return rf"\left|{args[0]}\right|", _ATOM
        return _LATEX_FUNCTIONS[expr.name] + _group(", ".join(args)), _ATOM
    if isinstance(expr, Unary):
        inner, level = _latex(expr.operand)
        grouped = level <= _ADD or isinstance(expr.operand, Unary)
        return expr.op + (_group(inner) if grouped else inner), _UNARY
    left, left_level = _latex(expr.left)
    right, right_level = _latex(expr.right)
    if expr.op == "/":
        return rf"\frac{{{left}}}{{{right}}}", _MUL
    if expr.op == "**":
        return f"{_group(left) if left_level < _ATOM else left}^{{{right}}}", _POW
    level = _PRECEDENCE[expr.op]
    # A signed right operand is bracketed: x - (-y), x (-y).
    if isinstance(expr.right, Unary) or right_level < level or (expr.op == "-" and right_level == _ADD):
        right = _group(right)
    if left_level < level:
        left = _group(left)
    if level == _ADD:
        return f"{left} {expr.op} {right}", _ADD
    # Juxtaposition reads as a product unless two numbers would run together: 10 y^{2}, x \cdot 2.
    sep = r" \cdot " if right[:1].isdigit() else " "
    return f"{left}{sep}{right}", _MUL


def to_latex(expr: Expr) -> str:
    r"""A readable LaTeX rendering of a validated formula (``x^{2} + 10 y^{2}``, ``\sin\left(x\right) ...``).

    Built only from numbers, the allowed names, operators and fixed function macros.
    """
    return _latex(expr)[0]


def _real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_domain(domain: object) -> Domain:
    """The domain as ((x_lo, x_hi), (y_lo, y_hi)) floats, or :class:`FormulaError` naming the bad field."""
    shape = "domain must be ((x_min, x_max), (y_min, y_max))"
    if isinstance(domain, np.ndarray):
        domain = domain.tolist()
    if not isinstance(domain, Sequence) or isinstance(domain, str) or len(domain) != 2:
        raise FormulaError(shape)
    sides = []
    for axis, side in zip("xy", domain, strict=True):
        if not isinstance(side, Sequence) or isinstance(side, str) or len(side) != 2:
            raise FormulaError(f"{shape}; the {axis} range is not a pair of numbers")
        if not all(_real(v) and math.isfinite(v) for v in side):
            raise FormulaError(f"domain {axis} range must be two finite numbers, got {side!r}"[:120])
        lo, hi = float(side[0]), float(side[1])
        if max(abs(lo), abs(hi)) > MAX_BOUND:
            raise FormulaError(f"domain {axis} range must lie within ±{MAX_BOUND:g}, got ({lo:g}, {hi:g})")
        if not lo < hi:
            raise FormulaError(f"domain {axis} range must have min < max, got ({lo:g}, {hi:g})")
        if hi - lo < MIN_WIDTH:
            raise FormulaError(f"domain {axis} range must be at least {MIN_WIDTH:g} wide, got ({lo:g}, {hi:g})")
        sides.append((lo, hi))
    return (sides[0], sides[1])


def _check_start(start: object, domain: Domain) -> Point:
    """The start point (default: 25% across x, 75% up y), or :class:`FormulaError` naming ``start``."""
    (x0, x1), (y0, y1) = domain
    if start is None:
        return (x0 + 0.25 * (x1 - x0), y0 + 0.75 * (y1 - y0))
    if isinstance(start, np.ndarray):
        start = start.tolist()
    if (
        not isinstance(start, Sequence)
        or isinstance(start, str)
        or len(start) != 2
        or not all(_real(v) and math.isfinite(v) for v in start)
    ):
        raise FormulaError(f"start must be two finite numbers (x, y), got {start!r}"[:120])
    x, y = float(start[0]), float(start[1])
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        raise FormulaError(f"start must lie inside the domain, got ({x:g}, {y:g})")
    return (x, y)


def _check_finite(f, domain: Domain, start: Point) -> None:
    """Raise :class:`FormulaError` unless f and its gradient are finite on the grid and at the start.

    Also raises when the first trace + compile + run takes longer than ``COMPILE_LIMIT_S``.
    """
    (x0, x1), (y0, y1) = domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
    points = np.concatenate([np.stack([gx.ravel(), gy.ravel()], axis=1), [start]]).astype(np.float32)
    check = jax.jit(jax.vmap(jax.value_and_grad(f)))
    began = time.perf_counter()
    values, grads = check(jnp.asarray(points))
    values, grads = np.asarray(values), np.asarray(grads)
    if time.perf_counter() - began > COMPILE_LIMIT_S:
        raise FormulaError(f"formula is too slow to compile (over {COMPILE_LIMIT_S:g} s): simplify it")
    value_ok = np.isfinite(values)
    ok = value_ok & np.isfinite(grads).all(axis=1)
    if not ok.all():
        i = int(np.argmin(ok))
        what = "formula" if not value_ok[i] else "formula's gradient"
        x, y = (float(v) for v in points[i])
        raise FormulaError(
            f"the {what} is not finite on the domain at (x, y) = ({x:.4g}, {y:.4g}); "
            "choose a smaller domain or change the formula"
        )


def custom_landscape(formula: str, domain: Domain = DEFAULT_DOMAIN, start: Point | None = None) -> Landscape:
    """The :class:`Landscape` of a user's formula on ``domain``, started at ``start``.

    ``start`` defaults to the point 25% across x and 75% up y. Every problem raises
    :class:`FormulaError` (a ``ValueError``) with a message for the user naming the field.
    The same (formula, domain, start) gives the same object, so the engine compiles once.
    """
    if not isinstance(formula, str):
        raise FormulaError("formula must be text")
    checked = _check_domain(domain)
    return _cached_landscape(formula, checked, _check_start(start, checked))


@functools.lru_cache(maxsize=32)
def _cached_landscape(formula: str, domain: Domain, start: Point) -> Landscape:
    expr = parse_formula(formula)
    f = build_function(expr)
    _check_finite(f, domain, start)
    (x0, x1), (y0, y1) = domain
    return Landscape(
        key="custom",
        name="Custom formula",
        description=(
            f"Your own surface f(x, y) = {to_text(expr)}, on x in [{x0:g}, {x1:g}] and y in [{y0:g}, {y1:g}]. "
            "Its gradient comes from jax.grad of the formula, exactly as for the built-in surfaces. "
            "No minima are known in advance, so arrival at a minimum is not marked."
        ),
        latex="f(x, y) = " + to_latex(expr),
        domain=domain,
        starts=(start,),
        loss_fn=lambda x, p: f(x),
        tags=("custom",),
    )
