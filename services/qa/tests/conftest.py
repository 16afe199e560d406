"""QA's own tables on a real SQLite file per test, fed through the real consumer wrapper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.common.auth import mint_token
from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer
from switchboard.common.db import create_engine, session_factory
from switchboard.common.streams import BusPolicy
from switchboard.qa.config import QASettings
from switchboard.qa.consumers import build_handlers
from switchboard.qa.main import create_app
from switchboard.qa.models import Base, backbone


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/qa.db")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def qa(sessions: async_sessionmaker[AsyncSession]) -> EventConsumer:
    bus = Bus("nats://127.0.0.1:1", "qa", BusPolicy(), [])  # never started: handle() needs no bus
    return EventConsumer("qa", bus, sessions, backbone, build_handlers(), max_deliver=5)


@pytest.fixture
async def api(tmp_path: Path, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[ApiClient]:
    """The real qa app in-process on the same database (its bus is never started)."""
    settings = QASettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/qa.db")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://qa") as client:
        yield ApiClient(client, settings)
    await app.state.runtime.engine.dispose()


class ApiClient:
    """An HTTP client that signs a token for the tenant and role of each call."""

    def __init__(self, client: httpx.AsyncClient, settings: QASettings) -> None:
        self.client, self.settings = client, settings

    async def get(self, path: str, *, tenant: str = "acme", role: str = "supervisor",
                  **kwargs: Any) -> httpx.Response:
        token = mint_token(self.settings, tenant=tenant, subject="sup", roles=[role])
        return await self.client.get(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
