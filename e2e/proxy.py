"""HAProxy from ``deploy/haproxy.cfg`` in front of ``streamlit run`` processes on loopback ports.

The deployed file finds its replicas through Docker's DNS; here the same file is rewritten for
one machine: the ``resolvers`` section goes, the frontend binds a free loopback port and the
``server-template`` line becomes one ``server`` line per local Streamlit port. Everything else
(cookie stickiness, WebSocket timeouts, health checks, the replica header) is the deployed text,
so the stickiness test and ``benchmarks/replicas.py`` exercise the file that ships.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from e2e.server import ROOT, free_port, wait_healthy

DEPLOYED_CONFIG = ROOT / "deploy" / "haproxy.cfg"
REPLICA_HEADER = "X-Descent-Replica"
"""The response header naming the replica that answered (set by the deployed config)."""
COOKIE = "DESCENTLAB"
"""The stickiness cookie's name (the deployed config's ``cookie`` line)."""


def haproxy_path() -> str:
    """Path of the ``haproxy`` binary (Debian's package); FileNotFoundError when it is missing."""
    path = shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None
    )
    if not path:
        raise FileNotFoundError("HAProxy is not installed: run `apt-get install -y haproxy`")
    return path


def local_config(backend_ports: Sequence[int], listen_port: int, text: str | None = None) -> str:
    """The deployed config with its replicas replaced by ``127.0.0.1:<port>`` servers ``app1``, ``app2``, ..."""
    text = DEPLOYED_CONFIG.read_text() if text is None else text
    text = re.sub(r"(?ms)^resolvers .*?(?=^\S|\Z)", "", text)
    text, binds = re.subn(r"(?m)^(\s+)bind \S+", rf"\g<1>bind 127.0.0.1:{listen_port}", text)
    match = re.search(r"(?m)^(\s+)server-template \S+ \S+ \S+ (.*)$", text)
    if binds != 1 or not match:
        raise ValueError("deploy/haproxy.cfg no longer has one bind line and one server-template line")
    indent, options = match.group(1), re.sub(r"\s*\b(resolvers \S+|init-addr \S+)", "", match.group(2))
    servers = "\n".join(
        f"{indent}server app{i} 127.0.0.1:{port} {options}" for i, port in enumerate(backend_ports, start=1)
    )
    return text[: match.start()] + servers + text[match.end() :]


def check_config(path: Path) -> subprocess.CompletedProcess:
    """``haproxy -c -f path``: HAProxy's own syntax and sanity check (exit code 0 when valid)."""
    return subprocess.run([haproxy_path(), "-c", "-f", str(path)], capture_output=True, text=True, timeout=60)


@contextlib.contextmanager
def haproxy(
    backend_ports: Sequence[int], log: Path | None = None, timeout: float = 60.0, port: int | None = None
) -> Iterator[str]:
    """Run HAProxy in the foreground in front of ``backend_ports`` for the ``with`` block; yields its URL.

    Its log (one line per request, naming the server that answered) goes to ``log``. ``port``
    (default: a free one) lets a restarted proxy take over its predecessor's address.
    """
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="descent-haproxy-") as folder:
        config = Path(folder) / "haproxy.cfg"
        config.write_text(local_config(backend_ports, port))
        out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
        proc = subprocess.Popen([haproxy_path(), "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, timeout, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            if log:
                out.close()  # type: ignore[union-attr]
