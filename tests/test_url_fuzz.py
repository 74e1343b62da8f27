"""Random links never break a page: no exception, and exactly one notice when anything was ignored.

Every value read from a URL is untrusted (see the architecture's safety rules). Hypothesis
opens pages through AppTest with random query dicts: real keys and random ones, values
that are very long, unicode, non-finite, out of range, empty, HTML, comma lists. Each page
must render without an exception, show one warning exactly when something in the link was
ignored, and rewrite the link to settings it accepts.

Every page of the app is also opened once with a link of odd parameter *names* (the empty
name of ``?=1``, ``.``, Streamlit's reserved ``$$ID`` prefix, a 5000-character name,
unicode, a repeated name, the page's own prefix with nothing or junk after it), and the
URL guard all lesson pages share is fuzzed on a tiny page of its own, which is cheap
enough for many examples: real widget keys with repeated and odd values among odd names.

To fuzz another page, add it to :data:`FUZZ_PAGES` with the query keys it reads (and, if
it has one, a parser that says what a link would ignore). Examples are kept small (short
runs, texts just past every length limit) so the whole file stays quick.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

import landscapes
import optimizers
from engine.scenario import LANDSCAPE_KEYS, SPEEDS, from_query
from tests.apptest_helpers import APP, errors, figures, live_maps


@dataclass(frozen=True)
class FuzzPage:
    """A page to fuzz: its path, the query keys it reads, and (optionally) its link parser."""

    path: str
    keys: tuple[str, ...]
    key_pattern: re.Pattern[str]
    """Every query key the page could possibly accept; anything else must be reported."""
    ignored: Callable[[Mapping[str, str]], list[str]] | None = None
    """What the page's own parser ignores in a link (None: only unknown keys are checked)."""
    valid: st.SearchStrategy[dict[str, str]] | None = None
    """Links the page must accept without a notice (so the fuzz also covers the quiet path)."""
    extra: tuple[st.SearchStrategy[dict[str, str]], ...] = ()
    """More link shapes worth a share of the examples (e.g. a mode that random keys rarely reach)."""


SPECIAL_VALUES = (
    "NaN",
    "nan",
    "-nan",
    "Infinity",
    "-Infinity",
    "inf",
    "-inf",
    "1e999",
    "-1e999",
    "1e-999",
    "-1",
    "-0",
    "0",
    "1e308",
    "",
    " ",
    ",",
    ",,,",
    "1,2",
    "-1.5,2",
    "1,2,3,4",
    "nan,nan",
    "1,inf",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "null",
    "None",
    "true",
    "0x10",
    "1_000",
    "１２",
    "٣",
    "\u202egnp.exe",
    "🙂",
    "%00",
    "\x00",
    "x**2 + y**2",
    "__import__('os')",
    "sgd,adam,adam,adam,adam,adam,adam,adam,adam,adam",
    "custom",
)

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(-10, 10).map(lambda v: f"{v:.3g}"),
)
names = st.sampled_from([*LANDSCAPE_KEYS, *optimizers.REGISTRY, *landscapes.REGISTRY])
# Just past every length limit a link value meets (40-character labels, 200-character values,
# 300-character formulas); the 10 000-character cases are in the hand-picked links below.
long_text = st.builds(lambda ch, n: ch * n, st.characters(), st.integers(150, 1_200))
values = st.one_of(
    st.sampled_from(SPECIAL_VALUES),
    numbers,
    names,
    st.lists(st.one_of(numbers, names), min_size=2, max_size=5).map(",".join),
    st.text(max_size=40),
    long_text,
)


def playground_links() -> st.SearchStrategy[dict[str, str]]:
    """Valid Playground links on the default surface: every value in range, some off the sliders' grids.

    The surface stays Rosenbrock and the optimizers the defaults, so no example compiles
    anything new (hyperparameters, start, seed and steps up to the padded length are traced).
    """
    land = landscapes.get("rosenbrock")
    (x0, x1), (y0, y1) = land.domain
    optional: dict[str, st.SearchStrategy[str]] = {
        "land": st.just("rosenbrock"),
        "o1.lr": st.floats(1e-5, 10).map(lambda v: f"{v:.4g}"),
        "o4.beta1": st.floats(0, 0.999).map(lambda v: f"{v:.3g}"),
        "steps": st.integers(10, 60).map(str),
        "seed": st.integers(0, 2**31 - 1).map(str),
        "speed": st.sampled_from(SPEEDS).map(str),
        "start": st.tuples(st.floats(x0, x1), st.floats(y0, y1)).map(lambda p: f"{p[0]!r},{p[1]!r}"),
        "o2.label": st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=30),
    }
    for p in land.params:
        optional[f"land.{p.name}"] = st.floats(p.low, p.high).map(repr)
    return st.fixed_dictionaries({}, optional=optional)


PLAYGROUND = FuzzPage(
    path="views/playground.py",
    keys=(
        "land",
        "opt",
        "start",
        "steps",
        "seed",
        "speed",
        "batch_size",
        "f",
        "dom",
        "land.kappa",
        "land.a",
        "land.noise",
        "o1.lr",
        "o1.label",
        "o1.schedule",
        "o1.wd_mode",
        "o1.momentum",
        "o1.clip_norm",
        "o2.lr",
        "o2.beta1",
        "o9.lr",
    ),
    key_pattern=re.compile(r"(land|opt|start|steps|seed|speed|batch_size|f|dom|land\.\w+|o[1-8]\.\w+)"),
    ignored=lambda query: from_query(query)[1],
    valid=playground_links(),
    extra=(st.fixed_dictionaries({"land": st.just("custom")}, optional={"f": values, "dom": values}),),
)

FUZZ_PAGES = (PLAYGROUND,)


def keys_for(page: FuzzPage) -> st.SearchStrategy[str]:
    """Query keys: the page's real ones (most of the time), random text, and very long keys."""
    return st.one_of(st.sampled_from(page.keys), st.sampled_from(page.keys), st.text(max_size=20), long_text)


def queries_for(page: FuzzPage) -> st.SearchStrategy[dict[str, str]]:
    """Random query dicts of up to six keys; valid links, alone or with one bad entry added."""
    random = st.dictionaries(keys_for(page), values, max_size=6)
    if page.valid is None:
        return st.one_of(random, *page.extra)
    spoiled = st.tuples(page.valid, keys_for(page), values).map(lambda t: {**t[0], t[1]: t[2]})
    return st.one_of(random, page.valid, spoiled, *page.extra)


@pytest.fixture(scope="module", autouse=True)
def full_error_details() -> Iterator[None]:
    """Show exception messages in AppTest (the deployed config.toml hides them from viewers)."""
    before = st_config.get_option("client.showErrorDetails")
    st_config.set_option("client.showErrorDetails", "full")
    yield
    st_config.set_option("client.showErrorDetails", before)


DEFAULT_PAGE = "views/playground.py"
"""The page a bare URL opens (``default=True`` in app.py)."""


def app_on(path: str, query: Mapping[str, str | list[str]], timeout: float = 120) -> AppTest:
    """The app with the page file ``path`` opened with ``query`` in the URL (not yet run).

    AppTest matches a page file to st.navigation's pages only once a run has registered
    them (before that it guesses the page from the file name, which is not the page's
    url_path, and opens the default page instead), so for any other page than the default
    one the router runs once first, on a bare URL.
    """
    at = AppTest.from_file(APP, default_timeout=timeout)
    if path != DEFAULT_PAGE:
        at.run().query_params.clear()
        at.switch_page(path)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def open_page(page: FuzzPage, query: Mapping[str, str]) -> AppTest:
    """Run the app on ``page`` opened with ``query`` in the URL."""
    return app_on(page.path, query).run()


def check_page(page: FuzzPage, query: dict[str, str]) -> None:
    """The assertions for one random link (see the module docstring)."""
    at = open_page(page, query)
    assert errors(at) == [], f"exception for {query!r}"
    assert figures(at) or live_maps(at), f"no chart drawn for {query!r}"
    unknown = [key for key in query if not page.key_pattern.fullmatch(key)]
    expect_notice = bool(unknown)
    if page.ignored is not None:
        ignored = page.ignored(query)
        assert not (unknown and not ignored), f"the parser accepted unknown keys {unknown!r}"
        expect_notice = bool(ignored)
    notices = [w.value for w in at.warning]
    assert len(notices) == (1 if expect_notice else 0), f"{len(notices)} notices for {query!r}: {notices}"
    link = {str(k): str(v) for k, v in at.query_params.items()}
    assert all(page.key_pattern.fullmatch(k) for k in link), f"unknown keys survived in the link: {link}"
    if page.ignored is not None:
        assert page.ignored(link) == [], f"the rewritten link {link!r} is not clean"


@pytest.mark.parametrize("page", FUZZ_PAGES, ids=lambda p: p.path)
def test_random_links_never_break_the_page(page: FuzzPage) -> None:
    """Hypothesis: 30 random links per page (each a full app run; about 15 s for the Playground)."""

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )
    @given(queries_for(page))
    def run(query: dict[str, str]) -> None:
        check_page(page, query)

    run()


@pytest.mark.parametrize(
    "query",
    [
        {"land": "atlantis", "o1.lr": "NaN", "zzz": "<script>"},
        {"o1.lr": "1e999", "steps": "-inf", "start": "nan,nan", "seed": "", "speed": "7"},
        {"land": "custom", "f": "__import__('os')", "dom": "1,0,0,1"},
        {"opt": "x" * 10_000, "\u202e": "🙂"},
        {"land": "x" * 10_000},
        {"land": "custom", "f": "x**2 + y**2", "dom": "-1e999,1,0,1"},
        {"land": "custom", "f": "1e999*x", "dom": "nan,1,2,3"},
        {"land": "custom", "f": "x" * 10_000},
    ],
)
def test_known_bad_links(query: dict[str, str]) -> None:
    """A few hand-picked bad links, so the worst cases run on every test run, not only by chance."""
    check_page(PLAYGROUND, query)


# ---------------------------------------------------------------- odd parameter names, every page

ROOT = Path(APP).parent
APP_PAGES = tuple(re.findall(r'"(views/\w+\.py)"', (ROOT / "app.py").read_text()))
"""Every page the router lists."""


def page_prefix(path: str) -> str | None:
    """The prefix of a page's URL keys (e.g. ``ill``), or None (the Playground).

    A page that reads its link through a scenario class (``from ui.lessons.x import XScenario``, or ``ui.network.x``)
    has that class's ``PAGE``; an older page has a ``PAGE = "..."`` constant.
    """
    text = (ROOT / path).read_text()
    scenario = re.search(r"^from (ui\.(?:lessons|network)\.\w+) import .*?\b(\w+Scenario)\b", text, re.MULTILINE)
    if scenario:
        return str(getattr(importlib.import_module(scenario.group(1)), scenario.group(2)).PAGE)
    found = re.search(r'^PAGE = "(\w+)"', text, re.MULTILINE)
    return found.group(1) if found else None


def odd_names(prefix: str | None) -> dict[str, str | list[str]]:
    """A link made only of parameter names no page may trip over."""
    query: dict[str, str | list[str]] = {
        "": "1",
        ".": "1",
        "$$ID-0-None": "1",
        "n" * 5000: "v" * 5000,
        "ünï🙂\u202e": "🙂",
        "twice": ["1", "2"],
    }
    if prefix is not None:
        query |= {f"{prefix}.": "1", f"{prefix}.🙂": "<b>x</b>", f"{prefix}.url_notice": "forged"}
    return query


def test_every_page_is_opened_with_odd_names():
    assert len(APP_PAGES) >= 13 and "views/playground.py" in APP_PAGES and "views/sweeps.py" in APP_PAGES


@pytest.mark.parametrize("path", APP_PAGES, ids=lambda p: Path(p).stem)
def test_odd_parameter_names_never_break_a_page(path: str) -> None:
    """Issue 12: ``/ill-conditioning?=1`` raised; now every page shows one notice and drops every odd name."""
    prefix = page_prefix(path)
    query = odd_names(prefix)
    at = app_on(path, query, timeout=300).run()
    assert errors(at) == [], f"exception on {path}"
    assert figures(at) or live_maps(at), f"no chart drawn on {path}"
    notices = [w.value for w in at.warning]
    assert len(notices) == 1, notices
    if prefix is not None:  # pages with the shared URL guard name the empty name in words
        assert "(no name)=1" in notices[0].replace("\\", ""), notices[0]
    left = set(at.query_params) & set(query)
    assert not left, f"odd names survived in the link: {sorted(k[:20] for k in left)}"


# ---------------------------------------------------------------- the shared URL guard, on a tiny page


def guarded_page() -> None:
    """A lesson-like page: a scenario of four settings drawn by a PageForm (run by AppTest as a script)."""
    from dataclasses import dataclass

    from core.page_scenario import PageScenario, setting
    from ui.page_form import PageForm

    @dataclass(frozen=True)
    class TinyScenario(PageScenario, page="tiny"):
        a: float = setting(0.5, "a", low=0.0, high=1.0, step=0.01)
        b: str = setting("x", "b", options=("x", "y"))
        c: int = setting(1, "c", options=(1, 2, 3))
        d: bool = setting(False, "d")

    form = PageForm(TinyScenario)
    for name in ("a", "b", "c", "d"):
        form.widget(name)
    form.finish()


TINY_KEYS = ("tiny.a", "tiny.b", "tiny.c", "tiny.d")
ODD_NAMES = (
    "",
    ".",
    "..",
    " ",
    "\x00",
    "🙂",
    "\u202e",
    "$$ID",
    "$$ID-abc-None",
    "tiny.",
    "tiny.url_notice",
    "tiny.a.b",
)
odd_keys = st.one_of(st.sampled_from(ODD_NAMES), st.text(max_size=20), long_text)
tiny_values = st.one_of(values, st.lists(values, min_size=2, max_size=3))
valid_tiny = st.fixed_dictionaries(
    {},
    optional={
        "tiny.a": st.sampled_from(["0", "0.25", "1"]),
        "tiny.b": st.just("y"),
        "tiny.c": st.just("3"),
        "tiny.d": st.just("true"),
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    st.one_of(
        st.dictionaries(st.one_of(odd_keys, st.sampled_from(TINY_KEYS)), tiny_values, max_size=6),
        valid_tiny,
        st.tuples(valid_tiny, odd_keys, tiny_values).map(lambda t: {**t[0], t[1]: t[2]}),
    )
)
def test_the_url_guard_survives_any_query(query: dict[str, str | list[str]]) -> None:
    """Any names and values (repeated ones too): no exception, one notice if anything is odd, a clean link."""
    at = AppTest.from_function(guarded_page, default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert errors(at) == [], f"exception for {query!r}"
    notices = [w.value for w in at.warning]
    assert len(notices) <= 1
    if any(key not in TINY_KEYS for key in query):
        assert len(notices) == 1, f"no notice for {query!r}"
    link = {str(k) for k in at.query_params}
    assert link <= set(TINY_KEYS), f"unknown names survived: {link}"


@pytest.mark.parametrize(
    "query",
    [
        {"tiny.a": "0.25", "tiny.b": "y", "tiny.c": "2", "tiny.d": "true"},
        {"tiny.a": "1"},
    ],
)
def test_a_valid_link_gets_no_notice(query: dict[str, str | list[str]]) -> None:
    """The quiet path: a link the widgets accept is kept and draws no notice."""
    at = AppTest.from_function(guarded_page, default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert errors(at) == [] and not at.warning
    assert set(at.query_params) == set(query)


# ---------------------------------------------------------------- Sweeps: hand-picked bad links

SWEEP_KEY = re.compile(r"sweep\.[\w.]+")


@pytest.mark.parametrize(
    "query",
    [
        {"sweep.n": "1e999", "sweep.steps": "-5", "sweep.xr": ["nan", "inf"], "sweep.land": "x" * 10_000},
        {"sweep.mode": "Compare two", "sweep.opt2": "<script>", "sweep.x": "momentum", "sweep.y": "momentum"},
        {"sweep.mode": "🙂", "sweep.opt": ["adam", "sgd"], "sweep.sx": "nan", "sweep.h.beta1": "2"},
        {"sweep.land": "Rosenbrock valley", "sweep.opt": "Adam", "sweep.lp.a": "-1e308", "sweep.cell": "1"},
    ],
)
def test_known_bad_sweeps_links(query: dict[str, str | list[str]]) -> None:
    """Bad values on the Sweeps page: no exception, one notice, a link left with only settings it accepts."""
    at = app_on("views/sweeps.py", query, timeout=300).run()
    assert errors(at) == [], f"exception for {query!r}"
    assert figures(at) or live_maps(at)
    assert len(at.warning) == 1, [w.value for w in at.warning]
    assert all(SWEEP_KEY.fullmatch(k) for k in at.query_params)
