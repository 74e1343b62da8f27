"""The six 'why optimization is hard' lessons in Korean (the ``lessons_hard`` catalog), English unchanged.

Expected Korean text is read from ``locales/ko/LC_MESSAGES/lessons_hard.po`` by Babel here, in
the test, never through :mod:`core.i18n`, so a translator that silently returned English (or the
wrong entry) fails. The page-wide check (no stray English in the pseudo-locale) is in
``tests/test_i18n.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core.i18n import use_language
from engine.lessons import basins, cliffs, conditioning, schedules
from ui.lessons.cliffs import CliffScenario
from ui.lessons.conditioning import ConditioningScenario
from ui.lessons.implicit import ImplicitScenario
from ui.lessons.minibatch_noise import NoiseScenario
from ui.lessons.saddles import SaddleScenario
from ui.lessons.schedules import ScheduleScenario

KO_PO = Path(__file__).resolve().parent.parent / "locales" / "ko" / "LC_MESSAGES" / "lessons_hard.po"
with KO_PO.open("rb") as _f:
    KO = {m.id: m.string for m in read_po(_f, locale="ko") if m.id}
"""Korean catalog as Babel reads it: English message -> Korean text."""

SCENARIOS = (ConditioningScenario, SaddleScenario, CliffScenario, NoiseScenario, ImplicitScenario, ScheduleScenario)


@pytest.mark.parametrize("cls", SCENARIOS, ids=lambda c: c.__name__)
def test_every_setting_label_and_help_has_a_korean_translation(cls: type) -> None:
    """The labels and help the page form draws (marked with N_ where declared) are all in the catalog."""
    texts = [t for f in cls.fields() for t in (f.setting.label, f.setting.help) if t]
    assert texts
    missing = [t for t in texts if not KO.get(t)]
    assert missing == []


def test_stability_sentence_in_korean_keeps_the_numbers_and_english_is_unchanged() -> None:
    english = (
        "Your η = 2.5 is above the limit 2/λ_max = 2 (1.25 × the limit): the steep "
        "component grows by |1 − ηλ_max| > 1 every step, so GD diverges."
    )
    assert conditioning.stability_sentence(2.5, 2.0) == english
    template = "Your η = {lr} is above the limit 2/λ_max = {limit} ({ratio} × the limit): the steep " + (
        "component grows by |1 − ηλ_max| > 1 every step, so GD diverges."
    )
    with use_language("ko"):
        korean = conditioning.stability_sentence(2.5, 2.0)
    assert korean == KO[template].format(lr="2.5", limit="2", ratio="1.25")
    assert "GD" in korean and "발산" in korean


def test_basin_classes_are_named_in_korean_and_in_english() -> None:
    with use_language("ko"):
        assert basins.class_label(basins.NO_MINIMUM, None) == KO["no minimum reached"]
        assert basins.class_label(basins.DIVERGED, None) == KO["diverged"]
    assert basins.class_label(basins.NO_MINIMUM, None) == "no minimum reached"


def test_cliff_run_labels_in_korean_keep_the_threshold() -> None:
    with use_language("ko"):
        raw, clipped = cliffs.cliff_runs(0.1, 2.0, momentum=False)
    assert raw.label == KO["SGD, no clipping"]
    assert clipped.label == KO["SGD, clipped at c = {clip}"].format(clip="2")
    assert [r.label for r in cliffs.cliff_runs(0.1, 2.0, momentum=False)] == [
        "SGD, no clipping",
        "SGD, clipped at c = 2",
    ]


def test_schedule_runs_are_named_in_korean() -> None:
    with use_language("ko"):
        runs = schedules.schedule_runs("momentum", 0.02, {})
    names = {key: KO[label] for key, label in schedules.SCHEDULE_LABELS.items()}
    assert len(set(names.values())) == len(names)  # five distinct Korean names
    assert sorted(r.label for r in runs) == sorted(names.values())
