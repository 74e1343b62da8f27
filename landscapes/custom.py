"""A landscape from a formula the user types, checked before the engine ever sees it.

The formula goes through :mod:`landscapes.formula` (an allow-list compiler, never
``eval``); the domain and start are range-checked; a static estimate of its compile
cost must be within budget before anything compiles (JAX compiles synchronously and
cannot be stopped, so a limit checked after compiling would bound nothing); and it is
evaluated on exactly the grid the contour map draws. Where it has no finite value
there (``sqrt`` of a negative number, say), the map leaves the cells blank and
:func:`formula_notice` says how much of the area that is; a formula defined nowhere on
the domain, or not at an explicit start, is rejected. Everything shown back to the
user (LaTeX, description) is rendered from the validated tree, never copied from the
typed text, so nothing typed (a ``# comment``, say) reaches the page.

Results are cached on (normalized formula, domain, start): the engine caches compiled
runs per :class:`Landscape` object, so the same inputs must give the same object on
every rerun. Rejections are cached too, so a bad link costs its evaluation once.
"""

from __future__ import annotations

import functools
import math
import numbers
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np

from core.i18n import N_, translator
from engine.compile_cache import USER_TAG
from engine.grid import MAP_RESOLUTION, loss_grid
from landscapes.base import Domain, Landscape, Point
from landscapes.formula import (
    MAX_COST,
    Call,
    Expr,
    FormulaError,
    Number,
    Symbol,
    Unary,
    build_function,
    compile_cost,
    parse_formula,
)

_ = translator("models")

DEFAULT_FORMULA = "x**2 + 10*y**2"
DEFAULT_DOMAIN: Domain = ((-3.0, 3.0), (-3.0, 3.0))

MAX_BOUND = 1e4
"""Largest absolute value of a domain bound."""

MIN_WIDTH = 1e-3
"""Narrowest allowed domain side."""

MAX_REJECTED = 256
"""Rejected (formula, domain, start) remembered, so a bad link revisited is answered without evaluating it."""

START_MARGIN = 6
"""Cells (5% of the map's side) a moved default start keeps from an undefined region, where there is room."""

START_TRIES = 16
"""Grid points tried, nearest first, for a default start where the formula's value and gradient are finite."""

DESCRIPTION = N_(
    "Your own surface f(x, y) = {formula}, on x in [{x0}, {x1}] and y in [{y0}, {y1}]. "
    "Its gradient comes from jax.grad of the formula, exactly as for the built-in surfaces. "
    "No minima are known in advance, so arrival at a minimum is not marked."
)
"""What the page says about a user's surface (filled from the validated formula and domain)."""

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
    """An explicit start as two floats inside the domain, or :class:`FormulaError` naming ``start``."""
    (x0, x1), (y0, y1) = domain
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


def _trouble_at(f: Callable[[jax.Array], jax.Array], point: Point) -> str | None:
    """What is not finite at ``point`` ("formula" or "formula's gradient"), or None if both are finite.

    Evaluated op by op, without ``jax.jit``: one point needs no compiled program.
    """
    value, grad = jax.value_and_grad(f)(jnp.asarray(point, jnp.float32))
    if not np.isfinite(np.asarray(value)):
        return "formula"
    if not np.isfinite(np.asarray(grad)).all():
        return "formula's gradient"
    return None


def _wanted_start(domain: Domain) -> Point:
    """The usual default start: 25% across x and 75% up y."""
    (x0, x1), (y0, y1) = domain
    return (x0 + 0.25 * (x1 - x0), y0 + 0.75 * (y1 - y0))


def _interior(defined: np.ndarray, margin: int) -> np.ndarray:
    """Cells of ``defined`` whose neighbours within ``margin`` rows and columns are defined too (the edge counts)."""
    padded = np.pad(defined, margin, constant_values=True)
    height, width = defined.shape
    inside = np.ones_like(defined)
    for di in range(2 * margin + 1):
        for dj in range(2 * margin + 1):
            inside &= padded[di : di + height, dj : dj + width]
    return inside


def _nearest_good_point(f: Callable[[jax.Array], jax.Array], domain: Domain, defined: np.ndarray) -> Point:
    """The drawn grid point nearest the usual default start where f and its gradient are finite.

    Preferably one ``START_MARGIN`` cells clear of any undefined cell: right at the edge of
    an undefined region (where ``sqrt`` or ``log`` reaches 0) the slope is usually so steep
    that the first step jumps out.
    """
    (x0, x1), (y0, y1) = domain
    wanted = _wanted_start(domain)
    inside = _interior(defined, START_MARGIN)
    rows, cols = np.nonzero(inside if inside.any() else defined)
    xs, ys = np.linspace(x0, x1, defined.shape[1]), np.linspace(y0, y1, defined.shape[0])  # the grid, in float64
    distance = np.hypot((xs[cols] - wanted[0]) / (x1 - x0), (ys[rows] - wanted[1]) / (y1 - y0))
    for index in np.argsort(distance, kind="stable")[:START_TRIES]:
        point = (float(xs[cols[index]]), float(ys[rows[index]]))
        if _trouble_at(f, point) is None:
            return point
    raise FormulaError(
        "the formula's gradient is not finite where the formula is defined near the default start: "
        "change the formula or the domain"
    )


_UNDEFINED: weakref.WeakKeyDictionary[Landscape, float] = weakref.WeakKeyDictionary()
"""Each formula landscape's share of the drawn grid where it has no finite value (only shares above 0)."""


def undefined_share(landscape: Landscape) -> float:
    """The fraction of the drawn map of ``landscape`` where its loss has no finite value (0 for a built-in).

    Measured on the ``MAP_RESOLUTION`` x ``MAP_RESOLUTION`` grid over the domain, the very
    points the contour map evaluates, whose cells it leaves uncoloured.
    """
    return _UNDEFINED.get(landscape, 0.0)


def formula_notice(landscape: Landscape) -> str | None:
    """What the page should say about a user's formula that is undefined on part of the map, else None."""
    share = undefined_share(landscape)
    if not share:
        return None
    percent = 100 * share
    if percent < 1:
        shown = _("under 1%")
    elif percent > 99:
        shown = _("over 99%")
    else:
        shown = f"{percent:.0f}%"
    return _(
        "This formula has no value on {share} of the plotted area: there it takes the square root or the "
        "log of a negative number, divides by zero, or grows too large for the computer. Those parts are "
        "hatched grey on the map instead of coloured, and a run that steps into them stops there and is "
        "counted as diverged."
    ).format(share=shown)


def custom_landscape(formula: str, domain: Domain = DEFAULT_DOMAIN, start: Point | None = None) -> Landscape:
    """The :class:`Landscape` of a user's formula on ``domain``, started at ``start``.

    ``start`` defaults to the point 25% across x and 75% up y (or, where the formula is
    undefined there, the nearest drawn grid point where it is defined). Every problem
    raises :class:`FormulaError` (a ``ValueError``) with a message for the user naming
    the field. The same (formula, domain, start) gives the same object, so the engine
    compiles once; formulas are compared in their normalized text (``x+y`` is ``x + y``).

    Before anything compiles, :func:`landscapes.formula.compile_cost` must be at most
    ``MAX_COST``. A rejected (formula, domain, start) is remembered (the last
    ``MAX_REJECTED``), so a second visit of a bad link answers at once with the same
    message instead of evaluating the formula again.
    """
    if not isinstance(formula, str):
        raise FormulaError("formula must be text")
    checked = _check_domain(domain)
    point = None if start is None else _check_start(start, checked)
    text = to_text(parse_formula(formula))
    key = (text, checked, point)
    with _REJECTED_LOCK:
        remembered = _REJECTED.get(key)
        if remembered is not None:
            _REJECTED.move_to_end(key)
    if remembered is not None:
        raise FormulaError(*remembered)
    try:
        surface = _surface(text, checked)
        return surface if point is None or point == surface.starts[0] else _restarted(surface, point)
    except FormulaError as error:
        with _REJECTED_LOCK:
            _REJECTED[key] = (str(error), error.column)
            while len(_REJECTED) > MAX_REJECTED:
                _REJECTED.popitem(last=False)
        raise


_REJECTED: OrderedDict[tuple[str, Domain, Point | None], tuple[str, int | None]] = OrderedDict()
"""Rejected (normalized formula, domain, start) -> (message, column), least recently asked first."""
_REJECTED_LOCK = threading.Lock()


def rejected_count() -> int:
    """How many rejected (formula, domain, start) are remembered (at most ``MAX_REJECTED``)."""
    with _REJECTED_LOCK:
        return len(_REJECTED)


@functools.lru_cache(maxsize=32)
def _surface(text: str, domain: Domain) -> Landscape:
    """The landscape of a normalized formula on a checked domain, at its default start.

    The drawn grid is evaluated on the landscape that is returned (the contour then reuses
    its compiled grid), except when the usual default start turns out undefined: then
    the start moves to the nearest good grid point, in a copy.
    """
    expr = parse_formula(text)
    cost = compile_cost(expr)
    if cost > MAX_COST:
        raise FormulaError(
            f"formula is too costly to compile (estimated cost {cost}, at most {MAX_COST}): "
            "use fewer functions, divisions and powers of x or y"
        )
    f = build_function(expr)
    (x0, x1), (y0, y1) = domain
    wanted = _wanted_start(domain)
    values = {"formula": text, "x0": f"{x0:g}", "x1": f"{x1:g}", "y0": f"{y0:g}", "y1": f"{y1:g}"}
    land = Landscape(
        key="custom",
        name=N_("Custom formula"),
        description=DESCRIPTION.format(**values),
        description_template=DESCRIPTION,
        description_values=tuple(values.items()),
        latex="f(x, y) = " + to_latex(expr),
        domain=domain,
        starts=(wanted,),
        loss_fn=lambda x, p: f(x),
        tags=(USER_TAG,),
    )
    _, _, z = loss_grid(land, {}, MAP_RESOLUTION, keep_undefined=True)
    defined = np.isfinite(z)
    if not defined.any():
        raise FormulaError(
            "the formula has no finite value anywhere on the domain (e.g. the square root or log of a "
            "negative number): change the formula or the domain"
        )
    if _trouble_at(f, wanted) is not None:
        land = replace(land, starts=(_nearest_good_point(f, domain, defined),))
    if not defined.all():
        _UNDEFINED[land] = float(1.0 - defined.mean())
    return land


@functools.lru_cache(maxsize=32)
def _restarted(surface: Landscape, start: Point) -> Landscape:
    """``surface`` started at ``start`` instead, if the formula and its gradient are finite there."""
    trouble = _trouble_at(lambda xy: surface.loss(xy, {}), start)
    if trouble is not None:
        x, y = start
        raise FormulaError(
            f"the {trouble} is not finite at the start (x, y) = ({x:.4g}, {y:.4g}): choose another start"
        )
    land = replace(surface, starts=(start,))
    if undefined_share(surface):
        _UNDEFINED[land] = undefined_share(surface)
    return land
