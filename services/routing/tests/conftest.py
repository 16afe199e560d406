"""Routing's tables on a real SQLite file per test, fed through the real consumer wrapper and app."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.common.auth import mint_token
from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer
from switchboard.common.db import create_engine, session_factory
from switchboard.common.events.base import Envelope, Payload, make_envelope, parse_payload
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.streams import BusPolicy
from switchboard.common.uow import UnitOfWork
from switchboard.routing.config import RoutingSettings
from switchboard.routing.consumers import build_handlers
from switchboard.routing.flow.context import open_flow
from switchboard.routing.flow.generations import track_generations
from switchboard.routing.flow.hot import HotStates
from switchboard.routing.flow.timers import tick
from switchboard.routing.main import create_app
from switchboard.routing.models import Base, backbone

sys.path.insert(0, str(Path(__file__).parent))  # routing_scenarios, the shared test helpers


@pytest.fixture
def settings(tmp_path: Path) -> RoutingSettings:
    return RoutingSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
                           offer_timeout_seconds=20, missed_offers_before_not_ready=2,
                           profile_grace_seconds=2)


@pytest.fixture
async def sessions(settings: RoutingSettings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.resolved_database_url())
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    # as the service runs: each tenant's agents and tasks kept in memory between passes
    track_generations()
    hot = HotStates.keep_for(settings.resolved_database_url())
    yield session_factory(engine)
    hot.forget()
    await engine.dispose()


@pytest.fixture
def routing(sessions: async_sessionmaker[AsyncSession], settings: RoutingSettings) -> Consumer:
    bus = Bus("nats://127.0.0.1:1", "routing", BusPolicy(), [])  # never started: handle() needs no bus
    return Consumer(EventConsumer("routing", bus, sessions, backbone, build_handlers(settings),
                                  max_deliver=5), sessions, settings)


@pytest.fixture(params=["aiosqlite", "one thread hop"])
def batched(request: pytest.FixtureRequest, sessions: async_sessionmaker[AsyncSession],
                  settings: RoutingSettings) -> Iterator[Consumer]:
    """Routing's consumer with batches on the async session, and in one thread hop as the service
    runs them on SQLite (a synchronous session in a worker thread)."""
    threaded = (ThreadedSqlite(settings.resolved_database_url(), hold=sessions.kw["bind"])
                if request.param == "one thread hop" else None)
    bus = Bus("nats://127.0.0.1:1", "routing", BusPolicy(), [])
    yield Consumer(EventConsumer("routing", bus, sessions, backbone, build_handlers(settings),
                                 max_deliver=5, batches_in_thread=threaded), sessions, settings)
    if threaded is not None:
        threaded.close()


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.getMessage()} {getattr(record, 'fields', '')}")


class Consumer:
    """Feeds events to routing's handlers and runs its timers at a chosen instant."""

    def __init__(self, consumer: EventConsumer, sessions: async_sessionmaker[AsyncSession],
                 settings: RoutingSettings) -> None:
        self.consumer, self.sessions, self.settings = consumer, sessions, settings

    async def send(self, payload: Payload, tenant: str = "acme", subject: str = "c1") -> Envelope:
        envelope = make_envelope(payload, tenant=tenant, source=payload.service, subject=subject,
                                 correlation_id="corr-1")
        await self.consumer.handle(envelope)
        return envelope

    async def send_batch(self, payloads: list[tuple[Payload, str]], tenant: str = "acme") -> list[Envelope]:
        """Events of one type as one fetch delivers them: one transaction, through the real wrapper."""
        envelopes = [make_envelope(p, tenant=tenant, source=p.service, subject=subject,
                                   correlation_id=f"corr-{subject}") for p, subject in payloads]
        failures = _Recorder()
        consumer_log = logging.getLogger("switchboard.common.consumer")
        consumer_log.addHandler(failures)
        try:
            outcomes = await self.consumer.handle_batch(envelopes)
        finally:
            consumer_log.removeHandler(failures)
        assert outcomes == [True] * len(envelopes), outcomes
        # A failed batch is retried one event at a time and still succeeds: that must not hide.
        assert not failures.messages, failures.messages
        return envelopes

    async def envelopes(self, name: str) -> list[Envelope]:
        async with self.sessions() as session:
            rows = await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))
            envelopes = [Envelope.model_validate_json(row.envelope) for row in rows]
        return [e for e in envelopes if e.type.startswith(f"sb.routing.{name}.")]

    async def tick(self, at: datetime, tenant: str = "acme") -> None:
        async with UnitOfWork(self.sessions, backbone, "routing") as uow:
            uow.scope_to(tenant)
            await tick(await open_flow(uow, tenant, at, self.settings))
            await uow.commit()

    async def events(self, name: str | None = None) -> list[Any]:
        async with self.sessions() as session:
            rows = await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))
            envelopes = [Envelope.model_validate_json(row.envelope) for row in rows]
        payloads = [parse_payload(e) for e in envelopes]
        return [p for p in payloads if name is None or p.name == name]


@pytest.fixture
async def api(settings: RoutingSettings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Api]:
    """The real routing app in-process on the same database (its bus and timers are never started)."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://routing") as client:
        yield Api(client, settings)
    await app.state.runtime.engine.dispose()


class Api:
    """Signs a token for the tenant, roles and subject of each call."""

    def __init__(self, client: httpx.AsyncClient, settings: RoutingSettings) -> None:
        self.client, self.settings = client, settings

    async def call(self, method: str, path: str, *, tenant: str = "acme", roles: tuple[str, ...] = ("admin",),
                   subject: str = "boss", **kwargs: Any) -> httpx.Response:
        token = mint_token(self.settings, tenant=tenant, subject=subject, roles=list(roles))
        return await self.client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = await self.call(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    async def as_agent(self, agent_id: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.call(method, path, roles=("agent",), subject=agent_id, **kwargs)
