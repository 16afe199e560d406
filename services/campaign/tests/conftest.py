"""Campaign on a real SQLite file per test: the app in-process (no lifespan: no bus, no loop),
the consumer wrapper's `handle`, and the scheduler's pass driven with a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.campaign.config import CampaignSettings
from switchboard.campaign.main import create_app
from switchboard.campaign.models import Base, backbone
from switchboard.campaign.scheduler import Scheduler
from switchboard.common.auth import mint_token
from switchboard.common.events.base import Envelope, Payload, make_envelope, parse_payload
from switchboard.common.runtime import Runtime

# Monday 2 March 2026, 10:00 in Shanghai
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = CampaignSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/campaign.db",
                                nats_url="nats://127.0.0.1:1")
    app = create_app(settings)
    rt: Runtime = app.state.runtime
    rt.extras["app"] = app
    async with rt.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield rt
    await rt.engine.dispose()


@pytest.fixture
def sessions(runtime: Runtime) -> async_sessionmaker[AsyncSession]:
    return runtime.sessions


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def scheduler(runtime: Runtime, clock: Clock) -> Scheduler:
    return Scheduler(runtime, interval=1.0, batch=100, clock=clock)


@pytest.fixture
async def api(runtime: Runtime) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def client(tenant: str = "acme", *roles: str, subject: str = "alice") -> httpx.AsyncClient:
        token = mint_token(runtime.settings, tenant=tenant, subject=subject,
                           roles=list(roles) or ["admin"])
        transport = httpx.ASGITransport(app=runtime.extras["app"], raise_app_exceptions=False)  # type: ignore[arg-type]
        made = httpx.AsyncClient(transport=transport, base_url="http://campaign.test",
                                 headers={"Authorization": f"Bearer {token}"})
        clients.append(made)
        return made

    yield client
    for made in clients:
        await made.aclose()


@pytest.fixture
def deliver(runtime: Runtime) -> Callable[..., Any]:
    """Hand one event to campaign's real consumer wrapper, as JetStream would."""

    async def handle(payload: Payload, tenant: str = "acme", source: str = "ingest") -> Envelope:
        envelope = make_envelope(payload, tenant=tenant, source=source, subject="s")
        await runtime.consumer.handle(envelope)
        return envelope

    return handle


@pytest.fixture
def emitted(sessions: async_sessionmaker[AsyncSession]) -> Callable[..., Any]:
    """The events campaign wrote to its outbox, optionally of one type."""

    async def read(event_type: type[Payload] | None = None) -> list[Any]:
        async with sessions() as session:
            rows = await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))
            envelopes = [Envelope.model_validate_json(row.envelope) for row in rows]
        payloads = [parse_payload(e) for e in envelopes]
        return [p for p in payloads if event_type is None or isinstance(p, event_type)]

    return read
