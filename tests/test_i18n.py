"""The interface in English and Korean: catalogs complete and current, one domain per file, no stray English.

- every message of every template (``locales/<domain>.pot``) has a Korean translation with the
  same ``{placeholders}``, and the templates hold exactly what the code marks now;
- each file translates only with its own domain's translator (``core.catalogs``);
- every page rendered in the pseudo-locale shows no English outside ``⟪ ⟫`` (pages of a domain
  that is not translated yet are expected failures, listed with the helper doing them);
- ``lang`` in a link picks the language, is kept in the links the app writes, and is never
  reported as an unknown setting; a bad value gives a notice and English.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.catalogs import DOMAINS, ROOT, domain_files, domain_of
from core.i18n import PSEUDO, translator, use_language
from scripts.i18n import extract, msgids, problems, read_catalog, template_path
from tests.apptest_helpers import run_app
from tests.i18n_helpers import page_strays, stray_english

PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "views").glob("*.py"))


def _ko(domain: str, message: str) -> str:
    with use_language("ko"):
        return translator(domain)(message)


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_has_a_korean_translation_with_the_same_placeholders(domain: str) -> None:
    assert problems(domain) == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalog_templates_match_the_code(domain: str) -> None:
    """Extracting now gives the committed template's messages (run ``scripts/i18n.py extract`` if not)."""
    now = msgids(extract(domain))
    path = template_path(domain)
    committed = msgids(read_catalog(path)) if path.is_file() else set()
    assert now - committed == set(), "messages in the code but not in the template"
    assert committed - now == set(), "messages in the template but no longer in the code"


def test_app_catalog_is_not_empty() -> None:
    """The app shell is translated (a check that passes on an empty catalog would prove nothing)."""
    assert len(msgids(read_catalog(template_path("app")))) > 100
    assert _ko("app", "Playground") == "플레이그라운드"


def _translator_domains(path: Path) -> list[str]:
    """The literal domains ``path`` passes to ``translator(...)``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "translator" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append(arg.value)
    return found


def test_each_file_translates_with_its_own_domain() -> None:
    files = {p for domain in DOMAINS for p in domain_files(domain)}
    wrong = [
        f"{p.relative_to(ROOT)}: translator({used!r}) but the file belongs to {domain_of(p)!r}"
        for p in sorted(files)
        for used in _translator_domains(p)
        if used != domain_of(p)
    ]
    assert wrong == []


def test_no_translation_call_hides_inside_an_f_string() -> None:
    """Babel's extractor does not look inside f-strings: a message there would never reach the catalog."""
    hidden = []
    for path in sorted({p for domain in DOMAINS for p in domain_files(domain)}):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr):
                hidden += [
                    f"{path.relative_to(ROOT)}:{call.lineno}"
                    for call in ast.walk(node)
                    if isinstance(call, ast.Call) and getattr(call.func, "id", None) in ("_", "N_")
                ]
    assert hidden == []


def test_stray_english_finds_english_and_allows_what_may_stay() -> None:
    assert (
        stray_english(["⟪Learning rate⟫", "⟪⟪Loss⟫ of {x}⟫", "$\\eta = 0.1$", "Adam", "0.5 ms", "https://a.b/c"]) == []
    )
    assert stray_english(["Learning rate", "⟪Loss⟫ at step"]) == ["Learning rate", "⟪Loss⟫ at step"]


@pytest.mark.parametrize(
    "page",
    PAGES,
)
def test_page_shows_no_english_in_the_pseudo_locale(page: str) -> None:
    assert page_strays(page) == []


VARIANTS = [
    ("views/sweeps.py", {"sweep.mode": "Start points"}),
    ("views/sweeps.py", {"sweep.mode": "Compare two", "sweep.metric": "Steps to arrive"}),
    ("views/sweeps.py", {"sweep.n": "128", "sweep.steps": "5000", "sweep.junk": "1"}),
    ("views/playground.py", {"land": "custom", "o9.lr": "1", "z9": "3", "start": "x"}),  # notices echo the keys
    ("views/playground.py", {"land": "minibatch_regression", "opt": "sgd,adam", "o1.clip_norm": "1"}),
]
"""More of the app shell's text: the other Sweeps maps, a reduced budget, link notices, a data surface."""


@pytest.mark.parametrize(("page", "query"), VARIANTS)
def test_page_variant_shows_no_english_in_the_pseudo_locale(page: str, query: dict[str, str]) -> None:
    assert page_strays(page, query) == []


def test_korean_link_shows_korean_and_keeps_the_language() -> None:
    at = run_app({"lang": "ko", "land": "rosenbrock"})
    assert not at.exception
    assert at.query_params["lang"] == ["ko"] or at.query_params["lang"] == "ko"
    assert at.sidebar.selectbox[0].label == _ko("app", "Landscape") != "Landscape"
    warnings = [w.value for w in at.warning]
    assert warnings == [], "lang must not be reported as an unknown setting"


def test_bad_language_in_a_link_gives_a_notice_and_english() -> None:
    at = run_app({"lang": "klingon"})
    assert not at.exception
    assert any("klingon" in c.value for c in at.sidebar.caption)
    assert at.sidebar.selectbox[0].label == "Landscape"
    assert "lang" not in at.query_params
    assert [w.value for w in at.warning] == []


def test_page_scenarios_do_not_report_lang_as_unknown() -> None:
    from engine.scenario import from_query
    from ui.lessons.sweeps import SweepsChoices, SweepsScenario

    assert from_query({"lang": "ko"})[1] == []
    assert SweepsChoices.from_query({"lang": "ko"})[1] == []
    assert SweepsScenario.from_query({"lang": "ko"})[1] == []
    assert SweepsChoices.from_query({"langx": "ko"})[1] != []


def test_language_in_a_link_is_read_in_any_case() -> None:
    at = run_app({"lang": " KO"})
    assert not at.exception
    assert at.sidebar.selectbox[0].label == _ko("app", "Landscape")
    assert not any(" KO" in c.value for c in at.sidebar.caption)


def test_pseudo_locale_is_refused_from_a_link_without_the_test_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared ``?lang=xx`` must not turn a class's pages into marks: outside the tests it is a bad value."""
    monkeypatch.delenv("DESCENT_LAB_PSEUDO_LOCALE", raising=False)
    at = run_app({"lang": PSEUDO})
    assert not at.exception
    assert at.sidebar.selectbox[0].label == "Landscape"
    assert any(PSEUDO in c.value for c in at.sidebar.caption)


def test_playground_drawn_in_english_then_korean_is_not_served_from_the_english_cache() -> None:
    """The Playground's cached surface layer and charts are built per language: English first, then Korean."""
    from tests.i18n_helpers import render, visible_texts

    english = visible_texts(render("views/playground.py", lang="en"))
    korean = visible_texts(render("views/playground.py", lang="ko"))
    for message in ("step", "start", "loss"):
        assert message in english, message
        assert _ko("app", message) in korean and message not in korean, message


def test_pseudo_locale_link_is_kept_by_the_picker() -> None:
    at = run_app({"lang": PSEUDO})
    assert not at.exception
    assert at.sidebar.selectbox[0].label == "⟪Landscape⟫"


def test_cached_figures_follow_the_language() -> None:
    """The Sweeps map (a cached builder's figure) drawn in English first is drawn again in Korean, not reused."""
    from tests.apptest_helpers import figures
    from tests.i18n_helpers import render

    title = "final loss − best (log10)"
    english = render("views/sweeps.py", lang="en")
    korean = render("views/sweeps.py", lang="ko")
    assert not english.exception and not korean.exception
    assert figures(english)[0]["data"][0]["colorbar"]["title"]["text"] == title
    assert figures(korean)[0]["data"][0]["colorbar"]["title"]["text"] == _ko("app", title) != title
