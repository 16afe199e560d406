"""The command line of one service process: `python -m switchboard.<service> [serve|migrate]`.

`serve --migrate` migrates first in the same process: `switchboard up` uses it
to start each service with one interpreter start-up instead of two. In
Kubernetes the init container runs `migrate` and the container `serve`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from switchboard.common.migrations import upgrade
from switchboard.common.settings import ServiceSettings


def service_main(
    package: str,
    settings_factory: Callable[[], ServiceSettings],
    app_factory: Callable[[ServiceSettings], FastAPI],
    migrations: bool = True,
) -> None:
    """`migrations=False` for a process without a database of its own (the console)."""
    parser = argparse.ArgumentParser(prog=f"python -m {package}")
    parser.add_argument("command", choices=["serve", "migrate"], nargs="?", default="serve")
    parser.add_argument("--migrate", action="store_true", help="serve: run the migrations first")
    args = parser.parse_args()
    settings = settings_factory()
    if migrations and (args.command == "migrate" or args.migrate):
        upgrade(package, settings.resolved_database_url())
    if args.command == "migrate":
        return
    uvicorn.run(
        app_factory(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
