"""The network geometry pages: default views (what they show, no NaN), the computed verdict, bad links."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from charts.encoding import decode
from engine.network import batch_study as bs
from engine.network import sharpness as sh
from tests.apptest_helpers import notice

VIEWS = Path(__file__).resolve().parent.parent / "views"


def run(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(VIEWS / page), default_timeout=300)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def numbers(trace: dict, field: str) -> np.ndarray:
    return np.asarray(decode(trace[field]), np.float64) if field in trace else np.zeros(0)


def assert_no_nan(figs: list[dict]) -> None:
    for fig in figs:
        for trace in fig["data"]:
            for field in ("x", "y", "z"):
                values = numbers(trace, field)
                assert np.all(np.isfinite(values)), f"{trace.get('type')} {trace.get('name')} {field} has NaN"


def test_landscape_default_view():
    at = run("network_landscape.py")
    assert not at.exception and not at.warning
    figs = figures(at)
    assert [f["data"][0]["type"] for f in figs] == ["contour", "surface", "contour"]
    assert_no_nan(figs)
    random_contour = figs[0]["data"][0]
    assert numbers(random_contour, "x").size == 41 and numbers(random_contour, "y").size == 41
    # The PCA plane's axis titles print the explained shares, and the path is drawn on it.
    pca = figs[2]
    assert "%" in pca["layout"]["xaxis"]["title"]["text"] and "%" in pca["layout"]["yaxis"]["title"]["text"]
    path = next(t for t in pca["data"] if t.get("mode") == "lines")
    assert numbers(path, "x").size > 10
    # The caption reports training that worked.
    assert any("test accuracy" in c.value for c in at.caption)


def test_landscape_compares_endpoints_on_one_plane():
    at = run("network_landscape.py", {"netland.compare": ["sgd", "adam"], "netland.epochs": "5"})
    assert not at.exception and not at.warning
    figs = figures(at)
    assert len(figs) == 4
    assert_no_nan(figs)
    stars = [t for t in figs[3]["data"] if t.get("mode") == "markers"]
    assert len(stars) == 2
    # The first endpoint is the plane's origin, the second lies on its first axis.
    assert numbers(stars[0], "x")[0] == pytest.approx(0.0, abs=1e-6)
    assert numbers(stars[1], "x")[0] > 0 and numbers(stars[1], "y")[0] == pytest.approx(0.0, abs=1e-4)


def test_sharpness_default_view():
    at = run("network_sharpness.py")
    assert not at.exception and not at.warning
    figs = figures(at)
    assert_no_nan(figs)
    lines = {t["name"]: t for t in figs[0]["data"]}
    assert {"GD, η = 1", "GD, η = 0.25", "SGD (B = 64), η = 1", "2/η = 2", "2/η = 8"} <= set(lines)
    assert numbers(lines["2/η = 2"], "y").tolist() == [2.0, 2.0]
    gd = numbers(lines["GD, η = 1"], "y")
    assert gd.max() >= 2.0 and gd[0] < 1.0
    texts = " ".join(m.value for m in at.markdown)
    assert "GD, η = 1: the sharpness reached 2/η = 2" in texts
    assert "GD, η = 0.25: the sharpness peaked" in texts and "never reached" in texts


def test_batch_page_verdict_matches_its_numbers():
    at = run("network_batch_flatness.py")
    assert not at.exception
    assert_no_nan(figures(at))
    # The same cells the page drew (shared cache in this process), judged here from their raw numbers.
    cells = {b: bs.run_cell(b, bs.DEFAULT_LRS[0], bs.DEFAULT_SEEDS, bs.DEFAULT_STEPS) for b in bs.DEFAULT_BATCHES}
    small, large = cells[min(cells)], cells[max(cells)]
    outcomes = []
    for measure in ("sharpness", "flatness"):
        a, b = getattr(small, measure), getattr(large, measure)
        gap, spread = b.mean() - a.mean(), a.std(ddof=1) + b.std(ddof=1)
        outcomes.append("supports" if gap > spread else "contradicts" if -gap > spread else "unclear")
    if "contradicts" in outcomes:
        expected, box = "contradict the claim", at.error
    elif set(outcomes) == {"supports"}:
        expected, box = "support the claim", at.success
    else:
        expected, box = "do not settle the claim", [i for i in at.info if "settle" in i.value]
    assert len(box) == 1 and expected in box[0].value
    lines = [m.value for m in at.markdown if m.value.startswith("- At η")]
    assert len(lines) == 2
    for line, outcome in zip(lines, outcomes, strict=True):
        word = {"supports": "clearly flatter", "contradicts": "clearly sharper", "unclear": "does not separate"}
        assert word[outcome] in line
    assert f"B = {small.batch_size}: {small.sharpness.mean():.3g}" in lines[0]


def test_bad_links_give_one_notice_and_the_defaults():
    at = run("network_sharpness.py", {"netsharp.lrs": "fast", "netsharp.steps": "7", "netsharp.batch_size": "-3"})
    assert not at.exception and len(at.warning) == 1
    text = notice(at)
    assert "netsharp.lrs" in text and "netsharp.steps" in text and "netsharp.batch_size" in text
    assert at.select_slider(key="netsharp.steps").value == sh.DEFAULT_STEPS
    bad = run("network_landscape.py", {"netland.optimizer": "newton", "netland.radius": "1e9"})
    assert not bad.exception and len(bad.warning) == 1
    assert "netland.optimizer" in notice(bad) and "netland.radius" in notice(bad)
    assert bad.selectbox(key="netland.optimizer").value == "sgd"
    batch = run("network_batch_flatness.py", {"netbatch.seeds": "<script>", "netbatch.batches": "0"})
    assert not batch.exception and len(batch.warning) == 1 and "netbatch.seeds" in notice(batch)


@pytest.mark.parametrize(
    ("page", "scenario"),
    [
        ("network_landscape.py", "ui.network.geometry_landscape.LandscapeScenario"),
        ("network_sharpness.py", "ui.network.geometry_sharpness.SharpnessScenario"),
        ("network_batch_flatness.py", "ui.network.geometry_batch.BatchScenario"),
    ],
)
def test_each_page_constant_is_its_scenario_prefix(page, scenario):
    import importlib
    import re

    module, name = scenario.rsplit(".", 1)
    literal = re.search(r'^PAGE = "(\w+)"', (VIEWS / page).read_text(), re.MULTILINE).group(1)
    assert literal == getattr(importlib.import_module(module), name).PAGE


def test_the_sharpness_page_in_korean():
    """The page's own text comes from the Korean catalog; equations and numbers stay as they are."""
    from core import i18n

    i18n.set_language_source(lambda: "ko")
    try:
        at = run("network_sharpness.py")
    finally:
        i18n.set_language_source(lambda: i18n.DEFAULT)
    assert not at.exception
    assert at.title[0].value == "날카로움과 안정성의 경계"
    texts = " ".join(m.value for m in at.markdown)
    assert "GD, η = 1: 날카로움이 2/η = 2에 닿았고" in texts
    assert figures(at)[0]["layout"]["xaxis"]["title"]["text"] == "스텝"
    (analogue,) = at.get("link_button")
    assert analogue.proto.url == "./ill-conditioning?lang=ko", "the 2D analogue opens in Korean too"
