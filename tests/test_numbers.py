"""Numbers as text (core/numbers.py): what readers see, and the exact strings share links hold."""

from __future__ import annotations

from dataclasses import replace

from core.numbers import exact_text, latex_number, number_text
from core.param import Param
from engine.config import OptimizerRun
from engine.scenario import Scenario, from_query, to_query
from ui.param_widgets import log_grid, slider_label


def test_number_text_reads_as_written() -> None:
    cases = {
        (0.0, 4): "0",
        (2.5, 4): "2.5",
        (12345.6, 4): "12346",
        (0.0015, 4): "0.0015",
        (2.5e-7, 4): "2.5e-7",
        (1e6, 4): "1e+6",
        (-50.0, 4): "-50",
        (0.123456, 3): "0.123",
        (float("nan"), 4): "NaN",
        (float("inf"), 4): "∞",
        (float("-inf"), 4): "−∞",
    }
    assert {args: number_text(*args) for args in cases} == cases


def test_latex_number_is_number_text_with_a_latex_exponent() -> None:
    assert latex_number(0.05) == "0.05"
    assert latex_number(0.99999) == "0.99999", "six digits: beta2 must not print as 1"
    assert latex_number(1e-8) == r"1\times 10^{-8}"
    assert latex_number(1.5e-5) == r"1.5\times 10^{-5}"
    assert latex_number(3e6) == r"3\times 10^{6}"
    assert latex_number(float("inf")) == r"\infty"


def test_exact_text_reads_back_exactly() -> None:
    assert [exact_text(v) for v in (3.0, 0.05, 2e-05, 0.1 + 0.2, -1.0, 1e16)] == [
        "3",
        "0.05",
        "2e-05",
        "0.30000000000000004",
        "-1",
        "1e+16",
    ]
    for value in (0.1 + 0.2, 1 / 3, 2.5e-300, 123456789.125):
        assert float(exact_text(value)) == value


def test_share_links_keep_their_canonical_strings() -> None:
    """The Playground's query strings, literally: a change here would break every saved link's cache key."""
    scenario = replace(
        Scenario.default("bowl"),
        landscape_params={"kappa": 100.0, "angle": 30.0},
        runs=(
            OptimizerRun.build("adam", {"lr": 0.0005, "beta2": 0.99999}),
            OptimizerRun.build("momentum", {"lr": 2e-05, "momentum": 0.95}),
        ),
        start=(1.5, -2.0),
        steps=1200,
    )
    query = {
        "land": "bowl",
        "land.kappa": "100",
        "opt": "adam,momentum",
        "o1.lr": "0.0005",
        "o1.beta2": "0.99999",
        "o2.lr": "2e-05",
        "o2.momentum": "0.95",
        "start": "1.5,-2",
        "steps": "1200",
    }
    assert to_query(scenario) == query
    assert from_query(query) == (scenario, [])
    custom = replace(Scenario.default("custom"), domain=((-2.5, 2.5), (-1.0, 3.0)), start=(0.1, 1.0))
    assert to_query(custom) == {
        "land": "custom",
        "f": "x**2 + 10*y**2",
        "dom": "-2.5,2.5,-1,3",
        "opt": "sgd,momentum,rmsprop,adam",
        "start": "0.1,1",
    }


def test_url_bound_slider_options_keep_their_strings() -> None:
    """Sweeps and lesson links hold a select slider's option text: the strings ``f"{v:g}"`` always gave."""
    assert [exact_text(v) for v in log_grid(1e-5, 10.0) if v in (1e-5, 2e-5, 1e-4, 5e-4, 0.05, 1.2, 10.0)] == [
        "1e-05",
        "2e-05",
        "0.0001",
        "0.0005",
        "0.05",
        "1.2",
        "10",
    ]


def test_slider_labels_are_number_text() -> None:
    lr = Param("lr", "", 0.01, 1e-5, 10.0, log=True)
    momentum = Param("momentum", "", 0.9, 0.0, 0.999)
    steps = Param("steps", "", 100, 10, 1000, integer=True)
    assert [slider_label(lr, v) for v in (0.05, 0.0005, 2e-5, 10.0)] == ["0.05", "5e-4", "2e-5", "10"]
    assert [slider_label(momentum, v) for v in (0.9, 0.999, 0.0)] == ["0.9", "0.999", "0"]
    assert slider_label(steps, 250.0) == "250"
