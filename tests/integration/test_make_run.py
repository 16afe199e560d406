"""`switchboard up` (what `make run` runs) starts everything and stops everything."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from switchboard.common.launcher import port_is_free
from switchboard.common.testing import backend

# `switchboard up` always runs the embedded default (SQLite under var/), whatever the run's backend.
pytestmark = pytest.mark.skipif(backend() == "postgres", reason="make run is SQLite: proved in make test")


@pytest.fixture
def port_4222_taken() -> Iterator[None]:
    """Another NATS (or anything) already listens on 4222, as on many machines."""
    if not port_is_free(4222):
        yield
        return
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", 4222))
    blocker.listen()
    try:
        yield
    finally:
        blocker.close()


def test_up_starts_five_ready_services_and_ctrl_c_leaves_no_process(
    tmp_path: Path, port_4222_taken: None
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
    up = subprocess.Popen(
        [sys.executable, "-m", "switchboard.common.cli.main", "up", "--var", str(tmp_path / "var")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    lines: list[str] = []
    assert up.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = up.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "development token" in line:
            lines.append(up.stdout.readline())
            break
    output = "".join(lines)
    assert "Switchboard is up" in output, output
    urls = [word for line in lines for word in line.split() if word.startswith("http://")]
    service_urls = [u for u in urls if not u.endswith("/docs")]
    assert len(service_urls) == 6, "five services and the console"
    nats_line = next(line for line in lines if line.strip().startswith("NATS"))
    assert not nats_line.strip().endswith(":4222"), "it picked its own port beside the taken 4222"
    for url in service_urls:
        assert httpx.get(f"{url}/readyz", timeout=5).status_code == 200
    children = psutil.Process(up.pid).children(recursive=True)
    assert len(children) >= 7, "nats-server, five services and the console"
    for name in ("ingest", "profile", "routing", "campaign", "qa"):
        assert (tmp_path / "var" / f"{name}.db").exists(), f"{name} has its own SQLite file"
    urls_file = json.loads((tmp_path / "var" / "urls.json").read_text())
    assert sorted(urls_file) == ["campaign", "console", "ingest", "nats", "profile", "qa", "routing"]
    console = urls_file["console"]
    assert httpx.get(f"{console}/sign-in", timeout=5).status_code == 200
    signed_out = httpx.get(f"{console}/agent", timeout=5, follow_redirects=False)
    assert signed_out.headers["location"] == "/sign-in?next=/agent"

    up.send_signal(signal.SIGINT)
    assert up.wait(60) == 0
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], f"orphans left behind: {alive}"
