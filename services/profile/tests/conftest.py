"""Profile's own tables on a real SQLite file per test, fed through the real consumer wrapper."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.common.auth import mint_token
from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer
from switchboard.common.db import create_engine, session_factory
from switchboard.common.events.base import Envelope, Payload, make_envelope
from switchboard.common.streams import BusPolicy
from switchboard.profile.config import ProfileSettings
from switchboard.profile.consumers import build_handlers
from switchboard.profile.main import create_app
from switchboard.profile.models import Base, backbone


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/profile.db")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def profile(sessions: async_sessionmaker[AsyncSession]) -> EventConsumer:
    bus = Bus("nats://127.0.0.1:1", "profile", BusPolicy(), [])  # never started: handle() needs no bus
    return EventConsumer("profile", bus, sessions, backbone, build_handlers(), max_deliver=5)


@pytest.fixture
async def api(tmp_path: Path, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[ApiClient]:
    """The real profile app in-process on the same database (its bus is never started)."""
    settings = ProfileSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/profile.db")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://profile") as client:
        yield ApiClient(client, settings)
    await app.state.runtime.engine.dispose()


class ApiClient:
    """An HTTP client that signs a token for the tenant and roles of each call."""

    def __init__(self, client: httpx.AsyncClient, settings: ProfileSettings) -> None:
        self.client = client
        self.settings = settings

    def headers(self, tenant: str, roles: tuple[str, ...]) -> dict[str, str]:
        token = mint_token(self.settings, tenant=tenant, subject="alice", roles=list(roles))
        return {"Authorization": f"Bearer {token}"}

    async def request(self, method: str, path: str, *, tenant: str = "acme",
                      roles: tuple[str, ...] = ("admin",), **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, path, headers=self.headers(tenant, roles), **kwargs)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)


@pytest.fixture
def deliver(profile: EventConsumer) -> Callable[..., Awaitable[Envelope]]:
    """Hand one event to profile through the real consumer wrapper (inbox, handler, commit)."""

    async def handle(payload: Payload, tenant: str = "acme", subject: str | None = None) -> Envelope:
        envelope = make_envelope(payload, tenant=tenant, source="test", subject=subject,
                                 correlation_id="corr-1")
        assert await profile.handle(envelope) is True
        return envelope

    return handle
