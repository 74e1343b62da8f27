"""The page scenario codec: one field table gives validation, the link, and the cache key."""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError, dataclass

import pytest

from core.page_scenario import PageScenario, setting


@dataclass(frozen=True)
class Demo(PageScenario, page="demo"):
    lr: float = setting(0.01, "lr", options=(0.001, 0.01, 0.1, 1.0))
    kappa: float = setting(10.0, "kappa", low=1.0, high=100.0, step=0.5)
    steps: int = setting(100, "steps", low=10, high=1000, step=10)
    surface: str = setting("bowl", "surface", options=("bowl", "saddle"))
    noisy: bool = setting(False, "noisy")


def test_the_default_has_an_empty_link():
    assert Demo().to_query() == {} and Demo().canonical() == ""


def test_a_link_round_trips_exactly():
    scenario = Demo(lr=0.1, kappa=2.5, steps=30, surface="saddle", noisy=True)
    query = scenario.to_query()
    assert query == {
        "demo.lr": "0.1",
        "demo.kappa": "2.5",
        "demo.steps": "30",
        "demo.surface": "saddle",
        "demo.noisy": "true",
    }
    assert Demo.from_query(query) == (scenario, [])
    assert Demo.from_canonical(scenario.canonical()) == scenario


def test_only_changed_settings_are_written():
    assert Demo(steps=30).to_query() == {"demo.steps": "30"}


def test_unknown_keys_and_bad_values_are_reported_and_left_at_defaults():
    scenario, ignored = Demo.from_query(
        {
            "demo.lr": "banana",
            "demo.kappa": "inf",
            "demo.steps": "12.5",
            "demo.surface": "<b>",
            "demo.noisy": "maybe",
            "other": "1",
            "": "2",
        }
    )
    assert scenario == Demo()
    assert ignored == [
        "demo.lr=banana (not a number)",
        "demo.kappa=inf (not a number)",
        "demo.steps=12.5 (not a whole number)",
        "demo.surface=<b> (not one of bowl, saddle)",
        "demo.noisy=maybe (not true or false)",
        "other=1 (unknown setting)",
        "(no name)=2 (unknown setting)",
    ]


def test_out_of_range_values_are_refused():
    scenario, ignored = Demo.from_query({"demo.kappa": "1000", "demo.lr": "5"})
    assert scenario == Demo()
    assert ignored == ["demo.kappa=1000 (outside 1 to 100)", "demo.lr=5 (outside 0.001 to 1)"]


def test_a_value_between_slider_positions_moves_to_the_nearest_and_says_so():
    scenario, ignored = Demo.from_query({"demo.lr": "0.02", "demo.kappa": "2.6"})
    assert scenario.lr == 0.01  # log distance: 0.02 is nearer 0.01 than 0.1
    assert scenario.kappa == 2.5
    assert ignored == [
        "demo.lr=0.02 (not a position of the slider; using 0.01)",
        "demo.kappa=2.6 (not a step of the slider; using 2.5)",
    ]


def test_echoed_text_is_cut_short():
    _, ignored = Demo.from_query({"x" * 5000: "y" * 5000})
    assert len(ignored) == 1 and len(ignored[0]) < 100


def test_repeated_keys_use_the_last_value():
    assert Demo.from_query({"demo.steps": ["20", "40"]}) == (Demo(steps=40), [])


def test_boolean_words():
    for text, value in [("true", True), ("1", True), ("False", False), ("0", False)]:
        assert Demo.from_query({"demo.noisy": text})[0].noisy is value


def test_scenarios_are_frozen_and_typed():
    scenario = Demo.from_query({"demo.steps": "20", "demo.kappa": "3"})[0]
    assert type(scenario.steps) is int and type(scenario.kappa) is float and not math.isnan(scenario.kappa)
    with pytest.raises(FrozenInstanceError):
        scenario.steps = 5  # type: ignore[misc]


def test_from_canonical_refuses_text_it_did_not_write():
    with pytest.raises(ValueError):
        Demo.from_canonical("demo.lr=7")


def test_a_setting_must_hold_its_default():
    with pytest.raises(ValueError):
        setting(5.0, "x", options=(1.0, 2.0))
    with pytest.raises(ValueError):
        setting(5.0, "x", low=0.0, high=1.0)


@dataclass(frozen=True)
class Several(PageScenario, page="sev"):
    lrs: tuple[float, ...] = setting((0.01, 0.1), "lrs", options=(0.001, 0.01, 0.1, 1.0), most=3)


def test_a_tuple_setting_repeats_its_key_in_the_link():
    """A multiselect's link repeats the key once per value (as a URL-bound Streamlit multiselect wrote it)."""
    assert Several.fields()[0].kind is tuple and Several().to_query() == {}
    scenario = Several(lrs=(1.0, 0.001))
    assert scenario.to_query() == {"sev.lrs": ["1", "0.001"]}
    assert scenario.canonical() == "sev.lrs=1&sev.lrs=0.001"
    assert Several.from_canonical(scenario.canonical()) == scenario
    assert Several.from_query({"sev.lrs": ["1", "0.001"]}) == (scenario, [])
    assert Several(lrs=()).to_query() == {"sev.lrs": ""}
    assert Several.from_query({"sev.lrs": [""]}) == (Several(lrs=()), [])
    assert Several.from_canonical(Several(lrs=()).canonical()) == Several(lrs=())


def test_a_tuple_setting_keeps_its_good_values_and_reports_the_rest():
    scenario, ignored = Several.from_query({"sev.lrs": ["0.1", "x", "0.1", "5", "0.001", "1", "0.01"]})
    assert scenario.lrs == (0.1, 0.001, 1.0)
    assert len(ignored) == 1
    assert "x: not a number" in ignored[0] and "5: outside" in ignored[0] and "more than 3" in ignored[0]
    assert Several.from_query({"sev.lrs": "junk"})[0] == Several()
    with pytest.raises(ValueError):
        setting((5.0,), "x", options=(1.0, 2.0))
    with pytest.raises(ValueError):
        setting((1.0, 2.0), "x", options=(1.0, 2.0), most=1)


@dataclass(frozen=True)
class Labelled(PageScenario, page="lab"):
    kind: str = setting(
        "dropout",
        "kind",
        options=("dropout", "gaussian"),
        format={"dropout": "Dropout", "gaussian": "Gaussian"}.get,
        link_label=True,
    )


def test_a_choice_can_keep_its_label_in_the_link():
    """A URL-bound Streamlit radio wrote its shown label: such a setting reads and writes that spelling."""
    assert Labelled(kind="gaussian").to_query() == {"lab.kind": "Gaussian"}
    assert Labelled.from_query({"lab.kind": "Gaussian"}) == (Labelled(kind="gaussian"), [])
    assert Labelled.from_query({"lab.kind": "gaussian"}) == (
        Labelled(),
        ["lab.kind=gaussian (not one of Dropout, Gaussian)"],
    )
    with pytest.raises(ValueError):
        setting(1.0, "x", options=(1.0, 2.0), link_label=True)
