"""QA's own tables on a real SQLite file per test, fed through the real consumer wrapper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer
from switchboard.common.db import create_engine, session_factory
from switchboard.common.streams import BusPolicy
from switchboard.qa.consumers import build_handlers
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
