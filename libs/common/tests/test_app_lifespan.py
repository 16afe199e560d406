"""The app's lifespan runs a service's start-up and shut-down hooks around its runtime."""

from pathlib import Path

from switchboard.common.app import create_app
from switchboard.common.consumer import HandlerMap
from switchboard.common.db import BackboneTables, service_metadata
from switchboard.common.runtime import Runtime
from switchboard.common.settings import ServiceSettings


async def test_shutdown_hook_runs_after_startup_and_while_the_database_is_usable(tmp_path: Path) -> None:
    settings = ServiceSettings(service_name="probe", database_url=f"sqlite+aiosqlite:///{tmp_path}/p.db",
                               nats_url="nats://127.0.0.1:1")
    runtime = Runtime.build(settings, BackboneTables.define(service_metadata()), HandlerMap())
    calls: list[tuple[str, bool]] = []

    async def started(rt: Runtime) -> None:
        calls.append(("started", await rt.database_ok()))

    async def stopping(rt: Runtime) -> None:
        calls.append(("stopping", await rt.database_ok()))

    app = create_app(runtime, title="probe", description="", routers=[],
                     on_startup=started, on_shutdown=stopping)
    async with app.router.lifespan_context(app):
        assert calls == [("started", True)]
    assert calls == [("started", True), ("stopping", True)]
