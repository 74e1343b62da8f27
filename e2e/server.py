"""Start ``streamlit run app.py`` on a free localhost port and wait until it is healthy."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    """Poll ``{url}/_stcore/health`` until it answers ``ok`` (or raise TimeoutError).

    With ``proc``, a server process that exits while starting raises RuntimeError at once
    instead of after the whole timeout.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"Streamlit exited with code {proc.returncode} before it became healthy")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
            if reply.status == 200:
                return
        time.sleep(0.25)
    raise TimeoutError(f"Streamlit at {url} did not become healthy in {timeout:.0f} s")


@contextlib.contextmanager
def streamlit_server(
    port: int | None = None,
    log: Path | None = None,
    *,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
    root: Path = ROOT,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run the app in a child process for the duration of the ``with`` block; yields (url, process).

    ``extra_args`` are further ``streamlit run`` flags (e.g. ``--client.showErrorDetails=full`` so a
    failing browser test shows the traceback); ``env`` adds environment variables; ``root`` is the
    checkout whose ``app.py`` runs (a benchmark may serve an older revision beside this one).
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    if log:
        log.parent.mkdir(parents=True, exist_ok=True)
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(root / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *extra_args,
    ]
    proc = subprocess.Popen(cmd, cwd=root, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_healthy(url, timeout, proc)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()  # type: ignore[union-attr]
