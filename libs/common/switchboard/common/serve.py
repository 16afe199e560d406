"""The command line of one service process: `python -m switchboard.<service> [serve|migrate]`.

`serve --migrate` migrates first in the same process: `switchboard up` uses it
to start each service with one interpreter start-up instead of two. In
Kubernetes the init container runs `migrate` and the container `serve`.
"""

from __future__ import annotations

import argparse
import gc
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
    app = app_factory(settings)
    settle_the_heap(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def settle_the_heap(settings: ServiceSettings) -> None:
    """The garbage collector kept from pausing the process under load.

    A full collection walks every object the collector tracks, with the whole process held (the
    GIL): in routing at 200 contacts/s that was a pause of 100-160 ms every few seconds, in the
    middle of whatever batch, request or desktop round was in flight. What was built before
    serving (the modules, SQLAlchemy's and pydantic's models, the app: most of the objects, and
    they live as long as the process) is moved out of its sight (`gc.freeze`), and it looks at
    new objects after 5,000 allocations instead of 700, at older ones 20 times less often
    (`SB_GC_THRESHOLD`): the collector still frees every cycle, in fewer, shorter stops."""
    if settings.gc_threshold:
        gc.set_threshold(*gc_thresholds(settings.gc_threshold))
    if settings.gc_freeze:
        gc.collect()
        gc.freeze()


def gc_thresholds(text: str) -> tuple[int, ...]:
    """"5000,20,20" -> (5000, 20, 20); one to three positive counts."""
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        values = ()
    if not 1 <= len(values) <= 3 or any(value < 1 for value in values):
        raise ValueError(f"SB_GC_THRESHOLD: one to three positive counts separated by commas, not {text!r}")
    return values
