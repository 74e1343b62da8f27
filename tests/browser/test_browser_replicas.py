"""Two replicas behind HAProxy (deploy/haproxy.cfg): a browser's session stays on its replica.

Streamlit keeps a session in the memory of the process that opened it; a request that lands on
the other replica finds no such session (its widget values, session_state and files are gone).
Here two ``streamlit run`` processes run on loopback ports behind HAProxy configured from the
deployed file (:mod:`e2e.proxy`), and a Chromium page works the Playground through the proxy:
every HTTP reply it gets and its WebSocket must come from one replica, routed there by the
cookie, while the slider keeps its value across many reruns; and when the proxy restarts under
an open page (its WebSocket drops), the page's new WebSocket goes back to the same replica, where
its session is. Controls: requests without the cookie are spread over both replicas, and
requests with the page's cookie all go to its replica.

Without HAProxy (``apt-get install -y haproxy``; scripts/test.sh installs it) the test skips,
except in CI, where it fails.
"""

from __future__ import annotations

import collections
import contextlib
import re
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from e2e.browser import IDLE
from e2e.proxy import COOKIE, REPLICA_HEADER, haproxy, haproxy_path
from e2e.server import free_port
from tests.browser.conftest import in_ci, require_chromium
from tests.browser.pw_helpers import ARTIFACTS, SERVER_FLAGS, VIEWPORT, BrowserSession, nudge_lr, open_playground

pytestmark = pytest.mark.browser

MOVES = 6
"""Reruns the page asks for (each one ArrowRight on the lr slider)."""


def require_haproxy() -> None:
    """Skip (or, in CI, fail) without Debian's HAProxy."""
    try:
        haproxy_path()
    except FileNotFoundError as err:
        message = f"the replica test needs HAProxy (apt-get install -y haproxy): {err}"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


class Proxy:
    """HAProxy in front of the two replicas, restartable on the same address (a fresh log each time)."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.starts = 0
        self.log = ARTIFACTS / "haproxy.log"
        self._running: contextlib.AbstractContextManager | None = None

    def start(self) -> None:
        """Start HAProxy; its log goes to ``haproxy.log``, then ``haproxy-2.log``, ... (:attr:`log`)."""
        self.starts += 1
        self.log = ARTIFACTS / ("haproxy.log" if self.starts == 1 else f"haproxy-{self.starts}.log")
        self._running = haproxy(self.ports, log=self.log, port=self.port)
        self._running.__enter__()

    def stop(self) -> None:
        """Stop HAProxy: every open connection through it drops."""
        if self._running is not None:
            self._running.__exit__(None, None, None)
            self._running = None


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    """HAProxy in front of two app processes sharing one compilation cache."""
    require_chromium()
    require_haproxy()
    from e2e.server import streamlit_server

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        cache = stack.enter_context(tempfile.TemporaryDirectory(prefix="descent-jax-cache-"))
        ports = []
        for i in (1, 2):
            url, _ = stack.enter_context(
                streamlit_server(
                    log=ARTIFACTS / f"replica{i}.log", extra_args=SERVER_FLAGS, env={"DESCENT_LAB_JAX_CACHE": cache}
                )
            )
            ports.append(int(url.rsplit(":", 1)[1]))
        running = Proxy(ports)
        running.start()
        try:
            yield running
        finally:
            running.stop()


def replica_of(url: str, cookie: str | None = None) -> str:
    """The replica that answers a GET of ``url`` (HAProxy's reply header), sending ``cookie`` if given."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.headers[REPLICA_HEADER]


def log_lines(log: Path, since: int) -> list[tuple[str, str, str]]:
    """(server, cookie flags, request) of each HAProxy log line from byte ``since`` on.

    HAProxy's HTTP log has the termination state's 4 characters after the headers' fields: the
    third says what the request's cookie did (``V``: a valid cookie chose the server; ``N``: none).
    """
    with open(log, "rb") as f:
        f.seek(since)
        text = f.read().decode(errors="replace")
    pattern = r" web streamlit/(\S+) \S+ \d+ \d+ \S+ \S+ (\S{4}) .*?\"(\w+ \S+)"
    return [m.groups() for m in map(re.compile(pattern).search, text.splitlines()) if m]


def test_a_session_stays_on_its_replica(browser: Any, proxy: Proxy) -> None:
    url, log = proxy.url, proxy.log
    since = log.stat().st_size
    context = browser.new_context(viewport=VIEWPORT)
    session = BrowserSession(context=context, url=url)
    answered: list[tuple[str, str]] = []
    sockets: list[str] = []
    try:
        page = session.new_page()
        page.on("response", lambda r: answered.append((r.url, r.headers.get(REPLICA_HEADER.lower(), ""))))
        page.on("websocket", lambda ws: sockets.append(ws.url))
        open_playground(page, url)
        values = [float(nudge_lr(page)) for _ in range(MOVES)]
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        session.screenshot("replicas-sticky")
    finally:
        context.close()
    assert not session.errors, session.errors
    # The slider kept its value across every rerun: each press moved it one option further.
    assert values == sorted(values) and len(set(values)) == MOVES, values
    assert COOKIE in cookies, f"HAProxy set no {COOKIE} cookie: {sorted(cookies)}"
    assert sockets and all("/_stcore/stream" in s for s in sockets), sockets
    # Every reply over the network (blob: URLs are the page's own memory, never sent anywhere).
    replicas = collections.Counter(replica for address, replica in answered if address.startswith(url))
    assert len(replicas) == 1 and "" not in replicas, f"the page's replies came from {dict(replicas)}: {answered}"
    (home,) = replicas
    time.sleep(1.0)  # HAProxy logs a WebSocket once it has closed
    lines = log_lines(log, since)
    streams = [(server, flags) for server, flags, request in lines if request.endswith("/_stcore/stream")]
    assert streams, "no WebSocket in HAProxy's log"
    assert {server for server, _ in streams} == {home}, streams
    assert all(flags[2] == "V" for _, flags in streams), f"a WebSocket was not routed by its cookie: {streams}"
    assert {server for server, _, _ in lines} == {home}, collections.Counter(s for s, _, _ in lines)
    # Control: with the page's cookie, plain requests go to its replica too; without it, to both.
    health = f"{url}/_stcore/health"
    assert {replica_of(health, f"{COOKIE}={cookies[COOKIE]}") for _ in range(6)} == {home}
    assert {replica_of(health) for _ in range(6)} == {"app1", "app2"}


def test_a_reconnecting_session_goes_back_to_its_replica(browser: Any, proxy: Proxy) -> None:
    """The proxy restarts under an open page: its WebSocket drops, and the page reconnects to the same
    replica (by its cookie), where its session still is, and goes on answering moves."""
    context = browser.new_context(viewport=VIEWPORT)
    answered: list[tuple[str, str]] = []
    sockets: list[Any] = []
    uncaught: list[str] = []
    try:
        page = context.new_page()
        page.on("response", lambda r: answered.append((r.url, r.headers.get(REPLICA_HEADER.lower(), ""))))
        page.on("websocket", lambda ws: sockets.append(ws.url))
        page.on("pageerror", lambda error: uncaught.append(str(error)))
        open_playground(page, proxy.url)
        before = float(nudge_lr(page))
        homes = {replica for address, replica in answered if address.startswith(proxy.url)}
        assert len(homes) == 1, homes
        proxy.stop()
        proxy.start()
        deadline = time.monotonic() + 120
        while len(sockets) < 2 and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert len(sockets) >= 2, "the page did not open a new WebSocket after the proxy restarted"
        page.wait_for_selector(IDLE)
        after = float(nudge_lr(page))
        session_screenshot = ARTIFACTS / "replicas-reconnected.png"
        page.screenshot(path=str(session_screenshot), full_page=True)
    finally:
        context.close()
    assert not uncaught, uncaught
    assert after > before
    time.sleep(1.0)  # HAProxy logs a WebSocket once it has closed
    streams = [
        (server, flags) for server, flags, request in log_lines(proxy.log, 0) if request.endswith("/_stcore/stream")
    ]
    assert streams, "no WebSocket in the restarted proxy's log"
    assert {server for server, _ in streams} == homes, streams
    assert all(flags[2] == "V" for _, flags in streams), f"the new WebSocket was not routed by its cookie: {streams}"
