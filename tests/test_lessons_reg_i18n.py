"""The regularization lessons in other languages: the states their default view does not reach.

``tests/test_i18n.py`` renders each page once, at its defaults, in the pseudo-locale. These
variants reach the texts only other settings show (an L1 weight at zero or not, a run that never
stops, Gaussian noise, a capped bowl link, a diverged run) and check they carry no English either.
"""

from __future__ import annotations

import pytest

from core.i18n import translator, use_language
from tests.i18n_helpers import page_strays, render

VARIANTS = [
    ("views/lesson_l1_l2.py", {"reg.alpha": "10"}),  # an L1 weight exactly 0, and where it first became 0
    ("views/lesson_l1_l2.py", {"reg.alpha": "0.001"}),  # no L1 weight at 0 yet
    ("views/lesson_early_stopping.py", {"early.patience": "400", "early.restore": "true", "early.batch": "4"}),
    ("views/lesson_dropout_noise.py", {"noise2.kind": "Gaussian", "noise2.sigma": "0.8"}),
    ("views/lesson_input_scaling.py", {"scale.s": "30", "scale.rho": "0.9"}),  # the bowl link's κ is capped
    ("views/lesson_weight_decay.py", {"wd.sgd_lr": "3"}),  # a diverged run's cross, named in the shared chart
    ("views/lesson_input_scaling.py", {"scale.r": "2.1"}),
]


@pytest.mark.parametrize(("page", "query"), VARIANTS)
def test_lesson_variant_shows_no_english_in_the_pseudo_locale(page: str, query: dict[str, str]) -> None:
    assert page_strays(page, query) == []


def test_lesson_in_korean_shows_the_korean_catalog() -> None:
    """``?lang=ko`` shows the catalog's Korean: the title, a setting's label, a chart's axis title."""
    _ = translator("lessons_reg")
    at = render("views/lesson_early_stopping.py", lang="ko")
    assert not at.exception
    with use_language("ko"):
        title, patience = _("Overfitting and early stopping"), _("Patience P (steps without improvement)")
    assert title != "Overfitting and early stopping"
    assert [t.value for t in at.title] == [title]
    assert patience in [s.label for s in at.slider]
