"""Composition root of routing: builds the runtime and the app; connects nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from switchboard.common.app import create_app as create_service_app
from switchboard.common.db import is_sqlite, normalize_url
from switchboard.common.runtime import Runtime
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.uow import UnitOfWork
from switchboard.routing.api import routers
from switchboard.routing.api.agents import DesktopSnapshots
from switchboard.routing.config import RoutingSettings
from switchboard.routing.consumers import build_handlers
from switchboard.routing.desktops import DesktopBell
from switchboard.routing.flow.generations import track_generations
from switchboard.routing.flow.hot import HotStates
from switchboard.routing.flow.timers import ThreadHop, Ticker
from switchboard.routing.models import backbone


def create_app(settings: RoutingSettings | None = None) -> FastAPI:
    settings = settings or RoutingSettings()
    bell = DesktopBell()  # wakes the agents' desktop feeds after this process's commits
    runtime = Runtime.build(settings, backbone, build_handlers(settings, bell))
    runtime.extras["desktop_bell"] = bell
    url = settings.resolved_database_url()
    sqlite = is_sqlite(normalize_url(url))
    track_generations()
    if settings.keep_state_in_memory:
        runtime.extras["hot_states"] = HotStates.keep_for(url)  # held as long as the app
    # SQLite: the feeds read a WAL snapshot on a connection of their own (desktops.py)
    snapshots = ThreadedSqlite(url, settings.sqlite_synchronous, begin="DEFERRED") if sqlite else None
    bell.attach(runtime.unit_of_work, DesktopSnapshots(), snapshots)
    app = create_service_app(
        runtime,
        title="Switchboard routing",
        description="The ACD: skills, queues, agent states, statistics, staffing.",
        routers=routers,
    )
    hop = timers_in_thread(runtime, url) if sqlite else None
    ticker = Ticker(runtime.unit_of_work, settings, bell, hop)
    runtime.extras["ticker"] = ticker
    service_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        async with service_lifespan(app_):
            ticker.start()  # after the runtime started; stopped before it stops
            try:
                yield
            finally:
                await ticker.stop()
                for threaded in (snapshots, hop.sqlite if hop else None):
                    if threaded is not None:
                        threaded.close()

    app.router.lifespan_context = lifespan
    return app


def timers_in_thread(runtime: Runtime, url: str) -> ThreadHop:
    """The timers' transactions in one thread hop each, holding the service's one connection."""
    threaded = ThreadedSqlite(url, runtime.settings.sqlite_synchronous, hold=runtime.engine)
    return ThreadHop(threaded, lambda emitted: UnitOfWork(threaded.sessions, runtime.backbone,
                                                          runtime.settings.service_name, emitted),
                     runtime.relay.wake)
