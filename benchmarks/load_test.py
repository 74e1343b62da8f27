"""Load test: N people drag the Playground's lr slider at once; how fast does the map follow?

Usage::

    .venv/bin/python -m benchmarks.load_test                 # N = 10, then N = 20, in Chromium
    .venv/bin/python -m benchmarks.load_test --protocol      # the same through bare websocket clients
    .venv/bin/python -m benchmarks.load_test 5 40 --moves 10 --duration 30
    .venv/bin/python -m benchmarks.load_test 20 --baseline a7ad81f  # also the old revision, same run

Starts the app (``e2e.server``), opens N pages in one headless Chromium (one browser
context, hence one Streamlit session, per simulated person) and has each press
ArrowRight on the first run's lr slider, ``--moves`` times or for ``--duration`` seconds,
whichever ends first, pausing after each redraw for ``--pause`` seconds on average (0.3 s
by default: close to a closed loop, every page moving as fast as the app answers; a few
seconds is closer to a person who looks at the result). Pages load ``--loading`` at a time
(4 by default; loading is not timed) and everybody starts moving once every page has
loaded, so the moves overlap; the wait before a person's first move is drawn
uniformly from zero to ``--pause`` and each later pause from half to one and a half times
``--pause`` (a fixed seed per person), so people do not move in lockstep.

Latency is the time from the key press to the map showing the new paths, timed in the page
(:mod:`benchmarks.map_probe`: from the key event's ``timeStamp`` to the first moment the map
is visible and its drawn SVG lines differ from before the press; Playwright's round trips do
not count), so it includes the rerun, the simulation, the websocket and the page's
rendering. Each person opens the page with a different ``seed``: the Playground caches
views by scenario across sessions, and distinct seeds keep every move a cache miss (the
worst case).

``--baseline REV`` measures revision REV too, in the same run: it is checked out into a
temporary git worktree (:func:`benchmarks.first_visit.checkout`) and served by a second
server; for each N the old revision's people move first, then the working tree's (never
both at once), and a last table compares the two (ratio = old / new). On a shared host,
``--rounds 2`` (or more) repeats each N with the order reversed every other time and pools
the rounds, so load from elsewhere that comes and goes hits both revisions alike. Each revision's map is
found and read the way its own ``e2e/browser.py`` does (the previous release drew it with
``st.plotly_chart``, which draws a changed figure into a new, hidden graph div first; the
live map keeps one plot and updates it).

Printed per N: moves measured, p50/p95/max latency, errors (timeouts, console errors,
uncaught page errors, exception elements), the server's peak RSS (the server process and
its children, sampled every 0.2 s) and the CPU time used by the server and by the browser
(split into the page renderers, Chromium's GPU/compositor process, the rest of Chromium and
Playwright's driver). The browser runs on the same machine as the server: on a small host
it competes with the server for CPU, which the CPU split makes visible.

``--protocol`` replaces the browsers by bare websocket clients speaking Streamlit's own
protocol (what the frontend sends on a slider move: a rerun request carrying the slider's
new value), so the whole machine serves: the latency is then the server's alone, from the
request to the script's "finished" message (every element sent), the figure for an
audience whose browsers run on their own computers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.first_visit import checkout
from benchmarks.map_probe import WEBSOCKET_LOG, MapProbe, tree_browser
from e2e.browser import CHROMIUM_FLAGS, IDLE, PATIENCE_MS, chromium_path
from e2e.server import ROOT, streamlit_server

LR_LABEL = "lr (step size)"
DEFAULT_LR = 0.001
"""The first run's (SGD's) default learning rate: where the protocol clients start moving from."""
TARGET_P95_S = 2.0
HOST_MEMORY_LIMIT_MB = 2500
"""The deployment target's memory (a 2.5 GB free host)."""


@dataclass
class Result:
    """What one simulated person measured."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


CLIENT_KINDS = ("pages", "gpu", "browser", "driver")
"""How the client side's CPU is split: Chromium's page renderers, its GPU process (the display
compositor: with ``--disable-gpu`` it composites in software), the rest of Chromium (browser
process, network service, its own UI), and Playwright's driver."""


def client_kind(proc: psutil.Process) -> str:
    """Which of :data:`CLIENT_KINDS` a process of the client tree is (by Chromium's ``--type``)."""
    command = " ".join(proc.cmdline())
    if "--type=renderer" in command and "--top-chrome-webui" not in command:
        return "pages"
    if "--type=gpu-process" in command:
        return "gpu"
    return "browser" if "chrom" in command else "driver"


class TreeSampler:
    """Samples process trees in a background thread: the server's peak RSS, CPU time of both sides.

    The server tree is the Streamlit process and its children; the client tree is everything
    else this script started (Playwright's driver and Chromium), split by :func:`client_kind`.
    CPU time is summed per process as last seen, so processes that exit mid-run (closed
    pages) still count.
    """

    def __init__(self, server_pid: int, every: float = 0.2, others: tuple[int, ...] = ()):
        self.server = psutil.Process(server_pid)
        self.others = [psutil.Process(pid) for pid in others]
        """Other servers this script runs (another revision's): neither this server nor a client."""
        self.me = psutil.Process()
        self.every = every
        self.peak = 0
        self.cpu: dict[str, dict[int, float]] = {side: {} for side in ("server", *CLIENT_KINDS)}
        self._kinds: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def server_tree(self) -> list[psutil.Process]:
        """The server process and its children."""
        return [self.server, *self.server.children(recursive=True)]

    def rss(self) -> int:
        """Bytes resident now in the server and all its children."""
        total = 0
        for proc in self.server_tree():
            with contextlib.suppress(psutil.Error):  # a child that just exited
                total += proc.memory_info().rss
        return total

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far by the server tree and by each kind of client process."""
        return {side: sum(times.values()) for side, times in self.cpu.items()}

    def sample(self) -> None:
        """Take one sample now."""
        self.peak = max(self.peak, self.rss())
        server = {p.pid for p in self.server_tree()}
        elsewhere = set()
        for other in self.others:
            with contextlib.suppress(psutil.Error):
                elsewhere |= {other.pid, *(p.pid for p in other.children(recursive=True))}
        for proc in self.me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if proc.pid in elsewhere:
                    continue
                if proc.pid in server:
                    side = "server"
                else:
                    side = self._kinds.get(proc.pid) or self._kinds.setdefault(proc.pid, client_kind(proc))
                times = proc.cpu_times()
                self.cpu[side][proc.pid] = times.user + times.system

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample()
            except psutil.NoSuchProcess:
                return
            self._stop.wait(self.every)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class StartLine:
    """Holds every person until all pages have loaded (or failed to), so the moves overlap.

    ``on_go`` is called once, as everybody is released (the CPU split of the moving phase starts there).
    ``loading`` pages at most load at once (:attr:`doors`): loading is not measured, and twenty
    Playgrounds loading together on a busy 2-core host each took over two minutes.
    """

    def __init__(self, n: int, on_go: Callable[[], None] | None = None, loading: int = 4):
        self.waiting = n
        self.go = asyncio.Event()
        self.on_go = on_go
        self.doors = asyncio.Semaphore(max(1, loading))

    def arrive(self) -> None:
        """Count one person as ready; the last one releases everybody."""
        self.waiting -= 1
        if self.waiting <= 0 and not self.go.is_set():
            if self.on_go:
                self.on_go()
            self.go.set()


def pauses(index: int, pause: float) -> Iterator[float]:
    """Person ``index``'s waits: before the first move (0 to ``pause``), then after each redraw (0.5 to 1.5 x)."""
    rng = random.Random(index)
    yield rng.uniform(0.0, pause)
    while True:
        yield rng.uniform(0.5 * pause, 1.5 * pause)


async def set_off(start: StartLine, index: int, pause: float, duration: float) -> tuple[float, Iterator[float]]:
    """Wait until everybody is ready, then for person ``index``'s first pause; the deadline and later pauses."""
    await start.go.wait()
    deadline = time.monotonic() + duration
    waits = pauses(index, pause)
    await asyncio.sleep(next(waits))
    return deadline, waits


async def browser_person(
    browser: Any, url: str, index: int, start: StartLine, moves: int, duration: float, pause: float, root: Path
) -> Result:
    """One simulated person: open the Playground (served from ``root``), nudge the lr slider, time each redraw."""
    result = Result()
    arrived = False
    probe = MapProbe.for_tree(root)
    map_ready = tree_browser(root).MAP_READY
    context = await browser.new_context(viewport={"width": 1400, "height": 1800})
    await context.add_init_script(WEBSOCKET_LOG)
    page = await context.new_page()
    page.on("console", lambda m: result.errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: result.errors.append(f"page error: {e}"))
    try:
        async with start.doors:
            await page.goto(f"{url}/?seed={index + 1}", timeout=PATIENCE_MS)
            await page.wait_for_selector(IDLE, timeout=PATIENCE_MS)
            await page.wait_for_function(map_ready, timeout=PATIENCE_MS)
        await page.evaluate(probe.install)
        run_box = page.locator("[data-testid='stSidebar'] [class*='st-key-pg-run-']").first
        thumb = run_box.get_by_role("slider", name=LR_LABEL)
        start.arrive()
        arrived = True
        deadline, waits = await set_off(start, index, pause, duration)
        for _ in range(moves):
            if time.monotonic() > deadline:
                break
            await thumb.focus()
            await page.evaluate(probe.arm, "keydown")
            await page.keyboard.press("ArrowRight")
            try:
                await page.wait_for_function(probe.done, polling=100, timeout=30_000)
            except Exception as err:  # a Playwright TimeoutError: count it and go on
                result.errors.append(f"no redraw within 30 s: {type(err).__name__}")
                continue
            result.latencies.append((await page.evaluate(probe.result))["ms"] / 1000)
            await page.wait_for_selector(IDLE, timeout=60_000)
            await asyncio.sleep(next(waits))
        if await page.locator("[data-testid='stException']").count():
            result.errors.append("exception shown on the page")
    except Exception as err:  # setup failed: report it as an error of this person, keep the others going
        result.errors.append(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
    finally:
        if not arrived:
            start.arrive()
        await context.close()
    return result


async def protocol_person(url: str, index: int, start: StartLine, moves: int, duration: float, pause: float) -> Result:
    """One simulated person as a bare websocket client: each move is one rerun request, timed to its end."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    result = Result()
    arrived = False
    query = f"seed={index + 1}"

    async def run(ws: Any, widgets: dict[str, list[str]]) -> Any:
        """Send one rerun request; read until the script finishes; return the first run's lr slider."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        for widget_id, value in widgets.items():
            state = msg.rerun_script.widget_states.widgets.add()
            state.id = widget_id
            state.string_array_value.data.extend(value)
        await ws.send(msg.SerializeToString())
        lr = None
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=30))
            kind = reply.WhichOneof("type")
            if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                if element.WhichOneof("type") == "exception":
                    result.errors.append(f"exception: {element.exception.message[:120]}")
                if element.WhichOneof("type") == "slider" and lr is None and element.slider.label == LR_LABEL:
                    lr = element.slider
            elif kind == "script_finished":
                if reply.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # a callback asked for a rerun (the lr slider reruns the view fragment): it follows
                if reply.script_finished not in (0, 3):  # finished successfully (whole app / fragment)
                    result.errors.append(f"script finished with status {reply.script_finished}")
                return lr

    try:
        async with connect(url.replace("http", "ws", 1) + "/_stcore/stream", max_size=None) as ws:
            lr = await run(ws, {})
            if lr is None:
                raise RuntimeError("no lr slider on the page")
            options = [float(o) for o in lr.options]
            at = min(range(len(options)), key=lambda i: abs(math.log(options[i] / DEFAULT_LR)))
            start.arrive()
            arrived = True
            deadline, waits = await set_off(start, index, pause, duration)
            for _ in range(moves):
                if time.monotonic() > deadline or at + 1 >= len(options):
                    break
                at += 1
                sent = time.perf_counter()
                try:
                    await run(ws, {lr.id: [lr.options[at]]})
                except TimeoutError:
                    result.errors.append("no reply within 30 s")
                    break
                result.latencies.append(time.perf_counter() - sent)
                await asyncio.sleep(next(waits))
    except Exception as err:  # connection failed: report it as an error of this person, keep the others going
        result.errors.append(f"{type(err).__name__}: {err}")
    finally:
        if not arrived:
            start.arrive()
    return result


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def run_load(
    url: str,
    n: int,
    moves: int,
    duration: float,
    pause: float,
    protocol: bool,
    on_go: Callable[[], None] | None = None,
    root: Path = ROOT,
    loading: int = 4,
) -> list[Result]:
    """N people at once (in one Chromium, or as websocket clients) on the app served from ``root`` at ``url``."""
    start = StartLine(n, on_go, loading)
    if protocol:
        people = (protocol_person(url, i, start, moves, duration, pause) for i in range(n))
        return list(await asyncio.gather(*people))
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        try:
            people = (browser_person(browser, url, i, start, moves, duration, pause, root) for i in range(n))
            return list(await asyncio.gather(*people))
        finally:
            await browser.close()


def cpu_line(label: str, cpu: dict[str, float], wall: float, moves: int) -> str:
    """One line of CPU figures: seconds and average cores of the server and the clients (split by kind), per move."""
    per_move = moves or float("nan")
    client = sum(cpu.get(kind, 0.0) for kind in CLIENT_KINDS)
    split = ", ".join(f"{kind} {cpu.get(kind, 0.0) / wall:.2f}" for kind in CLIENT_KINDS if cpu.get(kind))
    return (
        f"        CPU {label} ({wall:.0f} s): server {cpu['server']:.0f} s ({cpu['server'] / wall:.2f} cores, "
        f"{cpu['server'] / per_move:.2f} s per measured move), clients {client:.0f} s ({client / wall:.2f} cores: "
        f"{split}; {client / per_move:.2f} s per measured move)"
    )


def report(
    n: int,
    results: list[Result],
    peak_rss: int,
    wall: float,
    cpu: dict[str, float],
    moving: tuple[float, dict[str, float]] | None = None,
) -> bool:
    """Print one N's figures; True if it met the target (no errors, p95 under 2 s).

    ``cpu`` covers the whole run (page loads included); ``moving`` is (seconds, CPU) of the
    moving phase alone, from the start line to the end.
    """
    latencies = [t for r in results for t in r.latencies]
    errors = [e for r in results for e in r.errors]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    peak_mb = peak_rss / 2**20
    ok = not errors and p95 < TARGET_P95_S
    print(
        f"N={n:3d}: {len(latencies)} moves in {wall:.0f} s | latency p50 {p50:.2f} s, p95 {p95:.2f} s, "
        f"max {max(latencies, default=float('nan')):.2f} s | errors {len(errors)} | "
        f"server peak RSS {peak_mb:.0f} MB ({peak_mb / HOST_MEMORY_LIMIT_MB:.0%} of {HOST_MEMORY_LIMIT_MB} MB) | "
        f"{'OK' if ok else 'MISSED'} (target: no errors, p95 < {TARGET_P95_S:g} s)"
    )
    if latencies:
        print(f"        mean {statistics.fmean(latencies):.2f} s, min {min(latencies):.2f} s")
    print(cpu_line("in all, page loads included", cpu, wall, len(latencies)))
    if moving:
        print(cpu_line("while moving", moving[1], moving[0], len(latencies)))
    print(f"        host has {psutil.cpu_count()} cores, load average {psutil.getloadavg()[0]:.1f}")
    for error in dict.fromkeys(errors):
        print(f"        error x{errors.count(error)}: {error[:200]}")
    return ok


def measure(
    name: str, url: str, root: Path, sampler: TreeSampler, n: int, args: argparse.Namespace
) -> tuple[bool, list[Result]]:
    """N people on the app of ``root`` at ``url``: print the figures; (target met, each person's results)."""
    sampler.peak = sampler.rss()
    cpu_before = sampler.cpu_seconds()
    started = time.monotonic()
    at_go: dict[str, Any] = {}

    def start_line(at: dict[str, Any] = at_go) -> None:
        sampler.sample()
        at.update(time=time.monotonic(), cpu=sampler.cpu_seconds())

    results = asyncio.run(
        run_load(
            url,
            n,
            args.moves,
            args.duration,
            args.pause,
            args.protocol,
            on_go=start_line,
            root=root,
            loading=args.loading,
        )
    )
    sampler.sample()
    ended, cpu_after = time.monotonic(), sampler.cpu_seconds()
    cpu = {side: used - cpu_before[side] for side, used in cpu_after.items()}
    moving = None
    if at_go:
        moving = (ended - at_go["time"], {side: used - at_go["cpu"][side] for side, used in cpu_after.items()})
    print(f"[{name}] ", end="")
    return report(n, results, sampler.peak, ended - started, cpu, moving), results


def compare(rows: dict[int, dict[str, list[Result]]], names: list[str]) -> None:
    """The last table: per N and revision, moves, p50/p95/max latency and errors; ratio = old / new."""
    print(f"\n{'N':>4} {'revision':<10} {'moves':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'errors':>7}")
    for n, by_name in rows.items():
        figures = {}
        for name in names:
            latencies = [t for r in by_name[name] for t in r.latencies]
            errors = sum(len(r.errors) for r in by_name[name])
            figures[name] = (percentile(latencies, 50), percentile(latencies, 95))
            print(
                f"{n:4d} {name:<10} {len(latencies):6d} {figures[name][0]:7.2f} {figures[name][1]:7.2f} "
                f"{max(latencies, default=float('nan')):7.2f} {errors:7d}"
            )
        if len(names) == 2:
            (o50, o95), (n50, n95) = figures[names[0]], figures[names[1]]
            print(f"{n:4d} {'old / new':<10} {'':>6} {o50 / n50:7.2f} {o95 / n95:7.2f}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="*", type=int, default=[10, 20], help="concurrent people (default: 10 then 20)")
    parser.add_argument("--moves", type=int, default=20, help="slider moves per person (default 20)")
    parser.add_argument("--duration", type=float, default=60.0, help="moving time per person in seconds (default 60)")
    parser.add_argument(
        "--pause", type=float, default=0.3, help="mean pause after each redraw in seconds (default 0.3; see above)"
    )
    parser.add_argument("--protocol", action="store_true", help="websocket clients instead of Chromium pages")
    parser.add_argument("--loading", type=int, default=4, help="pages that load at once (default 4; not timed)")
    parser.add_argument("--baseline", help="a git revision to measure too, in the same run (see above)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="measure each N this many times, alternating which revision goes first"
    )
    args = parser.parse_args(argv)
    out = ROOT / "artifacts" / "load"
    out.mkdir(parents=True, exist_ok=True)
    all_ok = True
    with contextlib.ExitStack() as stack:
        roots = {"now": ROOT}
        if args.baseline:
            roots = {args.baseline: stack.enter_context(checkout(args.baseline)), **roots}
        servers = {
            name: stack.enter_context(
                streamlit_server(root=root, log=out / ("server.log" if name == "now" else "server-baseline.log"))
            )
            for name, root in roots.items()
        }
        pids = {name: proc.pid for name, (_, proc) in servers.items()}
        samplers = {
            name: stack.enter_context(TreeSampler(pid, others=tuple(p for k, p in pids.items() if k != name)))
            for name, pid in pids.items()
        }
        mode = "websocket clients (server-side latency)" if args.protocol else "Chromium pages (key press to redraw)"
        for name, (url, proc) in servers.items():
            rss = samplers[name].rss() / 2**20
            print(f"[{name}] server at {url}, pid {proc.pid}, RSS at start {rss:.0f} MB, serving {roots[name]}; {mode}")
        rows: dict[int, dict[str, list[Result]]] = {}
        for n in args.n:
            for turn in range(args.rounds):
                names = list(servers) if turn % 2 == 0 else list(servers)[::-1]
                for name in names:
                    ok, results = measure(name, servers[name][0], roots[name], samplers[name], n, args)
                    rows.setdefault(n, {}).setdefault(name, []).extend(results)
                    if name == "now":
                        all_ok &= ok
        compare(rows, list(roots))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
