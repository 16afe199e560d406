"""`python -m switchboard.console.demo`: traffic for the wallboard, against the running platform."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

import httpx

from switchboard.common.launcher import SERVICE_PORTS
from switchboard.console.demo.api import DemoError
from switchboard.console.demo.config import DemoConfig, service_urls
from switchboard.console.demo.run import run


def parse_args(argv: list[str] | None = None) -> DemoConfig:
    parser = argparse.ArgumentParser(
        prog="python -m switchboard.console.demo",
        description="Customers on SMS, email, chat and voice, simulated agents and an outbound campaign, "
                    "against a running Switchboard (see docs/demo.md).")
    parser.add_argument("--tenant", default="demo", help="the tenant to set up and drive")
    parser.add_argument("--rate", type=float, default=20.0, help="new contacts per minute (Poisson)")
    parser.add_argument("--agents", type=int, default=10, help="simulated agents sim-agent-1..N (1-50)")
    parser.add_argument("--duration", type=float, default=None, help="seconds to run (default: until Ctrl-C)")
    parser.add_argument("--seed", type=int, default=None, help="seeds the random choices")
    parser.add_argument("--handle", type=float, default=30.0, help="mean handle time in seconds")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between status lines")
    parser.add_argument("--token", default=os.environ.get("SB_TOKEN"),
                        help="an admin token for the tenant (default: minted with the local dev secret)")
    for name in SERVICE_PORTS:
        parser.add_argument(f"--{name}-url", dest=f"{name}_url", default=None,
                            help=f"default: $SB_{name.upper()}_URL, var/urls.json, "
                                 f"else port {SERVICE_PORTS[name]}")
    args = parser.parse_args(argv)
    if not 1 <= args.agents <= 50:
        parser.error("--agents must be from 1 to 50")
    if args.rate <= 0 or args.handle <= 0 or args.every <= 0:
        parser.error("--rate, --handle and --every must be positive")
    urls = service_urls({name: getattr(args, f"{name}_url") for name in SERVICE_PORTS})
    return DemoConfig(tenant=args.tenant, urls=urls, rate_per_minute=args.rate, agents=args.agents,
                      duration_seconds=args.duration, seed=args.seed, handle_seconds=args.handle,
                      report_every=args.every, token=args.token)


async def _until_signalled(config: DemoConfig) -> None:
    """Ctrl-C and SIGTERM both stop the run cleanly: agents sign out, callers hang up."""
    main = asyncio.current_task()
    assert main is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, main.cancel)
    try:
        await run(config, out=lambda line: print(line, flush=True))
    except asyncio.CancelledError:
        print("\nstopped.", flush=True)
        return
    print("done.", flush=True)


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    print(f"simulating tenant {config.tenant!r} at {config.rate_per_minute:g} contacts/min with "
          f"{config.agents} agents; ingest at {config.url('ingest')} (Ctrl-C stops)", flush=True)
    try:
        asyncio.run(_until_signalled(config))
    except DemoError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    except httpx.TransportError as exc:
        print(f"demo failed: cannot reach {exc.request.url} ({exc}); is `make run` running?", file=sys.stderr)
        return 1
    return 0
