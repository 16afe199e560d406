"""Ingest's own tables on a real SQLite file per test, with one SMS channel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.common.db import create_engine, session_factory
from switchboard.ingest.models import Base, Channel


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/ingest.db")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


def sms_channel(channel_id: str = "ch-sms", tenant: str = "acme", address: str = "+8610086") -> Channel:
    return Channel(id=channel_id, tenant_id=tenant, kind="sms", provider="generic", address=address,
                   name="hotline", signing_secret="gateway-secret-0123456789", credentials={},
                   created_at=datetime.now(UTC))


@pytest.fixture
def add_channel(sessions: async_sessionmaker[AsyncSession]) -> Callable[..., Awaitable[Channel]]:
    async def add(channel_id: str = "ch-sms", tenant: str = "acme", address: str = "+8610086") -> Channel:
        row = sms_channel(channel_id, tenant, address)
        async with sessions() as session:
            session.add(row)
            await session.commit()
        return row

    return add


@pytest.fixture
async def channel(add_channel: Callable[..., Awaitable[Channel]]) -> Channel:
    return await add_channel()
