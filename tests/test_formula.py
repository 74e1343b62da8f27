"""User formulas: allow-list compiler, its limits and messages, and the custom landscape built on it."""

from __future__ import annotations

import ast
import builtins
import contextlib
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.simulate import simulate
from landscapes import custom as custom_module
from landscapes.custom import (
    DEFAULT_DOMAIN,
    DEFAULT_FORMULA,
    custom_landscape,
    formula_notice,
    rejected_count,
    to_latex,
    to_text,
    undefined_share,
)
from landscapes.formula import (
    ARITY,
    FUNCTIONS,
    MAX_COST,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    NAMES,
    FormulaError,
    compile_cost,
    compile_formula,
    parse_formula,
)

# Random text makes the Python parser warn (invalid escapes, "1or 2"); those warnings are not the subject here.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
POINTS = [(0.3, -0.7), (1.3, 0.4), (0.9, 2.1)]
"""Points with x > 0, so x**y, x**0.5 and x**-1 are defined."""

# ---------------------------------------------------------------------------------------------
# Values and gradients


REFERENCES: list[tuple[str, Callable]] = [
    ("x**2 + 10*y**2", lambda x, y: x**2 + 10 * y**2),
    ("sin(x)*cos(y) + 0.1*(x**2+y**2)", lambda x, y: jnp.sin(x) * jnp.cos(y) + 0.1 * (x**2 + y**2)),
    ("sin(x) + cos(y)", lambda x, y: jnp.sin(x) + jnp.cos(y)),
    ("tan(x*y)", lambda x, y: jnp.tan(x * y)),
    ("exp(x - y)", lambda x, y: jnp.exp(x - y)),
    ("log(x**2 + y**2 + 1)", lambda x, y: jnp.log(x**2 + y**2 + 1)),
    ("sqrt(x**2 + y**2 + 1)", lambda x, y: jnp.sqrt(x**2 + y**2 + 1)),
    ("abs(x - y)", lambda x, y: jnp.abs(x - y)),
    ("tanh(x) * sinh(y)", lambda x, y: jnp.tanh(x) * jnp.sinh(y)),
    ("cosh(x + y)", lambda x, y: jnp.cosh(x + y)),
    ("arctan(3*x*y)", lambda x, y: jnp.arctan(3 * x * y)),
    ("minimum(x, y) + 2*maximum(x, y)", lambda x, y: jnp.minimum(x, y) + 2 * jnp.maximum(x, y)),
    ("-x**2 + y", lambda x, y: -(x**2) + y),
    ("(-x)**2 + y", lambda x, y: x**2 + y),
    ("2**-1 * x", lambda x, y: 0.5 * x),
    ("x**-1 + y**3", lambda x, y: 1 / x + y**3),
    ("2**3**2 + x", lambda x, y: 512.0 + x),
    ("x - y - 1", lambda x, y: (x - y) - 1),
    ("x / y / 2", lambda x, y: (x / y) / 2),
    ("-x - -y + +x", lambda x, y: -x + y + x),
    ("x**y", lambda x, y: x**y),
    ("x**0.5 + x**2.0", lambda x, y: jnp.sqrt(x) + x * x),
    ("pi*x + e*y", lambda x, y: jnp.pi * x + jnp.e * y),
    ("e**x", lambda x, y: jnp.exp(x)),
    ("sin(cos(x) + exp(minimum(x, tanh(y))))", lambda x, y: jnp.sin(jnp.cos(x) + jnp.exp(jnp.minimum(x, jnp.tanh(y))))),
    ("(x + y)*(x - y)", lambda x, y: x * x - y * y),
    ("3", lambda x, y: 3.0 + 0 * x),
]


def test_every_function_is_covered_by_the_reference_table() -> None:
    used = {name for formula, _ in REFERENCES for name in re.findall(r"[a-z]+(?=\()", formula)}
    assert used == set(FUNCTIONS)
    assert len(FUNCTIONS) == 13


@pytest.mark.parametrize(("formula", "reference"), REFERENCES, ids=[f for f, _ in REFERENCES])
def test_values_and_gradients_match_hand_written_jax(formula: str, reference: Callable) -> None:
    f = compile_formula(formula)
    g = jax.grad(f)
    ref = jax.grad(lambda v: reference(v[0], v[1]))
    for point in POINTS:
        xy = jnp.asarray(point, jnp.float32)
        value = f(xy)
        assert value.shape == () and value.dtype == jnp.float32
        np.testing.assert_allclose(value, reference(xy[0], xy[1]), rtol=2e-6, atol=1e-6)
        np.testing.assert_allclose(g(xy), ref(xy), rtol=2e-5, atol=1e-6)


def test_gradients_match_derivatives_written_by_hand() -> None:
    x, y = 0.3, -0.7
    xy = jnp.asarray([x, y])
    np.testing.assert_allclose(jax.grad(compile_formula("x**2 + 10*y**2"))(xy), [2 * x, 20 * y], rtol=1e-6)
    np.testing.assert_allclose(
        jax.grad(compile_formula("sin(x)*cos(y)"))(xy),
        [np.cos(x) * np.cos(y), -np.sin(x) * np.sin(y)],
        rtol=1e-5,
    )
    np.testing.assert_allclose(jax.grad(compile_formula("-x**2"))(xy), [-2 * x, 0.0], rtol=1e-6)
    np.testing.assert_allclose(jax.grad(compile_formula("x**y"))(jnp.asarray([2.0, 3.0])), [12.0, 8 * np.log(2)])


def test_precedence_follows_python() -> None:
    xy = jnp.asarray([0.3, -0.7])
    assert float(compile_formula("-x**2")(xy)) == pytest.approx(-0.09)
    assert float(compile_formula("2**-1")(xy)) == 0.5
    assert float(compile_formula("2**3**2")(xy)) == 512.0
    assert float(compile_formula("1 + 2*3**2")(xy)) == 19.0


def test_works_under_jit_on_batches_and_with_leading_whitespace() -> None:
    f = compile_formula("  x**2 + 10*y**2 ")
    grid = jnp.asarray([[0.0, 1.0, 2.0], [1.0, 0.5, -1.0]])
    np.testing.assert_allclose(f(grid), [10.0, 3.5, 14.0])
    np.testing.assert_allclose(jax.jit(jax.grad(f))(jnp.asarray([1.0, 2.0])), [2.0, 40.0])
    constant = compile_formula("2*pi")
    assert constant(grid).shape == (3,)
    np.testing.assert_allclose(jax.grad(constant)(jnp.asarray([1.0, 2.0])), [0.0, 0.0])


# ---------------------------------------------------------------------------------------------
# Everything outside the allow-list

TOO_MANY_NODES = "x*x*x*x*x*x*x*x*x*x+" * 11 + "x"
TOO_DEEP = "sin(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1)

FORBIDDEN: list[tuple[str, str]] = [
    ("__import__('os')", "function '__import__' is not allowed (at column 1); allowed: sin, cos"),
    ("x.__class__", "attribute"),
    ("(1).real", "attribute"),
    ("[x][0]", "indexing"),
    ("lambda: 1", "lambda"),
    ("x if y else 1", "if ... else"),
    ("x < y", "comparisons"),
    ("open('f')", "function 'open' is not allowed (at column 1); allowed: sin, cos, tan, exp, log, sqrt, abs"),
    ("eval('1')", "function 'eval' is not allowed"),
    ("getattr(x, 'real')", "function 'getattr' is not allowed"),
    ("sin(x=1)", "positional arguments only"),
    ("exp(*[x])", "unpacking"),
    ("'a'", "quotes"),
    ("b'a'", "quotes"),
    ("1j", "complex"),
    ("True", "True and False"),
    ("None", "'NoneType'"),
    ("...", "'ellipsis'"),
    ("z", "unknown name 'z' (at column 1); use x, y, pi, e"),
    ("x + __builtins__", "unknown name '__builtins__'"),
    ("e.real", "attribute"),
    ("sin.__globals__", "attribute"),
    ("().__class__.__bases__", "attribute"),
    ("(w := 1)", ":="),
    ("f'{x}'", "f-strings"),
    ("x ^ y", "use ** for powers"),
    ("x // y", "operator '//'"),
    ("x % y", "operator '%'"),
    ("~x", "operator '~'"),
    ("not x", "operator 'not'"),
    ("x and y", "'and' / 'or'"),
    ("(x, y)", "tuples"),
    ("{x}", "sets"),
    ("[i for i in x]", "comprehensions"),
    ("x(2)", "'x' is not a function"),
    ("sin + 1", "'sin' is a function"),
    ("ln(x)", "use log"),
    ("(lambda: 1)()", "only named functions"),
    ("x" * (MAX_LENGTH + 1), f"too long (max {MAX_LENGTH} characters"),
    (TOO_MANY_NODES, f"too complex (max {MAX_NODES} nodes)"),
    (TOO_DEEP, f"too deeply nested (max {MAX_DEPTH} levels"),
    ("-" * 45 + "x", "too deeply nested"),
    ("x**17", "exponent too large"),
    ("x**(4*5)", "exponent too large"),
    ("2**-17", "exponent too large"),
    ("x**log(0)", "exponent too large"),
    ("sin(x, y)", "sin takes 1 argument, got 2"),
    ("minimum(x)", "minimum takes 2 arguments, got 1"),
    ("1e7 * x", "number is too large"),
    ("1e999", "number is too large"),
    ("1000001", "number is too large"),
    ("", "empty"),
    ("   ", "empty"),
    ("x +", "syntax error at column"),
    ("sin(x", "syntax error at column 4: '(' was never closed"),
    ("x y", "syntax error at column"),
    ("x\0", "syntax error"),
]


@pytest.mark.parametrize(("formula", "message"), FORBIDDEN, ids=[f[:30] for f, _ in FORBIDDEN])
def test_forbidden_constructs_raise_formula_error_with_a_message(formula: str, message: str) -> None:
    assert len(TOO_MANY_NODES) <= MAX_LENGTH and len(TOO_DEEP) <= MAX_LENGTH
    with pytest.raises(FormulaError) as caught:
        compile_formula(formula)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert len(str(caught.value)) < 300 and "Traceback" not in str(caught.value)


def test_messages_point_at_the_problem() -> None:
    with pytest.raises(FormulaError, match=r"unknown name 'zeta' \(at column 9\)") as caught:
        compile_formula("x**2 + (zeta)")
    assert caught.value.column == 9
    with pytest.raises(FormulaError, match="at column 3"):
        compile_formula("  x ^ y")  # column in the text as typed, leading spaces included
    with pytest.raises(FormulaError, match=r"exponent too large \(at column 4\)"):
        compile_formula("x**20")
    with pytest.raises(FormulaError, match="at column 5"):
        compile_formula("ｘ + z")  # characters, not UTF-8 bytes (a full-width x reads as x)
    with pytest.raises(FormulaError, match="formula must be text"):
        compile_formula(None)  # type: ignore[arg-type]


def test_limits_are_inclusive() -> None:
    compile_formula("x" + " " * (MAX_LENGTH - 1))
    compile_formula("x**16 + x**-16 + 1e6")
    compile_formula("sin(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1))


# ---------------------------------------------------------------------------------------------
# Properties: any text, any syntax tree

ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Load)
ALLOWED_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


def _only_allowed(text: str) -> bool:
    """An independent statement of the allow-list, applied to what the compiler accepted."""
    tree = ast.parse(text.strip(), mode="eval")
    callees = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ALLOWED_OPS):
            continue
        if not isinstance(node, ALLOWED_NODES):
            return False
        if isinstance(node, ast.Name) and node.id not in (FUNCTIONS if id(node) in callees else NAMES):
            return False
        if isinstance(node, ast.Call) and (
            node.keywords or not isinstance(node.func, ast.Name) or len(node.args) != ARITY[node.func.id]
        ):
            return False
        if isinstance(node, ast.Constant) and type(node.value) not in (int, float):
            return False
    return True


def _check_contract(text: str) -> None:
    """compile_formula returns a callable or raises FormulaError; a returned function can be called."""
    try:
        f = compile_formula(text)
    except FormulaError as error:
        assert str(error)
        return
    assert _only_allowed(text), text
    assert f(jnp.asarray([0.3, -0.7], jnp.float32)).shape == ()


TOKENS = [
    *NAMES,
    *FUNCTIONS,
    "(", ")", ",", "+", "-", "*", "/", "**", "^", "%", " ", "0", "1", "2.5", "1e6", "1e7", "16", "17",
    "__import__", "__class__", ".", "[", "]", "{", "}", "lambda", ":", "'", '"', "j", "if", "else", "<",
    "=", ":=", "not", "and", "open", "z", "f'", "#", "\\", "\n", "\0", "é", "*", "**",
]  # fmt: skip
junk_text = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)), max_size=60).map("".join)
long_text = st.one_of(
    st.text(min_size=MAX_LENGTH - 20, max_size=MAX_LENGTH + 100),
    st.builds(
        lambda token, n: token * n + "x",
        st.sampled_from(["(", "-", "x+", "sin(", "x**", "2**", "~", "not ", "[", "1e9*", "minimum(x,"]),
        st.integers(1, 160),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), junk_text, long_text))
def test_any_text_compiles_or_raises_formula_error(text: str) -> None:
    _check_contract(text)


IDENTIFIERS = st.one_of(
    st.sampled_from(
        [*NAMES, *FUNCTIONS, "z", "open", "eval", "exec", "__import__", "__class__", "real", "os", "_", "X", "ln"]
    ),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
)
CONSTANTS = st.one_of(
    st.integers(-(10**8), 10**8),
    st.floats(),
    st.complex_numbers(max_magnitude=1e3),
    st.booleans(),
    st.none(),
    st.just(...),
    st.text(max_size=3),
    st.binary(max_size=3),
)
BIN_OPS = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.BitXor, ast.Mod, ast.FloorDiv, ast.MatMult, ast.BitAnd]
NO_ARGS = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _any_nodes(children: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    callee = st.one_of(IDENTIFIERS.map(_load), children)
    argument = st.one_of(children, children.map(lambda c: ast.Starred(value=c, ctx=ast.Load())))
    keyword = st.builds(lambda name, value: ast.keyword(arg=name, value=value), st.none() | IDENTIFIERS, children)
    return st.one_of(
        st.builds(lambda a, op, b: ast.BinOp(a, op(), b), children, st.sampled_from(BIN_OPS), children),
        st.builds(
            lambda op, a: ast.UnaryOp(op(), a), st.sampled_from([ast.USub, ast.UAdd, ast.Not, ast.Invert]), children
        ),
        st.builds(
            lambda f, args, kws: ast.Call(f, args, kws),
            callee,
            st.lists(argument, max_size=3),
            st.lists(keyword, max_size=1),
        ),
        st.builds(lambda v, attr: ast.Attribute(v, attr, ast.Load()), children, IDENTIFIERS),
        st.builds(lambda v, i: ast.Subscript(v, i, ast.Load()), children, children),
        st.builds(lambda a, b: ast.Compare(a, [ast.Lt()], [b]), children, children),
        st.builds(lambda a, b: ast.BoolOp(ast.And(), [a, b]), children, children),
        st.builds(ast.IfExp, children, children, children),
        st.builds(lambda body: ast.Lambda(NO_ARGS, body), children),
        st.builds(lambda items: ast.List(items, ast.Load()), st.lists(children, max_size=3)),
        st.builds(lambda items: ast.Tuple(items, ast.Load()), st.lists(children, max_size=3)),
        st.builds(lambda v: ast.NamedExpr(ast.Name("w", ast.Store()), v), children),
        st.builds(lambda v: ast.JoinedStr([ast.FormattedValue(v, -1, None)]), children),
    )


def _unparse(tree: ast.expr) -> str:
    try:
        return ast.unparse(tree)
    except ValueError:  # an f-string whose expression part would need a backslash
        return "f'{x}'"


ANY_TREES = st.recursive(st.one_of(IDENTIFIERS.map(_load), CONSTANTS.map(ast.Constant)), _any_nodes, max_leaves=20).map(
    _unparse
)


@contextlib.contextmanager
def _spies(calls: list[str]) -> Iterator[None]:
    """Replace eval, exec, compile, getattr and __import__ by spies recording calls made from our modules."""
    ours = {"landscapes.formula", "landscapes.custom"}
    saved = {name: builtins.__dict__[name] for name in ("eval", "exec", "compile", "getattr", "__import__")}

    def spy(name: str, real: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            if sys._getframe(1).f_globals.get("__name__") in ours:
                calls.append(name)
            return real(*args, **kwargs)

        return wrapper

    try:
        for name, real in saved.items():
            setattr(builtins, name, spy(name, real))
        yield
    finally:
        for name, real in saved.items():
            setattr(builtins, name, real)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TREES)
def test_any_syntax_tree_compiles_or_raises_formula_error(text: str) -> None:
    _check_contract(text)


def test_compiler_never_calls_eval_exec_getattr_or_import() -> None:
    calls: list[str] = []

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.one_of(ANY_TREES, junk_text, st.sampled_from([f for f, _ in FORBIDDEN])))
    def run(text: str) -> None:
        _check_contract(text)

    # The spy itself must work: a call from the compiler's module is recorded.
    import landscapes.formula as formula_module

    with _spies(calls):
        exec("getattr(NAMES, 'count')", formula_module.__dict__)  # runs as if written in the compiler's module
    assert calls == ["getattr"]
    calls.clear()
    with _spies(calls):
        run()
        custom_landscape("sin(x)*cos(y) + 0.1*(x**2+y**2)", ((-2, 2), (-2, 2)))
    assert calls == []


@pytest.mark.parametrize("module", ["landscapes/formula.py", "landscapes/custom.py"])
def test_modules_do_not_reference_dynamic_evaluation(module: str) -> None:
    banned = {"eval", "exec", "compile", "getattr", "setattr", "__import__", "globals", "locals", "vars", "open"}
    tree = ast.parse((ROOT / module).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            assert node.id not in banned, f"{module}:{node.lineno} uses {node.id}"
        if isinstance(node, ast.Attribute):
            assert node.attr not in banned, f"{module}:{node.lineno} uses .{node.attr}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
            assert not any(n.split(".")[0] in {"builtins", "importlib", "sympy", "pickle"} for n in names)


# Trees of allowed constructs only: they must compile unless a size limit says otherwise, and the
# normalized text and the LaTeX built from them must be faithful and safe.
NUMBERS = st.one_of(st.integers(0, 20), st.floats(0, 20), st.integers(0, 10**6), st.floats(0, 1e6))


def _allowed_nodes(children: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    unary_fns = [name for name in FUNCTIONS if ARITY[name] == 1]
    binary_fns = [name for name in FUNCTIONS if ARITY[name] == 2]
    return st.one_of(
        st.builds(
            lambda a, op, b: ast.BinOp(a, op(), b),
            children,
            st.sampled_from([ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Pow]),
            children,
        ),
        st.builds(lambda op, a: ast.UnaryOp(op(), a), st.sampled_from([ast.USub, ast.UAdd]), children),
        st.builds(lambda name, a: ast.Call(_load(name), [a], []), st.sampled_from(unary_fns), children),
        st.builds(
            lambda name, a, b: ast.Call(_load(name), [a, b], []), st.sampled_from(binary_fns), children, children
        ),
    )


def _allowed_trees(depth: int) -> st.SearchStrategy[ast.expr]:
    """Trees up to ``depth`` levels; each level picks a leaf or a node uniformly, so deep trees are common."""
    leaves = st.one_of(st.sampled_from(NAMES).map(_load), NUMBERS.map(ast.Constant))
    return leaves if depth == 0 else st.one_of(_allowed_nodes(_allowed_trees(depth - 1)), leaves)


def _operator_trees(depth: int) -> st.SearchStrategy[ast.expr]:
    """Full trees of operators over a few small leaves: every precedence and associativity case comes up often."""
    leaves = st.sampled_from(["x", "y", 2, 0.5]).map(lambda v: _load(v) if isinstance(v, str) else ast.Constant(v))
    if depth == 0:
        return leaves
    child = _operator_trees(depth - 1)
    ops = st.sampled_from([ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow])
    return st.one_of(
        st.builds(lambda a, op, b: ast.BinOp(a, op(), b), child, ops, child),
        st.builds(lambda op, a: ast.UnaryOp(op(), a), st.sampled_from([ast.USub, ast.UAdd]), child),
    )


ALLOWED_TREES = st.one_of(_allowed_trees(6), _operator_trees(4)).map(ast.unparse)
LATEX_MACROS = {
    r"\sin", r"\cos", r"\tan", r"\exp", r"\ln", r"\tanh", r"\sinh", r"\cosh", r"\arctan", r"\min", r"\max",
    r"\sqrt", r"\left", r"\right", r"\frac", r"\pi", r"\cdot", r"\times",
}  # fmt: skip


def _latex_is_safe(latex: str) -> bool:
    macros = set(re.findall(r"\\[A-Za-z]+", latex))
    rest = re.sub(r"\\[A-Za-z]+", "", latex)
    return macros <= LATEX_MACROS and set(rest) <= set("0123456789.xye()[]{}|,+-^ ")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ALLOWED_TREES)
def test_allowed_trees_compile_and_render_faithfully(text: str) -> None:
    try:
        expr = parse_formula(text)
    except FormulaError as error:
        assert re.search("exponent too large|too long|too complex|too deeply nested", str(error)), str(error)
        return
    assert parse_formula(to_text(expr)) == expr  # the normalized text means exactly the same formula
    assert _latex_is_safe(to_latex(expr)), to_latex(expr)
    assert compile_formula(text)(jnp.asarray([0.3, -0.7])).shape == ()


RENDERINGS = [
    ("x**2 + 10*y**2", "x**2 + 10*y**2", "x^{2} + 10 y^{2}"),
    ("sin(x)*cos(y)", "sin(x)*cos(y)", r"\sin\left(x\right) \cos\left(y\right)"),
    ("-x**2", "-x**2", "-x^{2}"),
    ("(-x)**2", "(-x)**2", r"\left(-x\right)^{2}"),
    ("(x**y)**2", "(x**y)**2", r"\left(x^{y}\right)^{2}"),
    ("x**y**2", "x**y**2", "x^{y^{2}}"),
    ("2**-1", "2**-1", "2^{-1}"),
    ("x - (y - 1)", "x - (y - 1)", r"x - \left(y - 1\right)"),
    ("(x - y) - 1", "x - y - 1", "x - y - 1"),
    ("x + (y + 1)", "x + (y + 1)", "x + y + 1"),
    ("x*(y + 1)", "x*(y + 1)", r"x \left(y + 1\right)"),
    ("x/(y*2)", "x/(y*2)", r"\frac{x}{y \cdot 2}"),
    ("x*-y", "x*-y", r"x \left(-y\right)"),
    ("-(x*y)", "-(x*y)", "-x y"),
    ("--x", "--x", r"-\left(-x\right)"),
    ("(x + 1)**0.5", "(x + 1)**0.5", r"\left(x + 1\right)^{0.5}"),
    (
        "sqrt(abs(x)) + minimum(x, pi)",
        "sqrt(abs(x)) + minimum(x, pi)",
        r"\sqrt{\left|x\right|} + \min\left(x, \pi\right)",
    ),
    ("1.5e-5*x + 2.0", "1.5e-05*x + 2", r"1.5 \times 10^{-5} x + 2"),
    ("log(e)", "log(e)", r"\ln\left(e\right)"),
]


@pytest.mark.parametrize(("formula", "text", "latex"), RENDERINGS, ids=[r[0] for r in RENDERINGS])
def test_text_and_latex_renderings(formula: str, text: str, latex: str) -> None:
    expr = parse_formula(formula)
    assert to_text(expr) == text
    assert to_latex(expr) == latex
    assert parse_formula(text) == expr


# ---------------------------------------------------------------------------------------------
# The custom landscape


def test_custom_landscape_runs_in_the_engine_and_converges() -> None:
    land = custom_landscape("x**2+10*y**2", ((-3, 3), (-3, 3)))
    (run,) = simulate(land, "sgd", {"lr": 0.05}, start=(2.0, 1.0), steps=50)
    assert run.diverged_at is None
    assert run.loss[-1] < 1e-3 < run.loss[0]
    assert np.hypot(*run.path[-1]) < 0.02
    assert land.key == "custom" and land.name == "Custom formula"
    assert land.params == () and land.minima({}) == () and land.saddles({}) == ()
    assert land.domain == ((-3.0, 3.0), (-3.0, 3.0))


def test_defaults_and_default_start() -> None:
    land = custom_landscape(DEFAULT_FORMULA, DEFAULT_DOMAIN)
    assert land.starts == ((-1.5, 1.5),)  # 25% across x, 75% up y
    assert land.latex == "f(x, y) = x^{2} + 10 y^{2}"
    assert "x**2 + 10*y**2" in land.description
    assert float(land.loss_function()(jnp.asarray([1.0, 1.0]))) == 11.0


def test_same_inputs_give_the_same_object() -> None:
    formula = "x**2 + 3*y**2"
    first = custom_landscape(formula, ((-3, 3), (-2, 2)))
    assert custom_landscape(formula, ((-3, 3), (-2, 2))) is first
    assert custom_landscape(formula, [[-3.0, 3.0], [-2.0, 2.0]]) is first
    assert custom_landscape(formula, ((-3, 3), (-2, 2)), start=first.starts[0]) is first
    assert custom_landscape(formula, ((-3, 3), (-2, 2)), start=(1.0, 1.0)) is not first
    assert custom_landscape(formula + " + 0", ((-3, 3), (-2, 2))) is not first
    assert custom_landscape(formula, ((-3, 3), (-2, 2.5))) is not first


def test_shown_text_is_rebuilt_from_the_tree_not_copied() -> None:
    land = custom_landscape("x**2 + y**2  # \\href{javascript:alert(1)}{click} <b>", ((-1, 1), (-1, 1)))
    for shown in (land.latex, land.description):
        assert "href" not in shown and "javascript" not in shown and "<b>" not in shown and "#" not in shown
    assert land.latex == "f(x, y) = x^{2} + y^{2}"


THE_STRIPES = "sqrt(cos(2*pi*(x + 3)/0.15) - 0.5) + y**2"
"""The formula of issue #12: finite on the old 41 x 41 check grid, undefined on two thirds of the drawn map."""


def _drawn_grid(domain) -> tuple[np.ndarray, np.ndarray]:
    """The x and y of the map's grid, written out here: 120 float32 points per side, ends included."""
    (x0, x1), (y0, y1) = domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, 120, dtype=np.float32), np.linspace(y0, y1, 120, dtype=np.float32))
    return gx.astype(np.float64), gy.astype(np.float64)


@pytest.mark.parametrize(
    ("formula", "domain", "undefined"),
    [
        (THE_STRIPES, DEFAULT_DOMAIN, lambda x, y: np.cos(2 * np.pi * (x + 3) / 0.15) < 0.5),
        ("log(x)", ((-1, 1), (-1, 1)), lambda x, y: x < 0),
        ("exp(x)", ((0, 100), (0, 1)), lambda x, y: x > np.log(np.finfo(np.float32).max)),  # overflows float32
        ("1/(x - 0.5)", ((0, 1), (0, 1)), lambda x, y: np.zeros_like(x, bool)),  # the pole falls between grid points
    ],
)
def test_a_partly_undefined_formula_is_accepted_with_its_undefined_share(formula: str, domain, undefined) -> None:
    land = custom_landscape(formula, domain)
    gx, gy = _drawn_grid(domain)
    expected = float(np.mean(undefined(gx, gy)))
    # Cells right on a boundary may round either way in float32: allow one column of the grid.
    assert undefined_share(land) == pytest.approx(expected, abs=1 / 120)
    if expected:
        assert f"{100 * undefined_share(land):.0f}% of the plotted area" in formula_notice(land)
        assert "hatched" in formula_notice(land) and "diverged" in formula_notice(land)
    else:
        assert formula_notice(land) is None


def test_the_issue_formula_is_undefined_on_two_thirds_of_the_map_though_the_old_grid_saw_none() -> None:
    old_xs = np.linspace(-3, 3, 41)  # the old check's grid (41 x 41; f depends on y only through y**2)
    assert (np.cos(2 * np.pi * (old_xs + 3) / 0.15) >= 0.5).all()
    land = custom_landscape(THE_STRIPES, DEFAULT_DOMAIN)
    assert undefined_share(land) == pytest.approx(2 / 3, abs=0.02)
    assert "67% of the plotted area" in formula_notice(land)


def test_a_built_in_surface_has_no_undefined_share() -> None:
    from landscapes import get

    assert undefined_share(get("rosenbrock")) == 0.0 and formula_notice(get("rosenbrock")) is None


@pytest.mark.parametrize(
    ("formula", "domain"),
    [
        ("sqrt(-1 - x**2)", ((-1, 1), (-1, 1))),
        ("log(-(x**2) - y**2 - 1)", DEFAULT_DOMAIN),
        ("exp(x)", ((100, 200), (0, 1))),
    ],
)
def test_a_formula_defined_nowhere_on_its_domain_is_rejected(formula: str, domain) -> None:
    with pytest.raises(FormulaError, match="no finite value anywhere on the domain"):
        custom_landscape(formula, domain)


def test_the_default_start_moves_to_the_nearest_grid_point_a_little_inside_the_defined_region() -> None:
    land = custom_landscape("log(x)", ((-1, 1), (-1, 1)))  # the usual start, (-0.5, 0.5), is undefined
    xs = np.linspace(-1, 1, 120)
    ((x, y),) = land.starts
    assert x == pytest.approx(xs[xs > 0][6])  # 6 cells clear of the undefined half x < 0
    assert abs(y - 0.5) <= (xs[1] - xs[0]) / 2
    assert np.isfinite(float(land.loss_function()(jnp.asarray([x, y], jnp.float32))))


def _stripe_columns(x0: float, x1: float) -> tuple[np.ndarray, np.ndarray]:
    """The map's x values over (x0, x1) and where THE_STRIPES is defined there (it depends on x alone)."""
    xs = np.linspace(x0, x1, 120, dtype=np.float32).astype(np.float64)
    return np.linspace(x0, x1, 120), np.cos(2 * np.pi * (xs + 3) / 0.15) >= 0.5


def test_a_moved_default_start_keeps_six_cells_from_an_undefined_region_where_there_is_room() -> None:
    domain = ((-2.87, -2.47), (-1, 1))  # stripes 15 cells wide, centred on x = -2.85, -2.7, -2.55
    xs, defined = _stripe_columns(-2.87, -2.47)
    assert np.cos(2 * np.pi * (-2.77 + 3) / 0.15) < 0.5  # the usual start, x = -2.77, is between stripes
    roomy = np.array([defined[max(0, j - 6) : j + 7].all() for j in range(120)])
    ((x, y),) = custom_landscape(THE_STRIPES, domain).starts
    assert x == pytest.approx(xs[roomy][np.argmin(np.abs(xs[roomy] + 2.77))])
    assert abs(y - 0.5) <= 1 / 119


def test_where_there_is_no_room_the_default_start_is_the_nearest_defined_point() -> None:
    domain = ((-3.03, 2.97), (-3, 3))  # stripes about one cell wide
    xs, defined = _stripe_columns(-3.03, 2.97)
    assert np.cos(2 * np.pi * (-1.53 + 3) / 0.15) < 0.5  # the usual start, x = -1.53, is between stripes
    ((x, y),) = custom_landscape(THE_STRIPES, domain).starts
    assert x == pytest.approx(xs[defined][np.argmin(np.abs(xs[defined] + 1.53))])
    assert abs(y - 1.5) <= 3 / 119


@pytest.mark.parametrize(
    ("formula", "start", "message"),
    [
        ("log(x)", (-0.5, 0.0), r"the formula is not finite at the start \(x, y\) = \(-0.5, 0\)"),
        ("sqrt(x**2 + y**2)", (0.0, 0.0), r"the formula's gradient is not finite at the start"),
    ],
)
def test_an_explicit_start_where_the_formula_is_undefined_is_rejected(formula: str, start, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        custom_landscape(formula, ((-1, 1), (-1, 1)), start)


def test_a_run_that_steps_into_an_undefined_region_is_diverged_and_stops_there() -> None:
    land = custom_landscape(THE_STRIPES, DEFAULT_DOMAIN)
    # Just off a stripe's centre, descent heads for the stripe's edge, where sqrt(...) is 0 and its slope infinite.
    (run,) = simulate(land, "adam", {}, start=(-1.51, 1.5), steps=100)
    assert run.diverged_at is not None and run.diverged_at < 100
    assert np.isfinite(run.path).all() and np.isfinite(run.loss).all()  # frozen at the last defined point
    x = run.path[run.diverged_at :, 0].astype(np.float64)
    assert (np.cos(2 * np.pi * (x + 3) / 0.15) >= 0.5 - 1e-3).all()  # that point is inside the stripe


@pytest.mark.parametrize(
    ("domain", "start", "message"),
    [
        (((1, -1), (0, 1)), None, "domain x range must have min < max"),
        (((0, 1), (2, 2)), None, "domain y range must have min < max"),
        (((0, 1), (0, float("nan"))), None, "domain y range must be two finite numbers"),
        (((float("-inf"), 1), (0, 1)), None, "domain x range must be two finite numbers"),
        (((0, 2e4), (0, 1)), None, "domain x range must lie within"),
        (((0, 1), (-1e5, 0)), None, "domain y range must lie within"),
        (((0, 1e-4), (0, 1)), None, "domain x range must be at least 0.001 wide"),
        (((0, 1), ("0", 1)), None, "domain y range must be two finite numbers"),
        (((0, 1), (True, 2)), None, "domain y range must be two finite numbers"),
        (((0, 1),), None, "domain must be"),
        ((0, 1), None, "the x range is not a pair"),
        ("abc", None, "domain must be"),
        (((0, 1), (0, 1)), (5, 5), "start must lie inside the domain"),
        (((0, 1), (0, 1)), (0.5,), "start must be two finite numbers"),
        (((0, 1), (0, 1)), (0.5, float("nan")), "start must be two finite numbers"),
    ],
)
def test_bad_domain_or_start_is_rejected_naming_the_field(domain, start, message: str) -> None:
    with pytest.raises(FormulaError, match=re.escape(message)):
        custom_landscape("x + y", domain, start)


def test_bad_formula_in_custom_landscape_is_a_formula_error() -> None:
    with pytest.raises(FormulaError, match="unknown name"):
        custom_landscape("x + z", DEFAULT_DOMAIN)
    with pytest.raises(FormulaError, match="must be text"):
        custom_landscape(["x"], DEFAULT_DOMAIN)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Compile cost: bounded before anything compiles; rejections remembered

TOWER = "x" + "**y" * 38
"""A 38-storey power tower: 39 nodes, yet its second derivative took about 10 s to compile (measured)."""


@contextlib.contextmanager
def _jax_compile_events() -> Iterator[list[str]]:
    """Every JAX tracing, lowering or XLA compile event while the block runs (JAX's own monitoring)."""
    events: list[str] = []

    def listen(event: str, duration: float, **_: object) -> None:
        if event.startswith("/jax/core/compile/"):
            events.append(event)

    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        yield events
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)


def test_every_function_and_operator_has_a_compile_cost() -> None:
    for name in FUNCTIONS:
        args = ", ".join(["x"] * ARITY[name])
        assert compile_cost(parse_formula(f"{name}({args})")) >= 1, name
    for op in "+-*/":
        assert compile_cost(parse_formula(f"x {op} y")) >= 1, op
    assert compile_cost(parse_formula("x")) == compile_cost(parse_formula("2.5")) == 0


def test_compile_cost_counts_what_compiles() -> None:
    def cost(text: str) -> int:
        return compile_cost(parse_formula(text))

    assert cost("x**2") < cost("x**0.5") == cost("x**y") == cost("2**x")  # integer powers are multiplications
    assert cost("x**(2*3)") == cost("x**6")  # a fixed exponent is folded, never traced
    assert cost("sin(x) + sin(x)") == 2 * cost("sin(x)") + cost("x + y")  # a repeat compiles again
    assert cost("sinh(x)") > cost("sin(x)") > cost("abs(x)")


def test_ordinary_and_deepest_formulas_are_within_the_compile_budget() -> None:
    for formula, _ in REFERENCES:
        assert compile_cost(parse_formula(formula)) <= MAX_COST // 10, formula
    assert compile_cost(parse_formula("sin(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1))) <= MAX_COST


def test_a_formula_too_costly_to_compile_is_rejected_without_compiling_and_remembered() -> None:
    assert len(TOWER) < MAX_LENGTH and compile_cost(parse_formula(TOWER)) > MAX_COST
    with _jax_compile_events() as events, pytest.raises(FormulaError, match="too costly to compile") as first:
        custom_landscape(TOWER, ((0.5, 1), (0.5, 1)))
    assert events == []
    with _jax_compile_events() as events, pytest.raises(FormulaError) as second:
        custom_landscape(TOWER, ((0.5, 1), (0.5, 1)))
    assert events == [] and str(second.value) == str(first.value)


def test_a_rejected_formula_is_not_evaluated_again_on_the_next_visit() -> None:
    formula, domain = "sqrt(-2 - x**2 - y**2)", ((-1, 1), (-2, 2))
    with _jax_compile_events() as events, pytest.raises(FormulaError, match="no finite value") as first:
        custom_landscape(formula, domain)
    assert events, "the first visit evaluates the formula on the drawn grid"
    with _jax_compile_events() as events, pytest.raises(FormulaError) as second:
        custom_landscape("sqrt(-2 - x**2 - y**2)  # same formula, other spacing", domain)
    assert events == [] and str(second.value) == str(first.value)


def test_remembered_rejections_are_bounded_least_recently_asked_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(custom_module, "MAX_REJECTED", 3)
    monkeypatch.setattr(custom_module, "_REJECTED", type(custom_module._REJECTED)())
    towers = [f"{TOWER} + {k}" for k in range(5)]
    for tower in towers[:3]:
        with pytest.raises(FormulaError):
            custom_landscape(tower, DEFAULT_DOMAIN)
    with pytest.raises(FormulaError):
        custom_landscape(towers[0], DEFAULT_DOMAIN)  # asked again: now the most recent
    for tower in towers[3:]:
        with pytest.raises(FormulaError):
            custom_landscape(tower, DEFAULT_DOMAIN)
    assert rejected_count() == 3
    kept = [key[0] for key in custom_module._REJECTED]
    assert kept == [to_text(parse_formula(t)) for t in (towers[0], towers[3], towers[4])]
