"""A real SQLite file per test, with one small tenant-scoped model and the backbone tables."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from switchboard.common.db import BackboneTables, create_engine, service_metadata, session_factory
from switchboard.common.tenancy import TenantScoped


class Base(DeclarativeBase):
    metadata = service_metadata()


backbone = BackboneTables.define(Base.metadata)


class Note(TenantScoped, Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    text: Mapped[str] = mapped_column(String(100))


@dataclass(frozen=True)
class NotesDatabase:
    sessions: async_sessionmaker[AsyncSession]
    backbone: BackboneTables
    Note: type[Note]

    async def count(self, table: Table | type[Note]) -> int:
        target = table.__table__ if isinstance(table, type) else table
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(target)) or 0)

    async def outbox_rows(self) -> list[dict]:
        async with self.sessions() as session:
            result = await session.execute(select(self.backbone.outbox).order_by(self.backbone.outbox.c.seq))
            return [dict(row._mapping) for row in result]


@pytest.fixture
async def notes(tmp_path: Path) -> AsyncIterator[NotesDatabase]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/notes.db")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield NotesDatabase(session_factory(engine), backbone, Note)
    await engine.dispose()
