"""Replicas behind HAProxy: does a second ``streamlit run`` process serve twice the class?

Usage::

    flock /tmp/descent-bench.lock .venv/bin/python -m benchmarks.replicas
    .venv/bin/python -m benchmarks.replicas --n 20 40 --capacity 10 20 30 40 --moves 20

Starts two Streamlit processes on loopback ports (sharing one JAX compilation cache folder,
as the replicas of ``deploy/compose.yaml`` share one volume) and two HAProxy processes
configured from ``deploy/haproxy.cfg`` (:mod:`e2e.proxy`): one sends everybody to replica 1,
the other spreads sessions over both. It then runs ``benchmarks.load_test``'s websocket clients
(``--protocol``: Streamlit's own protocol, no browsers, so the host's CPU goes to the servers)
through them: each N of ``--n`` on 1 and right after on 2 replicas, and each N of
``--capacity`` on 1 replica, to find how many sessions one replica holds at p95 <= 2 s.

Printed: per (replicas, N) the moves measured, p50/p95/max of the move latency (request to
the script's "finished" message), errors, how the sessions split between the replicas (from
HAProxy's log: one line per WebSocket, naming its replica), the largest replica's peak RSS, and
the host's load average before and after; then the ratio 1 replica : 2 replicas of p50 and p95
at each N of ``--n`` (above 1: two replicas answer faster) and the largest N one replica held
within the target.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import load_test
from benchmarks.load_test import TARGET_P95_S, Result, TreeSampler, percentile
from e2e.proxy import haproxy
from e2e.server import ROOT, streamlit_server


def sessions_per_replica(log: Path, since: int) -> collections.Counter:
    """WebSocket sessions per replica in HAProxy's log from byte ``since`` on (one line per closed socket)."""
    with open(log, "rb") as f:
        f.seek(since)
        lines = f.read().decode(errors="replace").splitlines()
    found = (re.search(r" streamlit/(\S+) .*\"GET /_stcore/stream", line) for line in lines)
    return collections.Counter(m.group(1) for m in found if m)


def measure(url: str, n: int, args: argparse.Namespace) -> tuple[list[Result], dict[str, float]]:
    """N protocol clients through the proxy; their results and the host's state around the run."""
    psutil.cpu_percent()  # start the host-wide CPU counter
    before = os.getloadavg()[0]
    started = time.monotonic()
    results = asyncio.run(load_test.run_load(url, n, args.moves, args.duration, args.pause, protocol=True))
    host = {
        "load_before": before,
        "load_after": os.getloadavg()[0],
        "host_cpu": psutil.cpu_percent(),
        "wall": time.monotonic() - started,
    }
    return results, host


def row(
    replicas: int, n: int, results: list[Result], host: dict[str, float], split: str, peak_mb: float
) -> tuple[float, float, int]:
    """Print one table row; (p50, p95, errors)."""
    latencies = [t for r in results for t in r.latencies]
    errors = sum(len(r.errors) for r in results)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    print(
        f"{replicas:8d} {n:4d} {len(latencies):6d} {p50:7.2f} {p95:7.2f} {max(latencies, default=float('nan')):7.2f} "
        f"{errors:7d}  {split:<9} {peak_mb:8.0f} {host['load_before']:5.1f} -> {host['load_after']:4.1f} "
        f"{host['host_cpu']:5.0f}% {host['wall']:5.0f}",
        flush=True,
    )
    for message in dict.fromkeys(e for r in results for e in r.errors):
        print(f"         error: {message[:160]}")
    return p50, p95, errors


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", nargs="+", type=int, default=[20, 40], help="sessions on 1 and 2 replicas")
    parser.add_argument("--capacity", nargs="*", type=int, default=[10, 30], help="further sessions on 1 replica")
    parser.add_argument("--moves", type=int, default=20, help="slider moves per session (default 20)")
    parser.add_argument("--duration", type=float, default=60.0, help="moving time per session, s (default 60)")
    parser.add_argument("--pause", type=float, default=0.3, help="mean pause after each reply, s (default 0.3)")
    args = parser.parse_args(argv)
    out = ROOT / "artifacts" / "replicas"
    out.mkdir(parents=True, exist_ok=True)
    print(f"host: {psutil.cpu_count()} cores, load average {os.getloadavg()} at start")
    figures: dict[tuple[int, int], tuple[float, float, int]] = {}
    with contextlib.ExitStack() as stack:
        cache = stack.enter_context(tempfile.TemporaryDirectory(prefix="descent-jax-cache-"))
        env = {"DESCENT_LAB_JAX_CACHE": cache}
        servers = [stack.enter_context(streamlit_server(log=out / f"replica{i}.log", env=env)) for i in (1, 2)]
        ports = [int(url.rsplit(":", 1)[1]) for url, _ in servers]
        samplers = [stack.enter_context(TreeSampler(proc.pid, every=0.5)) for _, proc in servers]
        header = f"{'replicas':>8} {'N':>4} {'moves':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'errors':>7}  "
        header += f"{'sessions':<9} {'peak MB':>8} {'load before -> after':>20} {'host CPU':>8} {'wall s':>6}"
        logs = {replicas: out / f"haproxy-{replicas}.log" for replicas in (1, 2)}
        proxies = {replicas: stack.enter_context(haproxy(ports[:replicas], log=logs[replicas])) for replicas in (1, 2)}
        for replicas, url in proxies.items():
            # Warm-up, not measured: every replica compiles its programs once (shared cache).
            asyncio.run(load_test.run_load(url, 2 * replicas, 2, 30.0, 0.1, protocol=True))
        print(header)
        # Each N on 1 replica and then at once on 2, so load from elsewhere that comes and goes
        # hits both alike (a shared host's load average moved between 5 and 13 within minutes).
        for n in sorted({*args.n, *args.capacity}):
            for replicas in (1, 2) if n in args.n else (1,):
                log = logs[replicas]
                since = log.stat().st_size
                for sampler in samplers:
                    sampler.peak = sampler.rss()
                results, host = measure(proxies[replicas], n, args)
                time.sleep(1.0)  # HAProxy logs a WebSocket when it closes
                split = sessions_per_replica(log, since)
                shares = "/".join(str(split[f"app{i}"]) for i in range(1, replicas + 1))
                peak = max(sampler.peak for sampler in samplers[:replicas]) / 2**20
                figures[(replicas, n)] = row(replicas, n, results, host, shares, peak)
    print("\nratio 1 replica : 2 replicas (above 1: two replicas answer faster)")
    for n in args.n:
        (o50, o95, _), (t50, t95, _) = figures[(1, n)], figures[(2, n)]
        print(f"  N={n:3d}: p50 {o50 / t50:.2f}, p95 {o95 / t95:.2f}")
    tried = sorted(n for replicas, n in figures if replicas == 1)
    held = [n for n in tried if figures[(1, n)][1] <= TARGET_P95_S and not figures[(1, n)][2]]
    print(
        f"one replica, largest N within p95 <= {TARGET_P95_S:g} s and no errors: {max(held, default=0)} (tried {tried})"
    )
    print(f"host load average at the end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
