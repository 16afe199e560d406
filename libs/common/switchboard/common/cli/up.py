"""`switchboard up`: NATS, migrations, all five services and the console on one machine."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

from switchboard.common.auth import mint_token
from switchboard.common.launcher import (
    CONSOLE_PORT,
    SERVICE_PORTS,
    NatsServer,
    ServiceProcess,
    console_env,
    free_port,
    peer_env,
)
from switchboard.common.settings import ServiceSettings

NATS_DEFAULT_PORT = 4222


class _Stop(Exception):
    pass


def _raise_stop(_signum: int, _frame: object) -> None:
    raise _Stop


def up(var_dir: Path, tenant: str) -> int:
    started = time.monotonic()
    var_dir.mkdir(parents=True, exist_ok=True)
    nats: NatsServer | None = None
    services: list[ServiceProcess] = []
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        nats_url = os.environ.get("NATS_URL")
        if not nats_url:
            nats = NatsServer(var_dir / "nats", port=free_port(NATS_DEFAULT_PORT)).start()
            nats_url = nats.url
        env = {"NATS_URL": nats_url, "SB_VAR_DIR": str(var_dir)}
        ports = {name: free_port(port) for name, port in SERVICE_PORTS.items()}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        services = [
            ServiceProcess(name, port, {**env, **peer_env(name, urls)}, var_dir / "logs" / f"{name}.log")
            for name, port in ports.items()
        ]
        print(f"migrating and starting {len(services)} services ...", flush=True)
        for service in services:
            service.start(migrate=True)  # each migrates its own database, then serves
        for service in services:
            service.wait_ready(60)
        console = ServiceProcess("console", free_port(CONSOLE_PORT), {**env, **console_env(services)},
                                 var_dir / "logs" / "console.log")
        services.append(console.start())
        console.wait_ready(30)
        _write_urls(var_dir, nats_url, services)
        _print_ready(nats_url, services, tenant, time.monotonic() - started, var_dir)
        _supervise(services)
    except (KeyboardInterrupt, _Stop):
        print("\nstopping ...", flush=True)
    except (RuntimeError, TimeoutError) as exc:
        print(f"switchboard up failed: {exc}", file=sys.stderr)
        return 1
    finally:
        for service in services:
            service.stop()
        if nats is not None:
            nats.stop()
    print("stopped.")
    return 0


def _supervise(services: list[ServiceProcess]) -> None:
    while True:
        time.sleep(0.5)
        for service in services:
            if service.proc is not None and service.proc.poll() is not None:
                raise RuntimeError(
                    f"{service.name} exited with {service.proc.returncode}; see {service.log_path}"
                )


def _write_urls(var_dir: Path, nats_url: str, services: list[ServiceProcess]) -> None:
    """`var/urls.json`: where the running platform is, for `make demo` and other tools."""
    urls = {"nats": nats_url, **{service.name: service.url for service in services}}
    (var_dir / "urls.json").write_text(json.dumps(urls, indent=2) + "\n")


def _print_ready(
    nats_url: str, services: list[ServiceProcess], tenant: str, seconds: float, var_dir: Path
) -> None:
    token = mint_token(ServiceSettings(), tenant=tenant, subject="dev-admin",
                       roles=["admin", "supervisor", "agent", "evaluator"])
    print(f"\nSwitchboard is up in {seconds:.1f}s (Ctrl-C stops everything)\n")
    print(f"  {'NATS':<10} {nats_url}")
    for service in services[:-1]:
        print(f"  {service.name:<10} {service.url}   docs {service.url}/docs")
    console = services[-1]
    print(f"\n  console    {console.url}   sign in to tenant {tenant!r} as admin / switchboard")
    print("  demo       make demo   (traffic for the wallboard; see docs/demo.md)")
    print(f"\n  data and logs: {var_dir}/")
    print(f"\n  development token (tenant {tenant!r}, all roles, 12 h):\n  {token}\n", flush=True)
