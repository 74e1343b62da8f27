"""The surfaces' and optimizers' own texts in Korean (the ``models`` catalog), with links unchanged.

Expected Korean text is read from ``locales/ko/LC_MESSAGES/models.po`` by Babel here, in the
test, never through :mod:`core.i18n`, so a translator that silently returned English (or the
wrong entry) fails.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import landscapes
import optimizers
from core.i18n import PSEUDO, use_language
from engine.config import OptimizerRun
from engine.scenario import Scenario, from_query, to_query
from landscapes.custom import custom_landscape, formula_notice, undefined_share

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "locales" / "models.pot"
KO_PO = ROOT / "locales" / "ko" / "LC_MESSAGES" / "models.po"


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


KO = {m.id: m.string for m in _read(KO_PO, "ko") if m.id}
"""Korean catalog as Babel reads it: English message -> Korean text."""


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_extracted_message_has_a_korean_translation_with_the_same_placeholders():
    template = [m.id for m in _read(POT) if m.id]
    assert len(template) > 50  # the surfaces and optimizers really were extracted
    po = {m.id: m for m in _read(KO_PO, "ko") if m.id}
    for message in template:
        assert message in po, f"not in the Korean catalog: {message!r}"
        entry = po[message]
        assert entry.string and entry.string.strip(), f"empty translation: {message!r}"
        assert not entry.fuzzy, f"fuzzy translation: {message!r}"
        assert _fields(entry.string) == _fields(message), f"placeholders differ: {message!r}"


def test_descriptions_are_really_translated_and_keep_their_numbers():
    """A description's Korean text is Korean (Hangul) and keeps every number of the English text."""
    for land in landscapes.REGISTRY.values():
        korean = KO[land.description]
        assert re.search("[가-힣]", korean), land.key
        for number in re.findall(r"\d+(?:\.\d+)?", land.description):
            assert number in korean, (land.key, number)


@pytest.mark.parametrize("key", sorted(landscapes.REGISTRY))
def test_a_landscape_shows_its_catalog_text_in_korean_and_its_source_text_in_english(key):
    land = landscapes.get(key)
    with use_language("ko"):
        assert land.name_text() == KO[land.name]
        assert land.description_text() == KO[land.description]
        for param in land.params:
            assert param.help_text() == KO[param.help]
    with use_language("en"):
        assert land.name_text() == land.name
        assert land.description_text() == land.description
        assert [p.help_text() for p in land.params] == [p.help for p in land.params]


def test_named_korean_terms_are_used():
    """Spot checks of the glossary: the words the course uses."""
    with use_language("ko"):
        assert landscapes.get("rosenbrock").name_text() == "로젠브록 골짜기"
        assert landscapes.get("saddle").name_text() == "안장점"
        assert landscapes.get("cliff").name_text() == "절벽"
        assert optimizers.get("momentum").hyper("momentum").help_text() == "모멘텀 계수"
        assert optimizers.get("sgd").hyper("lr").help_text() == "스텝 크기"
        assert "조건수" in landscapes.get("bowl").params[0].help_text()


@pytest.mark.parametrize("key", sorted(optimizers.REGISTRY))
def test_an_optimizer_shows_its_catalog_text_in_korean(key):
    spec = optimizers.get(key)
    with use_language("ko"):
        assert spec.name_text() == KO[spec.name]
        assert spec.summary_text() == KO[spec.summary]
        if spec.velocity_label:
            assert spec.velocity_label_text() == KO[spec.velocity_label]
        for hyper in spec.hypers:
            assert hyper.help_text() == KO[hyper.help]
    with use_language("en"):
        assert (spec.name_text(), spec.short_name_text()) == (spec.name, spec.short_name)


def test_proper_names_stay_latin_and_descriptive_names_are_translated():
    with use_language("ko"):
        for key in ("sgd", "adam", "adamw", "rmsprop", "lion", "adabelief"):
            assert optimizers.get(key).name_text() == optimizers.get(key).name
        assert optimizers.get("momentum").name_text() == "모멘텀 (헤비 볼)"
        assert optimizers.get("nesterov").name_text() == "Nesterov 모멘텀"


def test_the_short_korean_name_drops_the_bracketed_note_of_the_korean_name():
    spec = optimizers.get("momentum")
    korean = KO[spec.name]
    assert korean.endswith(")")
    with use_language("ko"):
        assert spec.short_name_text() == korean[: korean.rindex(" (")]
        assert optimizers.get("adam").short_name_text() == "Adam"


def test_the_pseudo_locale_wraps_every_shown_text_of_a_surface_and_an_optimizer():
    land, spec = landscapes.get("bowl"), optimizers.get("adam")
    with use_language(PSEUDO):
        shown = [land.name_text(), land.description_text(), spec.name_text(), spec.summary_text()]
        shown += [p.help_text() for p in (*land.params, *spec.hypers)]
    for text in shown:
        assert text.startswith("⟪") and text.endswith("⟫"), text


def test_a_custom_surface_is_described_in_korean_with_its_formula_and_domain_unchanged():
    land = custom_landscape("x**2 + 10*y**2", ((-3.0, 3.0), (-2.0, 4.0)))
    template = next(m for m in KO if m.startswith("Your own surface"))
    with use_language("ko"):
        korean = land.description_text()
    assert korean == KO[template].format(formula="x**2 + 10*y**2", x0="-3", x1="3", y0="-2", y1="4")
    assert land.description == template.format(formula="x**2 + 10*y**2", x0="-3", x1="3", y0="-2", y1="4")
    with use_language("en"):
        assert land.description_text() == land.description


def test_the_undefined_area_notice_is_translated_with_its_share():
    land = custom_landscape("sqrt(x)", ((-1.0, 1.0), (-1.0, 1.0)))
    assert 0.4 < undefined_share(land) < 0.6
    notice = next(m for m in KO if m.startswith("This formula has no value"))
    with use_language("ko"):
        text = formula_notice(land)
    percent = f"{100 * undefined_share(land):.0f}%"
    assert text == KO[notice].format(share=percent)
    assert formula_notice(land) == notice.format(share=percent)


def _scenario(key: str) -> Scenario:
    """A scenario on ``key`` with a non-default surface parameter and a renamed second run."""
    base = Scenario.default(key)
    land = landscapes.get(key)
    params = dict(base.landscape_params)
    if land.params:
        p = land.params[0]
        params[p.name] = p.high
    runs = (OptimizerRun.build("momentum"), OptimizerRun.build("adam", {"lr": 0.02}, label="mine"))
    return Scenario(landscape=key, landscape_params=params, runs=runs, start=base.start, batch_size=base.batch_size)


@pytest.mark.parametrize("key", ["bowl", "rosenbrock", "minibatch"])
def test_links_are_the_same_in_every_language(key):
    scenario = _scenario(key)
    with use_language("en"):
        english = to_query(scenario)
    with use_language("ko"):
        korean = to_query(scenario)
        read_back, ignored = from_query(english)
    assert korean == english
    assert "o1.label" not in english  # the default label is the optimizer itself, not written out
    assert english["land"] == key and english["opt"] == "momentum,adam"
    assert ignored == [] and to_query(read_back) == english


def test_registry_keys_do_not_depend_on_the_language():
    with use_language("en"):
        english = (list(landscapes.REGISTRY), list(optimizers.REGISTRY))
    with use_language("ko"):
        assert (list(landscapes.REGISTRY), list(optimizers.REGISTRY)) == english
        assert all(land.name_text() != land.key for land in landscapes.REGISTRY.values())


def test_a_sweeps_link_naming_a_surface_in_english_still_reads_on_a_korean_page():
    from ui.lessons.sweeps import landscape_name, optimizer_name, spelled_as_stored

    with use_language("ko"):
        assert spelled_as_stored("land", "Rosenbrock valley") == "rosenbrock"
        assert spelled_as_stored("opt", "Momentum (heavy ball)") == "momentum"
        assert landscape_name("rosenbrock") == KO["Rosenbrock valley"]
        assert optimizer_name("momentum") == KO["Momentum (heavy ball)"]
