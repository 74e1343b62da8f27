"""The live map against the ``st.plotly_chart`` map it replaced, in real Chromium, in one run.

Usage::

    .venv/bin/python -m benchmarks.live_map_bench                    # old = a7ad81f, 20 moves each
    .venv/bin/python -m benchmarks.live_map_bench --moves 30 --drags 5
    .venv/bin/python -m benchmarks.live_map_bench --baseline REV      # any other revision as "old"

"Old" is the previous release (git revision ``a7ad81f`` by default: the Playground drew its
map with ``st.plotly_chart``), checked out into a temporary git worktree
(:func:`benchmarks.first_visit.checkout`); "new" is this working tree (the live map,
``ui/live_map.py``). One Streamlit server per way (:func:`e2e.server.streamlit_server`)
and one Chromium page per way (each in its own browser context, hence its own renderer
process), both on this machine. The two pages take turns, move by move (the order within
each round alternates too), so load from the rest of the machine hits both alike.

Each way's map is read the way that revision's own ``e2e/browser.py`` reads it, and times
are taken in the page (:mod:`benchmarks.map_probe`): the clock starts at the input
event's ``timeStamp`` and stops when the DOM first holds the new drawing of the paths
(SVG geometry, and for the old map its graph div visible). Playwright's round trips are
not counted; the paint of that frame (at most 16.7 ms more) is not counted either.

Figures (median and p95 over ``--moves`` per way, ratio = old / new):

1. **committed move**: ArrowRight on the first run's lr slider in the sidebar -> new paths
   visible in the map (the rerun, the simulation, the websocket, the page's rendering). The
   slider walks up its grid from its default, so every move is a new scenario (no cache hit).
2. **map click**: mouse press on the map -> new paths visible from the new start. The old map
   takes clicks on the dots of its click grid trace; the new map takes a click anywhere. Both
   ways click the same data points (the old map's grid dots, spread over the map).
3. **renderer CPU per committed move**: CPU seconds (user + system) of the page's renderer
   process (psutil; of the renderers started while the page opened, the one that worked most),
   from before the key press until the page has settled (script idle, map drawn, 0.5 s
   quiet): all the page's work for the move (the map, the loss chart, the table, the
   equations), not only the map.
4. **drag**: mouse down at the left end of a slider, across it and back over
   ``--drag-seconds`` (2 s), mouse up. The pointer is always where a hand moving at a steady
   pace would be: Playwright waits for the page to take each move, so a busy page gets fewer,
   larger moves (as Chromium coalesces a real mouse's), never a slower drag. Counted:
   animation frames (``requestAnimationFrame`` in the page) whose drawn paths differ from the
   previous frame's, per second of drag. New: the live map's own setting slider
   (``.dl-scrub-range``, the first run's lr), which swaps paths of a family the browser
   holds. Old: the sidebar lr slider, which reports only its final value on release, so its
   map cannot change before the mouse is let go (0 is expected). The scrub slider has 61
   positions: one pass in 2 s offers at most 30 new values a second, so the drag goes there
   and back (``--drag-passes 2``) to offer more values than there are frames, and the count
   measures the drawing, not the input.

Supporting figures (median / p95 per way, below the table) say where the time goes:
renderer CPU per map click and per drag; the main thread's CPU (CDP
``Performance.getMetrics`` ``TaskDuration``, thread time); time inside ``Plotly.react``, on
the map and on the other charts (the loss chart), per move and per drawn frame of a drag;
and, from the page's websocket traffic (:data:`benchmarks.map_probe.WEBSOCKET_LOG`), input
-> rerun request sent, request -> first and last message back before the new drawing (the
server's run), and last message -> paths drawn (the page's rendering).

Targets (from the issue; "a quiet 2-core machine"): committed move or map click median
<= 150 ms and p95 <= 300 ms, renderer CPU per committed move <= 0.15 s, drag >= 30 changed
frames per second. The table says whether the new way met each. The load average is printed
with the figures: on a busy machine every figure is slower than on a quiet one, but both ways
suffer alike, so the ratio is the steadier number. The load test
(``benchmarks/load_test.py --baseline REV``) is the many-people counterpart.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from benchmarks.first_visit import checkout, p95
from benchmarks.load_test import client_kind
from benchmarks.map_probe import WEBSOCKET_LOG, MapProbe, tree_browser
from e2e.browser import PATIENCE_MS, chromium, wait_idle
from e2e.server import ROOT, streamlit_server

BASELINE = "a7ad81f"
"""The previous release: the Playground with ``st.plotly_chart``."""
VIEWPORT = {"width": 1500, "height": 2400}
SIDEBAR_RUN = "[data-testid='stSidebar'] [class*='st-key-pg-run-']"
LR_LABEL = "lr (step size)"
SCRUB_RANGE = ".dl-scrub-range"
GRID_NAME = "click to start here"
"""The name of the old map's click-grid trace (the dots that take clicks)."""
SETTLE_S = 0.5
"""Quiet time after a move's rerun has finished before its CPU is read (trailing paints, timers)."""
MOVE_TIMEOUT_MS = 120_000

TARGETS = {
    "committed move ms": ("median <= 150, p95 <= 300", lambda med, hi: med <= 150 and hi <= 300),
    "map click ms": ("median <= 150, p95 <= 300", lambda med, hi: med <= 150 and hi <= 300),
    "renderer CPU s / move": ("<= 0.15", lambda med, hi: med <= 0.15),
    "drag: changed frames / s": (">= 30", lambda med, hi: med >= 30),
}

AXES = """() => {
  const p = window.__mapProbe.plot(), xa = p._fullLayout.xaxis, ya = p._fullLayout.yaxis;
  return {x: xa.range, y: ya.range};
}"""
"""JS: the map's axis ranges (data coordinates)."""

GRID = f"""() => {{
  const p = window.__mapProbe.plot();
  const t = p._fullData.find(t => t.name === '{GRID_NAME}');
  return t ? {{x: Array.from(t.x), y: Array.from(t.y)}} : null;
}}"""
"""JS: the old map's click-grid dots (data coordinates), or null for a map without one."""

PIXEL = """([x, y]) => {
  const p = window.__mapProbe.plot(), xa = p._fullLayout.xaxis, ya = p._fullLayout.yaxis;
  const box = p.getBoundingClientRect();
  return {px: box.left + xa._offset + xa.l2p(x), py: box.top + ya._offset + ya.l2p(y)};
}"""
"""JS: the viewport pixel of the map's data point (x, y)."""

BURN = "ms => { const end = performance.now() + ms; let n = 0; while (performance.now() < end) n++; return n; }"


@dataclass
class Way:
    """One way of drawing the map: its checkout, server, page, renderer process and measurements."""

    name: str
    root: Path
    url: str
    context: Any
    page: Any
    cdp: Any
    probe: MapProbe
    map_ready: str
    renderer: psutil.Process | None = None
    figures: dict[str, list[float]] = field(default_factory=dict)
    notes: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, figure: str, value: float) -> None:
        """Record one measurement of ``figure``."""
        self.figures.setdefault(figure, []).append(value)

    def note(self, figure: str, value: float) -> None:
        """Record one measurement of a supporting figure (printed below the table)."""
        self.notes.setdefault(figure, []).append(value)


def renderers() -> dict[int, psutil.Process]:
    """Chromium's page renderer processes started by this script, by pid."""
    out = {}
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if client_kind(proc) == "pages":
                out[proc.pid] = proc
    return out


def cpu_of(proc: psutil.Process | None) -> float:
    """CPU seconds (user + system) a process has used; NaN when it is unknown or gone."""
    if proc is None:
        return float("nan")
    try:
        times = proc.cpu_times()
    except psutil.Error:
        return float("nan")
    return times.user + times.system


def find_renderer(page: Any, earlier: set[int]) -> psutil.Process | None:
    """The renderer process of ``page``, which was opened after the renderers ``earlier`` existed.

    Of the renderers started since, the one that has worked most (loading the page takes
    seconds of CPU; Chromium's spare renderer takes none); if none was started (a reused
    process), the one whose CPU time grows most while the page is kept busy for a second.
    """
    procs = renderers()
    fresh = {pid: p for pid, p in procs.items() if pid not in earlier}
    if fresh:
        return max(fresh.values(), key=cpu_of)
    before = {pid: cpu_of(p) for pid, p in procs.items()}
    page.evaluate(BURN, 1000)
    grown = {pid: cpu_of(p) - before[pid] for pid, p in procs.items()}
    pid = max(grown, key=lambda k: grown[k], default=None)
    return procs[pid] if pid is not None and grown[pid] > 0.05 else None


def main_thread_seconds(way: Way) -> float:
    """The page's main-thread task time so far (CDP ``Performance.getMetrics``, thread time), seconds."""
    metrics = way.cdp.send("Performance.getMetrics")["metrics"]
    return next((m["value"] for m in metrics if m["name"] == "TaskDuration"), float("nan"))


def open_way(browser: Any, name: str, root: Path, url: str) -> Way:
    """Open the Playground of the server at ``url`` (serving ``root``) in its own context; wait for the map."""
    module = tree_browser(root)
    earlier = set(renderers())
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(WEBSOCKET_LOG)
    page = context.new_page()
    page.set_default_timeout(PATIENCE_MS)
    way = Way(name, root, url, context, page, None, MapProbe.for_tree(root), module.MAP_READY)
    page.on("pageerror", lambda e: way.errors.append(f"page error: {e}"))
    page.on("console", lambda m: way.errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.goto(url + "/")
    settle(way)
    if not page.evaluate(way.probe.install):
        raise RuntimeError(f"{name}: no map drawn on the Playground")
    way.cdp = context.new_cdp_session(page)
    way.cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
    way.renderer = find_renderer(page, earlier)
    return way


def settle(way: Way) -> None:
    """Wait until the script has finished, the map is drawn and the page has been quiet a moment."""
    wait_idle(way.page)
    way.page.wait_for_function(way.map_ready, timeout=PATIENCE_MS)
    time.sleep(SETTLE_S)


def lr_thumb(way: Way) -> Any:
    """The first run's lr slider in the sidebar."""
    return way.page.locator(SIDEBAR_RUN).first.get_by_role("slider", name=LR_LABEL)


def timed(way: Way, kind: str, act: Any) -> dict[str, float] | None:
    """Arm the probe for ``kind`` events, run ``act()`` (the input), wait for new paths; the probe's result.

    Also records the renderer CPU and main-thread time from before the input until the page
    has settled. Returns None (and records an error) when the paths did not change in time.
    """
    page = way.page
    if not page.evaluate(way.probe.arm, kind):
        way.errors.append("no map before the input")
        return None
    cpu, task = cpu_of(way.renderer), main_thread_seconds(way)
    act()
    try:
        page.wait_for_function(way.probe.done, polling=100, timeout=MOVE_TIMEOUT_MS)
    except Exception as err:  # a Playwright TimeoutError: note it and go on with the next move
        way.errors.append(f"{kind}: paths unchanged after {MOVE_TIMEOUT_MS / 1000:.0f} s ({type(err).__name__})")
        settle(way)
        return None
    settle(way)
    result = page.evaluate(way.probe.result)
    result["cpu_s"] = cpu_of(way.renderer) - cpu
    result["task_s"] = main_thread_seconds(way) - task
    return result


def committed_move(way: Way) -> None:
    """One ArrowRight on the first run's lr slider, timed to the new paths on the map."""
    thumb = lr_thumb(way)
    old = thumb.get_attribute("aria-valuetext")
    thumb.focus()
    result = timed(way, "keydown", lambda: way.page.keyboard.press("ArrowRight"))
    if thumb.get_attribute("aria-valuetext") == old:
        way.errors.append(f"the lr slider did not move from {old}")
    if result is None:
        return
    way.add("committed move ms", result["ms"])
    way.add("renderer CPU s / move", result["cpu_s"])
    breakdown(way, "move", result)


def map_click(way: Way, target: tuple[float, float], grid: bool) -> None:
    """Click the map at data point ``target`` (on a map with a click grid: its nearest dot), timed to the new paths."""
    point = target
    if grid:
        dots = way.page.evaluate(GRID)
        point = min(
            zip(dots["x"], dots["y"], strict=True), key=lambda d: (d[0] - target[0]) ** 2 + (d[1] - target[1]) ** 2
        )
    pixel = way.page.evaluate(PIXEL, list(point))
    result = timed(way, "pointerdown", lambda: way.page.mouse.click(pixel["px"], pixel["py"]))
    if result is None:
        return
    way.add("map click ms", result["ms"])
    breakdown(way, "click", result)


BREAKDOWN = {
    "cpu_s": "renderer CPU, s",
    "task_s": "main-thread CPU (CDP TaskDuration), s",
    "to_request_ms": "input -> rerun request sent, ms",
    "to_first_reply_ms": "request -> first message back, ms",
    "to_last_reply_ms": "request -> last message before drawn, ms",
    "last_reply_to_drawn_ms": "last message -> paths drawn, ms",
    "map_react_ms": "Plotly.react on the map, ms (sum)",
    "map_reacts": "Plotly.react calls on the map",
    "other_react_ms": "Plotly.react on other charts, ms (sum)",
    "queued_ms": "input event queued in the renderer, ms",
    "spent_ms": "the probe's own time, ms",
}
"""Supporting figures of a move or click: the probe's result keys and how they are printed."""


def breakdown(way: Way, what: str, result: dict[str, Any]) -> None:
    """Record where one move's or click's time went (:data:`BREAKDOWN`), as supporting figures."""
    for key, label in BREAKDOWN.items():
        if key == "cpu_s" and what == "move":
            continue  # a headline figure already
        if result.get(key) is not None:
            way.note(f"{what}: {label}", result[key])


def drag_slider(way: Way, box: dict[str, float], seconds: float, passes: int) -> None:
    """Press at the left end of ``box`` (a slider), move across and back ``passes`` times in ``seconds``, release.

    Counts the animation frames whose drawn paths changed while the mouse was down.
    """
    page = way.page
    y = box["y"] + box["height"] / 2
    left, right = box["x"] + 4, box["x"] + box["width"] - 4
    page.mouse.move(left, y)
    time.sleep(0.2)
    cpu = cpu_of(way.renderer)
    page.evaluate(way.probe.frames_start)
    page.mouse.down()
    start = time.perf_counter()
    while True:
        # Where a hand moving at a steady pace would be now: a page that answers each move late
        # gets fewer, larger moves (as Chromium coalesces real mouse moves), never a slower drag.
        done = min(1.0, (time.perf_counter() - start) / seconds)
        phase = passes * done  # even passes go right, odd ones come back
        along = phase % 1 if int(phase) % 2 == 0 else 1 - phase % 1
        if done >= 1.0:
            along = 0.0 if passes % 2 == 0 else 1.0
        # No pause between moves: each move already waits for the page to take it (a Playwright
        # round trip), and a real mouse reports 60 to 120 moves a second, more than a page draws.
        page.mouse.move(left + along * (right - left), y)
        if done >= 1.0:
            break
    page.mouse.up()
    held = time.perf_counter() - start
    frames = page.evaluate(way.probe.frames_stop)
    way.note("drag: renderer CPU s while the mouse is down", cpu_of(way.renderer) - cpu)
    way.note("drag: seconds the mouse was down", held)
    settle(way)
    if frames["seconds"] <= 0:
        way.errors.append("drag: no animation frames")
        return
    way.add("drag: changed frames / s", frames["changed"] / frames["seconds"])
    way.note("drag: animation frames / s", frames["frames"] / frames["seconds"])
    way.note("drag: the probe's own time per frame, ms", frames["spent_ms"] / max(1, frames["frames"]))
    for ms in frames["map_react_ms"]:
        way.note("drag: Plotly.react on the map per frame, ms", ms)


def drag(way: Way, seconds: float, passes: int) -> None:
    """The 2-second drag: the live map's own slider where there is one, else the sidebar lr slider."""
    scrub = way.page.locator(SCRUB_RANGE)
    if scrub.count() and scrub.first.is_visible():
        box = scrub.first.bounding_box()
    else:
        thumb = lr_thumb(way)
        thumb.scroll_into_view_if_needed()
        box = thumb.bounding_box()
    drag_slider(way, box, seconds, passes)


def click_targets(ways: list[Way], count: int) -> tuple[list[tuple[float, float]], set[str]]:
    """``count`` distinct data points spread over the map, and the names of the ways whose map has a click grid.

    Where a map has a click grid, the points are its dots (so every way clicks the same points).
    """
    grids = {way.name: way.page.evaluate(GRID) for way in ways}
    with_grid = {name for name, grid in grids.items() if grid}
    ranges = ways[0].page.evaluate(AXES)
    points = []
    for k in range(count):
        fx = 0.1 + 0.8 * ((0.5 + 0.618034 * k) % 1)  # a low-discrepancy walk over the map, away from the edges
        fy = 0.1 + 0.8 * ((0.25 + 0.381966 * k * 1.7) % 1)
        x = ranges["x"][0] + fx * (ranges["x"][1] - ranges["x"][0])
        y = ranges["y"][0] + fy * (ranges["y"][1] - ranges["y"][0])
        points.append((x, y))
    grid = next((g for g in grids.values() if g), None)
    if grid:
        dots = list(zip(grid["x"], grid["y"], strict=True))
        snapped: list[tuple[float, float]] = []
        for x, y in points:
            free = [d for d in dots if d not in snapped] or dots
            snapped.append(min(free, key=lambda d: (d[0] - x) ** 2 + (d[1] - y) ** 2))
        points = snapped
    return points, with_grid


def take_turns(ways: list[Way], rounds: int, what: str, step: Any) -> None:
    """Run ``step(way, i)`` for every way, ``rounds`` times, alternating which way goes first."""
    for i in range(rounds):
        order = ways if i % 2 == 0 else ways[::-1]
        for way in order:
            step(way, i)
        print(f"  {what} {i + 1}/{rounds}, load average {psutil.getloadavg()[0]:.1f}", flush=True)


def summary(values: list[float]) -> tuple[float, float]:
    """(median, p95) of ``values``; NaN for none."""
    if not values:
        return float("nan"), float("nan")
    return statistics.median(values), p95(values)


def report(ways: list[Way], loads: list[float], baseline: str) -> None:
    """Print the table of figures (median, p95, ratio old/new), the supporting figures and any errors."""
    old, new = ways
    print(
        f"\nlive map benchmark: old = revision {baseline}, new = the working tree; "
        f"{psutil.cpu_count()} cores, load average {min(loads):.1f}-{max(loads):.1f} during the run"
    )
    print(f"{'figure':<44} | {'old med':>9} {'old p95':>9} | {'new med':>9} {'new p95':>9} | {'ratio':>6} | target")
    for figure, (target, met) in TARGETS.items():
        om, op = summary(old.figures.get(figure, []))
        nm, np_ = summary(new.figures.get(figure, []))
        ratio = om / nm if nm else float("nan")
        verdict = "met" if met(nm, np_) else "MISSED"
        n = len(new.figures.get(figure, []))
        print(
            f"{figure + f' (n={n})':<44} | {om:9.3f} {op:9.3f} | {nm:9.3f} {np_:9.3f} | {ratio:6.2f} | "
            f"{target}: {verdict}"
        )
    print("\nsupporting figures (median / p95)")
    names = sorted({k for way in ways for k in way.notes})
    for name in names:
        cells = []
        for way in ways:
            values = way.notes.get(name, [])
            med, hi = summary(values)
            cells.append(f"{way.name} {med:8.3f} / {hi:8.3f} (n={len(values)})" if values else f"{way.name} {'-':>19}")
        print(f"  {name:<48} {'   '.join(cells)}")
    for way in ways:
        for error in dict.fromkeys(way.errors):
            print(f"  {way.name} error x{way.errors.count(error)}: {error[:200]}")


@contextlib.contextmanager
def serving(roots: dict[str, Path]) -> Iterator[dict[str, str]]:
    """One Streamlit server per checkout, all running for the block; yields their URLs by name."""
    with contextlib.ExitStack() as stack:
        urls = {}
        for name, root in roots.items():
            log = ROOT / "artifacts" / "live_map_bench" / f"server-{name}.log"
            url, _ = stack.enter_context(streamlit_server(root=root, log=log))
            urls[name] = url
        yield urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"the old revision (default {BASELINE})")
    parser.add_argument("--moves", type=int, default=20, help="committed moves and map clicks per way (default 20)")
    parser.add_argument("--drags", type=int, default=3, help="2-second drags per way (default 3)")
    parser.add_argument("--drag-seconds", type=float, default=2.0, help="length of a drag (default 2 s)")
    parser.add_argument("--drag-passes", type=int, default=2, help="passes across the slider per drag (default 2)")
    args = parser.parse_args()
    loads = [psutil.getloadavg()[0]]
    with contextlib.ExitStack() as stack:
        old_root = stack.enter_context(checkout(args.baseline))
        roots = {"old": old_root, "new": ROOT}
        urls = stack.enter_context(serving(roots))
        browser = stack.enter_context(chromium())
        ways = []
        for name, root in roots.items():
            started = time.perf_counter()
            ways.append(open_way(browser, name, root, urls[name]))
            pid = ways[-1].renderer.pid if ways[-1].renderer else "not found"
            print(
                f"  {name}: Playground ready in {time.perf_counter() - started:.0f} s, renderer pid {pid}", flush=True
            )

        def move(way: Way, i: int) -> None:
            committed_move(way)
            loads.append(psutil.getloadavg()[0])

        take_turns(ways, args.moves, "committed move", move)
        targets, with_grid = click_targets(ways, args.moves)
        take_turns(ways, args.moves, "map click", lambda way, i: map_click(way, targets[i], way.name in with_grid))
        take_turns(ways, args.drags, "drag", lambda way, i: drag(way, args.drag_seconds, args.drag_passes))
        loads.append(psutil.getloadavg()[0])
        report(ways, loads, args.baseline)
        for way in ways:
            way.context.close()


if __name__ == "__main__":
    main()
