"""A user's formula in x and y, checked against an allow-list and turned into a JAX function.

Why an allow-list: the text comes from a web page. It is parsed with ``ast.parse``,
which only builds a syntax tree and runs nothing. Every node of that tree is checked
against the short list of what a formula may contain -- numbers, the names x, y, pi
and e, the operators + - * / ** and the functions in :data:`FUNCTIONS` -- and turned
into a small validated tree of its own types (:data:`Expr`). That tree becomes a tree
of closures calling ``jax.numpy``. No text is ever passed to ``eval``/``exec``, no
attribute is looked up by name and no name is resolved outside the tables below, so
nothing a user types can reach Python's builtins, modules or object internals.

Sizes are capped (length before parsing; node count and nesting depth while
checking; the size of number literals and of fixed exponents), so no text can make
parsing, checking or tracing expensive. What compiling costs depends on which
operations a formula uses, not only on how many: :func:`compile_cost` estimates it
from the tree alone, before JAX sees the formula, and
:func:`landscapes.custom.custom_landscape` refuses a formula over :data:`MAX_COST`.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import jax
import jax.numpy as jnp
import numpy as np

from core.i18n import N_, translator

_ = translator("models")

MAX_LENGTH = 300
"""Most characters a formula may have (checked before parsing)."""

MAX_NODES = 200
"""Most numbers, names, operators and calls a formula may have."""

MAX_DEPTH = 40
"""Deepest nesting allowed; each term of a long chain like ``x + x + ...`` is one level."""

MAX_NUMBER = 1e6
"""Largest absolute value of a number written in a formula."""

MAX_EXPONENT = 16
"""Largest absolute value of an exponent that does not depend on x or y."""

MAX_COST = 500
"""Largest :func:`compile_cost` a custom landscape accepts: about 5 s of compiling on a 2-core machine."""

NAMES = ("x", "y", "pi", "e")
"""The names a formula may use: the two coordinates and two constants."""

_UNARY_FUNCTIONS: dict[str, tuple[Callable, Callable]] = {
    # name: (jax.numpy function, numpy function used to fold constant exponents)
    "sin": (jnp.sin, np.sin),
    "cos": (jnp.cos, np.cos),
    "tan": (jnp.tan, np.tan),
    "exp": (jnp.exp, np.exp),
    "log": (jnp.log, np.log),
    "sqrt": (jnp.sqrt, np.sqrt),
    "abs": (jnp.abs, np.abs),
    "tanh": (jnp.tanh, np.tanh),
    "sinh": (jnp.sinh, np.sinh),
    "cosh": (jnp.cosh, np.cosh),
    "arctan": (jnp.arctan, np.arctan),
}
_BINARY_FUNCTIONS: dict[str, tuple[Callable, Callable]] = {
    "minimum": (jnp.minimum, np.minimum),
    "maximum": (jnp.maximum, np.maximum),
}
_FUNCTIONS: Mapping[str, tuple[int, Callable, Callable]] = MappingProxyType(
    {name: (1, *fns) for name, fns in _UNARY_FUNCTIONS.items()}
    | {name: (2, *fns) for name, fns in _BINARY_FUNCTIONS.items()}
)

FUNCTIONS: tuple[str, ...] = tuple(_FUNCTIONS)
"""The functions a formula may call, each with positional arguments only."""

ARITY: Mapping[str, int] = MappingProxyType({name: spec[0] for name, spec in _FUNCTIONS.items()})
"""How many arguments each function in :data:`FUNCTIONS` takes."""

_OPERATORS: Mapping[type[ast.operator], str] = MappingProxyType(
    {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
)
_BINARY_OPS: Mapping[str, tuple[Callable, Callable]] = MappingProxyType(
    {
        "+": (jnp.add, np.add),
        "-": (jnp.subtract, np.subtract),
        "*": (jnp.multiply, np.multiply),
        "/": (jnp.divide, np.divide),
        "**": (jnp.power, np.power),
    }
)
_REJECTED_OPERATORS: Mapping[type[ast.AST], str] = MappingProxyType(
    {
        ast.BitXor: "^",
        ast.FloorDiv: "//",
        ast.Mod: "%",
        ast.MatMult: "@",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.BitOr: "|",
        ast.BitAnd: "&",
        ast.Invert: "~",
        ast.Not: "not",
    }
)
_CONSTRUCTS: Mapping[type[ast.AST], str] = MappingProxyType(
    {
        ast.Attribute: N_("attribute access with '.'"),
        ast.Subscript: N_("indexing with [...]"),
        ast.Starred: N_("'*' unpacking"),
        ast.Lambda: N_("lambda"),
        ast.IfExp: N_("'if ... else'"),
        ast.Compare: N_("comparisons"),
        ast.BoolOp: N_("'and' / 'or'"),
        ast.NamedExpr: N_("':=' assignment"),
        ast.JoinedStr: N_("f-strings"),
        ast.FormattedValue: N_("f-strings"),
        ast.List: N_("lists"),
        ast.Tuple: N_("tuples (a comma outside a function call)"),
        ast.Set: N_("sets"),
        ast.Dict: N_("dicts"),
        ast.ListComp: N_("comprehensions"),
        ast.SetComp: N_("comprehensions"),
        ast.DictComp: N_("comprehensions"),
        ast.GeneratorExp: N_("comprehensions"),
        ast.Await: N_("'await'"),
        ast.Yield: N_("'yield'"),
        ast.YieldFrom: N_("'yield'"),
        ast.Slice: N_("slices"),
    }
)
_NAME_HINTS: Mapping[str, str] = MappingProxyType({"X": "x", "Y": "y", "PI": "pi", "Pi": "pi", "π": "pi", "E": "e"})
_FUNCTION_HINTS: Mapping[str, str] = MappingProxyType(
    {"ln": "log", "atan": "arctan", "min": "minimum", "max": "maximum", "pow": "a**b", "power": "a**b"}
)


class FormulaError(ValueError):
    """A formula (or its domain) that cannot be used, with a message meant for the user.

    ``column`` is the 1-based character position of the problem in the text, where known.
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Number:
    """A number literal (always stored as a float, never negative: a minus is a :class:`Unary`)."""

    value: float


@dataclass(frozen=True)
class Symbol:
    """One of :data:`NAMES`."""

    name: str


@dataclass(frozen=True)
class Unary:
    """``-a`` or ``+a``."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary:
    """``a op b`` with ``op`` one of ``+ - * / **``."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Call:
    """``name(args...)`` with ``name`` one of :data:`FUNCTIONS` and the right number of arguments."""

    name: str
    args: tuple[Expr, ...]


Expr = Number | Symbol | Unary | Binary | Call
"""A validated formula: only these node types, only allowed names, functions and operators."""


def _short(name: str, limit: int = 30) -> str:
    """A name cut to ``limit`` characters for a message."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _lines(text: str) -> list[str]:
    """The lines of ``text`` as Python's tokenizer counts them (only \\n, \\r\\n and \\r end a line)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _where(line: int | None, column: int | None) -> str:
    if column is None:
        return ""
    if not line or line == 1:
        return _("at column {column}").format(column=column)
    return _("at line {line}, column {column}").format(line=line, column=column)


class _Checker:
    """Walks a parsed tree, counting nodes and depth, and builds the validated :data:`Expr`."""

    def __init__(self, text: str, shift: int) -> None:
        self.lines = _lines(text)
        self.shift = shift
        self.nodes = 0

    def column(self, node: ast.AST) -> tuple[int | None, int | None]:
        """(line, 1-based character column) of ``node`` in the original text; ast offsets are in UTF-8 bytes."""
        if not isinstance(node, ast.expr) or not 1 <= node.lineno <= len(self.lines):
            return None, None
        line, offset = node.lineno, node.col_offset
        chars = len(self.lines[line - 1].encode("utf-8")[:offset].decode("utf-8", errors="ignore"))
        return line, chars + 1 + (self.shift if line == 1 else 0)

    def error(self, message: str, node: ast.AST, hint: str = "") -> FormulaError:
        """A :class:`FormulaError` saying ``message`` at ``node``'s position, then ``hint``."""
        line, column = self.column(node)
        where = _where(line, column)
        text = f"{message} ({where})" if where else message
        return FormulaError(text + (f"; {hint}" if hint else ""), column)

    def check(self, node: ast.AST, depth: int) -> Expr:
        """The validated form of ``node``, or :class:`FormulaError` for anything outside the allow-list."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FormulaError(_("formula is too complex (max {most} nodes)").format(most=MAX_NODES))
        if depth > MAX_DEPTH:
            raise FormulaError(
                _(
                    "formula is too deeply nested (max {most} levels; each term of a long chain of + or * counts)"
                ).format(most=MAX_DEPTH)
            )
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub | ast.UAdd):
                return Unary("-" if isinstance(node.op, ast.USub) else "+", self.check(node.operand, depth + 1))
            symbol = _REJECTED_OPERATORS.get(type(node.op), "?")
            raise self.error(_("operator '{symbol}' is not allowed").format(symbol=symbol), node)
        if isinstance(node, ast.BinOp):
            return self.binary(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        what = _(_CONSTRUCTS[type(node)]) if type(node) in _CONSTRUCTS else f"'{type(node).__name__}'"
        raise self.error(_("{what} cannot be used in a formula").format(what=what), node)

    def constant(self, node: ast.Constant) -> Number:
        value = node.value
        if type(value) is bool:
            raise self.error(_("True and False are not allowed"), node, _("use 1 and 0"))
        if type(value) is complex:
            raise self.error(_("complex numbers are not allowed"), node)
        if type(value) in (str, bytes):
            raise self.error(_("text in quotes is not allowed"), node)
        if type(value) not in (int, float):
            kind = type(value).__name__
            raise self.error(_("'{kind}' is not allowed in a formula").format(kind=kind), node)
        if not abs(value) <= MAX_NUMBER:  # also false for nan; inf comes from literals like 1e999
            most = f"{MAX_NUMBER:,.0f}"
            raise self.error(
                _("number is too large"), node, _("numbers may be at most {most} in size").format(most=most)
            )
        return Number(float(value))

    def name(self, node: ast.Name) -> Symbol:
        name = node.id
        if name in NAMES:
            return Symbol(name)
        if name in _FUNCTIONS:
            raise self.error(
                _("'{name}' is a function").format(name=name), node, _("call it, e.g. {name}(x)").format(name=name)
            )
        if name in _NAME_HINTS:
            hint = _("did you mean '{name}'?").format(name=_NAME_HINTS[name])
        else:
            hint = _("use {names}").format(names=", ".join(NAMES))
        raise self.error(_("unknown name '{name}'").format(name=_short(name)), node, hint)

    def binary(self, node: ast.BinOp, depth: int) -> Binary:
        op = _OPERATORS.get(type(node.op))
        if op is None:
            symbol = _REJECTED_OPERATORS.get(type(node.op), "?")
            hint = _("use ** for powers") if symbol == "^" else _("allowed: {items}").format(items="+ - * / **")
            raise self.error(_("operator '{symbol}' is not allowed").format(symbol=symbol), node, hint)
        left = self.check(node.left, depth + 1)
        right = self.check(node.right, depth + 1)
        if op == "**":
            exponent = fold(right)
            if exponent is not None and not abs(exponent) <= MAX_EXPONENT:
                raise self.error(
                    _("exponent too large"),
                    node.right,
                    _("a fixed exponent must be a finite number between -{most} and {most}").format(most=MAX_EXPONENT),
                )
        return Binary(op, left, right)

    def call(self, node: ast.Call, depth: int) -> Call:
        if not isinstance(node.func, ast.Name):
            raise self.error(
                _("only named functions can be called"), node, _("e.g. {example}").format(example="sin(x)")
            )
        name = node.func.id
        if name not in _FUNCTIONS:
            if name in NAMES:
                raise self.error(
                    _("'{name}' is not a function").format(name=name),
                    node,
                    _("write * for multiplication, e.g. {example}").format(example="2*(x+1)"),
                )
            if name in _FUNCTION_HINTS:
                raise self.error(
                    _("function '{name}' is not allowed").format(name=name),
                    node,
                    _("use {names}").format(names=_FUNCTION_HINTS[name]),
                )
            raise self.error(
                _("function '{name}' is not allowed").format(name=_short(name)),
                node,
                _("allowed: {items}").format(items=", ".join(FUNCTIONS)),
            )
        if node.keywords:
            raise self.error(
                _("{name} takes positional arguments only").format(name=name),
                node,
                _("e.g. {example}").format(example="sin(x)"),
            )
        arity = ARITY[name]
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise self.error(_("'*' unpacking is not allowed"), node)
        if len(node.args) != arity:
            if arity == 1:
                text = _("{name} takes 1 argument, got {count}")
            else:
                text = _("{name} takes {arity} arguments, got {count}")
            raise self.error(text.format(name=name, arity=arity, count=len(node.args)), node)
        return Call(name, tuple(self.check(arg, depth + 1) for arg in node.args))


def parse_formula(text: str) -> Expr:
    """The validated tree of a formula in x and y, or :class:`FormulaError` saying what is wrong and where.

    Only ``ast.parse`` ever sees the text; the length is capped first so parsing stays cheap.
    """
    if not isinstance(text, str):
        raise FormulaError(_("formula must be text"))
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            _("formula is too long (max {most} characters, got {count})").format(most=MAX_LENGTH, count=len(text))
        )
    body = text.strip()
    if not body:
        raise FormulaError(
            _("formula is empty: type an expression in x and y, e.g. {example}").format(example="x**2 + 10*y**2")
        )
    lead = text[: len(text) - len(text.lstrip())]
    shift = 0 if "\n" in lead or "\r" in lead else len(lead)
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as error:
        message = (error.msg or "invalid syntax").split(". ")[0][:80]
        column = None if error.offset is None else error.offset + (shift if error.lineno in (None, 1) else 0)
        where = _where(error.lineno, column)
        if where:
            text = _("syntax error {where}: {message}").format(where=where, message=message)
        else:
            text = _("syntax error: {message}").format(message=message)
        raise FormulaError(text, column) from None
    except (ValueError, RecursionError, MemoryError):
        # ValueError: null bytes; RecursionError/MemoryError: pathological nesting.
        raise FormulaError(_("formula could not be read: use numbers, x, y, operators and functions")) from None
    try:
        return _Checker(body, shift).check(tree.body, 1)
    except RecursionError:
        raise FormulaError(_("formula is too deeply nested (max {most} levels)").format(most=MAX_DEPTH)) from None


def fold(expr: Expr) -> float | None:
    """The value of ``expr`` if it does not depend on x or y (float64, may be inf/nan), else None.

    Used to check and specialise constant exponents: ``x**2`` becomes an exact integer power.
    """
    if isinstance(expr, Number):
        return expr.value
    if isinstance(expr, Symbol):
        return {"pi": math.pi, "e": math.e}.get(expr.name)
    if isinstance(expr, Unary):
        value = fold(expr.operand)
        return None if value is None else (-value if expr.op == "-" else value)
    if isinstance(expr, Binary):
        left, right = fold(expr.left), fold(expr.right)
        if left is None or right is None:
            return None
        with np.errstate(all="ignore"):
            return float(_BINARY_OPS[expr.op][1](np.float64(left), np.float64(right)))
    values = [fold(arg) for arg in expr.args]
    if any(value is None for value in values):
        return None
    with np.errstate(all="ignore"):
        return float(_FUNCTIONS[expr.name][2](*(np.float64(value) for value in values)))


_CALL_COSTS: Mapping[str, int] = MappingProxyType(
    {
        "abs": 1,
        "minimum": 1,
        "maximum": 1,
        "sin": 9,
        "tan": 9,
        "arctan": 9,
        "exp": 9,
        "cos": 10,
        "sqrt": 10,
        "log": 11,
        "cosh": 12,
        "tanh": 15,
        "sinh": 31,
    }
)
_OPERATOR_COSTS: Mapping[str, int] = MappingProxyType({"+": 1, "-": 1, "*": 4, "/": 18})
_FIXED_POWER_COST = 5
"""``a**k`` with a fixed whole ``k``: a few multiplications."""
_POWER_COST = 24
"""``a**b`` with ``b`` depending on x or y, or a fixed fraction: exp(b log a) and its derivatives.

Charged above the average of its two measurements (7 and 25) because a tower of them,
``x**y**y**...``, measured the full 25: 30 storeys compiled their Hessian in 6.4 s."""


def compile_cost(expr: Expr) -> int:
    """An estimate of how long the engine takes to compile ``expr``, from the tree alone (1 ≈ 10 ms).

    The costliest program the engine builds from a formula is Newton's method, which
    differentiates it twice; XLA's compile time grows with the operations of that second
    derivative, roughly linearly in the number of nodes but very differently per node:
    an addition adds a handful of operations, ``sinh`` or a division dozens of
    transcendental ones. Each weight is the measured compile time of the Hessian per
    node, in units of 10 ms (jax 0.10 on the project's 2-core CPU machine), averaged
    over a chain of that node applied to one variable and one mixing x and y. Numbers
    and names cost nothing; constant sub-expressions are charged as written (they are
    not folded before tracing). Repeated sub-expressions are charged every time: the
    compiled program repeats them too. Depth needs no weight of its own (chains of 8, 16
    and 38 nodes cost the same per node), and a fixed exponent is at most 16, a few
    multiplications (``MAX_EXPONENT``).
    """
    total = 0
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Unary):
            total += node.op == "-"
            stack.append(node.operand)
        elif isinstance(node, Binary):
            if node.op == "**":
                exponent = fold(node.right)
                fixed_whole = exponent is not None and float(exponent).is_integer()
                total += _FIXED_POWER_COST if fixed_whole else _POWER_COST
                stack.append(node.left)
                if exponent is None:
                    stack.append(node.right)
            else:
                total += _OPERATOR_COSTS[node.op]
                stack.extend((node.left, node.right))
        elif isinstance(node, Call):
            total += _CALL_COSTS[node.name]
            stack.extend(node.args)
    return total


def _closure(expr: Expr) -> Callable[[jax.Array], jax.Array | float]:
    """A function of the point ``xy`` computing ``expr`` with ``jax.numpy``."""
    if isinstance(expr, Number):
        value = expr.value
        return lambda xy: value
    if isinstance(expr, Symbol):
        if expr.name == "x":
            return lambda xy: xy[0]
        if expr.name == "y":
            return lambda xy: xy[1]
        constant = math.pi if expr.name == "pi" else math.e
        return lambda xy: constant
    if isinstance(expr, Unary):
        operand = _closure(expr.operand)
        if expr.op == "-":
            return lambda xy: jnp.negative(operand(xy))
        return lambda xy: jnp.positive(operand(xy))
    if isinstance(expr, Binary):
        left = _closure(expr.left)
        if expr.op == "**":
            exponent = fold(expr.right)
            if exponent is not None:
                # A fixed exponent: a Python number, so integer powers use lax.integer_pow (exact, and
                # well-defined for negative bases) and no gradient is taken with respect to it.
                power = int(exponent) if float(exponent).is_integer() else exponent
                return lambda xy: jnp.power(left(xy), power)
        right = _closure(expr.right)
        op = _BINARY_OPS[expr.op][0]
        return lambda xy: op(left(xy), right(xy))
    fn = _FUNCTIONS[expr.name][1]
    args = tuple(_closure(arg) for arg in expr.args)
    if len(args) == 1:
        (arg,) = args
        return lambda xy: fn(arg(xy))
    first, second = args
    return lambda xy: fn(first(xy), second(xy))


def build_function(expr: Expr) -> Callable[[jax.Array], jax.Array]:
    """The JAX function ``f(xy)`` of a validated tree; differentiable with ``jax.grad``.

    ``xy`` holds the coordinates on its first axis: shape (2,) gives a scalar, shape
    (2, ...) evaluates many points at once. The result has the float dtype of ``xy``.
    """
    root = _closure(expr)

    def f(xy: jax.Array) -> jax.Array:
        xy = jnp.asarray(xy)
        if not jnp.issubdtype(xy.dtype, jnp.floating):
            xy = xy.astype(jnp.float32)
        value = jnp.asarray(root(xy), dtype=xy.dtype)
        return jnp.broadcast_to(value, xy.shape[1:])

    return f


def compile_formula(text: str) -> Callable[[jax.Array], jax.Array]:
    """Turn a user's formula in x and y into ``f(xy)``, a JAX function of the 2-vector ``xy``.

    ``FormulaError`` (a ``ValueError``) says what is wrong and, where possible, at which
    column. The function may return nan or inf at some points (``log(x)`` for x <= 0);
    :func:`landscapes.custom.custom_landscape` checks a domain for that.
    """
    return build_function(parse_formula(text))
