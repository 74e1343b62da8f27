"""The "Real network" pages: what their default views show, their links, and bad links."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from charts.encoding import decode
from network.data import digits
from tests.apptest_helpers import figures, notice
from ui.network.initialization import InitScenario
from ui.network.training import TrainingScenario

VIEWS = Path(__file__).resolve().parent.parent / "views"


def _run(page: str, query: dict[str, str | list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(str(VIEWS / page), default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _traces(figure: dict) -> dict[str, dict]:
    return {t["name"]: t for t in figure["data"]}


def _no_nan(figure: dict) -> None:
    for trace in figure["data"]:
        for axis in ("x", "y", "z"):
            if axis in trace:
                assert np.all(np.isfinite(decode(trace[axis]))), f"{trace.get('name')} {axis} holds NaN"


# ---------------------------------------------------------------- training page


@pytest.fixture(scope="module")
def training() -> AppTest:
    return _run("network_training.py")


def test_training_default_view_trains_both_optimizers_to_high_accuracy(training: AppTest) -> None:
    at = training
    assert not at.exception and not at.warning
    loss, accuracy = figures(at)
    for figure in (loss, accuracy):
        _no_nan(figure)
    per_epoch = digits().n_train // 64
    for name in ("SGD (lr 0.3)", "Adam (lr 0.01)"):
        train_loss = decode(_traces(loss)[f"{name}: training"]["y"])
        steps = decode(_traces(loss)[f"{name}: training"]["x"])
        test_acc = decode(_traces(accuracy)[f"{name}: test"]["y"])
        assert steps[0] == 0 and steps[-1] == 10 * per_epoch
        assert train_loss[-1] < 0.3 * train_loss[0], name
        assert 93.0 <= test_acc[-1] <= 100.0, name
        assert test_acc[0] < 30.0, name
    assert [m.label for m in at.metric] == ["SGD (lr 0.3)", "Adam (lr 0.01)"]


def test_training_links_to_the_bowl_with_the_same_optimizers(training: AppTest) -> None:
    (button,) = training.get("link_button")
    query = parse_qs(urlparse(button.proto.url).query)
    assert query["land"] == ["bowl"] and query["opt"] == ["sgd,adam"]


def test_training_link_round_trip() -> None:
    query = {"nettrain.opts": ["momentum"], "nettrain.batch": "128", "nettrain.epochs": "3", "nettrain.width": "16"}
    at = _run("network_training.py", query)
    assert not at.exception and not at.warning
    assert at.multiselect(key="nettrain.opts").value == ["momentum"]
    loss, _ = figures(at)
    steps = decode(_traces(loss)["Momentum (heavy ball) (lr 0.1): training"]["x"])
    assert steps[-1] == 3 * (digits().n_train // 128)
    scenario, ignored = TrainingScenario.from_query(query)
    assert ignored == [] and scenario.width == 16 and scenario.batch == 128


def test_training_bad_link_gives_one_notice_and_defaults() -> None:
    at = _run("network_training.py", {"nettrain.width": "1000", "nettrain.opts": ["newton"], "nettrain.epochs": "x"})
    assert not at.exception and len(at.warning) == 1
    text = notice(at)
    assert "nettrain.width" in text and "nettrain.opts" in text and "nettrain.epochs" in text
    assert at.select_slider(key="nettrain.width").value == 32
    assert at.slider(key="nettrain.epochs").value == 10


def test_training_diverging_run_is_reported_without_nan() -> None:
    """SGD at lr 3 with coupled L2 decay λ = 1: each step multiplies the weights by about 1 - 3 = -2, so it diverges."""
    query = {
        "nettrain.opts": ["sgd", "adam"],
        "nettrain.lr_scale": "10",
        "nettrain.weight_decay": "1",
        "nettrain.wd_mode": "l2",
    }
    at = _run("network_training.py", query)
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and warnings[0].startswith("Diverged at step"), warnings
    for figure in figures(at):
        _no_nan(figure)


# ---------------------------------------------------------------- initialization page


@pytest.fixture(scope="module")
def init_page() -> AppTest:
    return _run("network_initialization.py")


def test_init_default_view_symmetric_units_stay_equal(init_page: AppTest) -> None:
    at = init_page
    assert not at.exception and not at.warning
    assert len(at.success) == 1 and "exactly 0" in at.success[0].value
    spread, sym_accuracy, w_sym, w_xavier, loss, accuracy, gradients = figures(at)
    for figure in (spread, sym_accuracy, w_sym, w_xavier, loss, accuracy, gradients):
        _no_nan(figure)
    lines = _traces(spread)
    assert np.all(decode(lines["symmetric start"]["y"]) == 0.0)
    assert np.all(decode(lines["Xavier start"]["y"]) > 0.1)
    rows = decode(w_sym["data"][0]["z"])
    assert rows.shape == (16, 64) and np.all(rows == rows[0])
    assert not np.all(decode(w_xavier["data"][0]["z"]) == decode(w_xavier["data"][0]["z"])[0])
    acc = _traces(sym_accuracy)
    # one effective hidden unit cannot tell ten digits apart; sixteen different ones can
    assert decode(acc["symmetric start: test"]["y"])[-1] < 60.0
    assert decode(acc["Xavier start: test"]["y"])[-1] > 90.0


def test_init_default_view_scales(init_page: AppTest) -> None:
    figs = figures(init_page)
    loss, accuracy, gradients = figs[4], figs[5], figs[6]
    acc = _traces(accuracy)
    final = {
        name: decode(acc[f"{name}: test"]["y"])[-1]
        for name in ("Xavier ×0.01 (too small)", "Xavier", "Xavier ×10 (too large)")
    }
    assert final["Xavier"] > 90.0
    assert final["Xavier"] > final["Xavier ×0.01 (too small)"] and final["Xavier"] > final["Xavier ×10 (too large)"]
    grads = _traces(gradients)
    first = {name: decode(grads[f"{name}: layer 1"]["y"])[0] for name in ("Xavier ×0.01 (too small)", "Xavier")}
    # too small: layer 1's gradient is scaled by the tiny layer-2 weights
    assert first["Xavier ×0.01 (too small)"] < 0.05 * first["Xavier"]
    loss_lines = _traces(loss)
    assert (
        decode(loss_lines["Xavier ×10 (too large): training"]["y"])[0] > decode(loss_lines["Xavier: training"]["y"])[0]
    )


def test_init_links_to_the_saddle_and_its_lesson(init_page: AppTest) -> None:
    playground, lesson = init_page.get("link_button")
    query = parse_qs(urlparse(playground.proto.url).query)
    assert query["land"] == ["saddle"] and query["start"] == ["-1.5,0"], "exactly on the ridge line y = 0"
    assert lesson.proto.url.endswith("saddles-and-minima")


def test_init_links_keep_the_korean_language() -> None:
    from core import i18n

    i18n.set_language_source(lambda: "ko")
    try:
        at = _run("network_initialization.py")
    finally:
        i18n.set_language_source(lambda: i18n.DEFAULT)
    assert not at.exception
    playground, lesson = at.get("link_button")
    assert parse_qs(urlparse(playground.proto.url).query)["lang"] == ["ko"]
    assert lesson.proto.url == "./saddles-and-minima?lang=ko"


def test_init_bad_link_gives_one_notice_and_defaults() -> None:
    at = _run("network_initialization.py", {"netinit.large": "1e9", "netinit.opt": "newton"})
    assert not at.exception and len(at.warning) == 1
    assert "netinit.large" in notice(at) and "netinit.opt" in notice(at)
    scenario, ignored = InitScenario.from_query({"netinit.large": "1e9", "netinit.opt": "newton"})
    assert scenario == InitScenario() and len(ignored) == 2


def test_log_ticks_stay_few_when_a_diverging_loss_spans_many_decades() -> None:
    from charts.network.training import log_ticks

    ticks = log_ticks([np.array([0.05, 2.3, 1e30])])["tickvals"]
    assert 3 <= len(ticks) <= 12
    decades = np.log10(ticks)
    np.testing.assert_allclose(decades, np.round(decades), atol=1e-9)
    assert ticks[0] < 1 and ticks[-1] >= 1e29
    assert len(log_ticks([np.array([0.05, 2.3])])["tickvals"]) > 5, "a normal range keeps its 1-2-5 ticks"
