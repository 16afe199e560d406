"""The running parts of one service, built by its `main.py` and started by the app.

Nothing connects at import time: `Runtime.build` only constructs; `start`
(from the app's lifespan) connects the bus and starts the relay and consumers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from switchboard.common.auth import Principal, TokenVerifier, current_principal
from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer, HandlerMap
from switchboard.common.db import (
    BackboneTables,
    create_engine,
    is_sqlite,
    normalize_url,
    session_factory,
)
from switchboard.common.outbox import OutboxRelay
from switchboard.common.settings import ServiceSettings
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.streams import BusPolicy, consumer_specs
from switchboard.common.uow import UnitOfWork


@dataclass
class Runtime:
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    backbone: BackboneTables
    bus: Bus
    relay: OutboxRelay
    consumer: EventConsumer
    verifier: TokenVerifier
    extras: dict[str, object] = field(default_factory=dict)

    @classmethod
    def build(
        cls, settings: ServiceSettings, backbone: BackboneTables, handlers: HandlerMap
    ) -> Runtime:
        service = settings.service_name
        engine = create_engine(
            settings.resolved_database_url(), sqlite_synchronous=settings.sqlite_synchronous
        )
        sessions = session_factory(engine)
        policy = BusPolicy(
            replicas=settings.stream_replicas,
            duplicate_window_seconds=settings.duplicate_window_seconds,
            max_deliver=settings.max_deliver,
        )
        specs = consumer_specs(service, handlers.handled())
        bus = Bus(settings.nats_url, service, policy, specs, publish_window=settings.outbox_window,
                  user=settings.nats_user, password=settings.nats_password)
        relay = OutboxRelay(
            service,
            engine,
            sessions,
            backbone,
            bus,
            batch_size=settings.outbox_window,
            sweep_seconds=settings.outbox_sweep_seconds,
        )
        url = settings.resolved_database_url()
        # SQLite: a batch handler's transaction runs in one thread hop (sqlite_thread.py)
        threaded = (ThreadedSqlite(url, settings.sqlite_synchronous, hold=engine)
                    if is_sqlite(normalize_url(url)) and handlers.has_batches() else None)
        consumer = EventConsumer(
            service,
            bus,
            sessions,
            backbone,
            handlers,
            max_deliver=settings.max_deliver,
            concurrency=settings.consumer_concurrency,
            on_commit=relay.wake,
            batches_in_thread=threaded,
        )
        return cls(settings, engine, sessions, backbone, bus, relay, consumer, TokenVerifier(settings))

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(
            self.sessions, self.backbone, self.settings.service_name, on_commit=self.relay.wake
        )

    async def start(self) -> None:
        self.bus.start()
        self.relay.start()
        self.consumer.start()

    async def stop(self) -> None:
        await self.consumer.stop()
        await self.relay.stop()
        await self.bus.close()
        self.consumer.close()
        await self.engine.dispose()

    async def database_ok(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - readiness reports, it does not raise
            return False


async def get_runtime(request: Request) -> Runtime:
    """The app's runtime (a dependency). `async` on purpose: FastAPI runs a plain-function
    dependency in a worker thread, one thread hop per request for a dictionary read."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def tenant_uow(
    principal: Annotated[Principal, Depends(current_principal)],
    runtime: Annotated[Runtime, Depends(get_runtime)],
) -> AsyncIterator[UnitOfWork]:
    """A unit of work scoped to the caller's tenant. The endpoint commits it; if it
    does not (or raises), everything is rolled back."""
    async with runtime.unit_of_work() as uow:
        uow.scope_to(principal.tenant)
        yield uow
