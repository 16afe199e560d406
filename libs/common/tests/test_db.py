"""Engines: driver selection, and SQLite set up to be durable and to queue its writers."""

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine as sync_create_engine
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from switchboard.common.db import configure_sqlite, create_engine, is_sqlite, normalize_url


@pytest.mark.parametrize(("url", "normalized"), [
    ("sqlite:///var/ingest.db", "sqlite+aiosqlite:///var/ingest.db"),
    ("sqlite:////srv/sb/ingest.db", "sqlite+aiosqlite:////srv/sb/ingest.db"),
    ("sqlite+pysqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ("postgresql://sb:secret@db:5432/ingest", "postgresql+asyncpg://sb:secret@db:5432/ingest"),
    ("postgres://sb:secret@db/ingest", "postgresql+asyncpg://sb:secret@db/ingest"),
    ("postgresql+psycopg2://sb@db/ingest", "postgresql+asyncpg://sb@db/ingest"),
    ("postgresql+asyncpg://sb@db/ingest?ssl=require", "postgresql+asyncpg://sb@db/ingest?ssl=require"),
])
def test_plain_urls_get_the_async_drivers(url: str, normalized: str) -> None:
    assert normalize_url(url) == normalized


def test_a_password_with_special_characters_survives_normalization() -> None:
    normalized = normalize_url("postgresql://sb:p%40ss%2Fw0rd@db/ingest")
    assert make_url(normalized).password == "p@ss/w0rd"


def test_sqlite_is_recognized_whatever_the_driver() -> None:
    assert is_sqlite("sqlite:///x.db") and is_sqlite("sqlite+aiosqlite:///x.db")
    assert not is_sqlite("postgresql+asyncpg://db/x")


async def pragma(engine: AsyncEngine, name: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(f"PRAGMA {name}"))).scalar()


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_full_sync(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/a.db")
    try:
        assert await pragma(engine, "journal_mode") == "wal"
        assert await pragma(engine, "busy_timeout") == 30000
        assert await pragma(engine, "synchronous") == 2  # FULL
        assert await pragma(engine, "foreign_keys") == 1
    finally:
        await engine.dispose()


async def test_the_sqlite_sync_level_can_be_lowered_explicitly(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/a.db", sqlite_synchronous="normal")
    try:
        assert await pragma(engine, "synchronous") == 1  # NORMAL
    finally:
        await engine.dispose()


def test_an_unknown_sqlite_sync_level_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        create_engine(f"sqlite:///{tmp_path}/a.db", sqlite_synchronous="FAST")


async def test_the_folder_of_a_sqlite_file_is_created(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/var/nested/a.db")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
        assert (tmp_path / "var" / "nested" / "a.db").exists()
    finally:
        await engine.dispose()


async def read_then_write(engine: AsyncEngine, value: int, began: asyncio.Event, hold: float) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("SELECT count(*) FROM t"))
        began.set()
        await asyncio.sleep(hold)
        await conn.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": value})


async def two_overlapping_writers(engine: AsyncEngine) -> list[BaseException | None]:
    """The first transaction reads, the second starts meanwhile, then both write."""
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))
    first_began, second_began = asyncio.Event(), asyncio.Event()

    async def second() -> None:
        await first_began.wait()
        await read_then_write(engine, 2, second_began, 0)

    return await asyncio.gather(read_then_write(engine, 1, first_began, 0.2), second(),
                                return_exceptions=True)


async def test_two_transactions_writing_the_same_sqlite_file_are_queued_not_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/a.db")
    try:
        assert await two_overlapping_writers(engine) == [None, None]
        async with engine.connect() as conn:
            assert sorted((await conn.execute(text("SELECT x FROM t"))).scalars()) == [1, 2]
    finally:
        await engine.dispose()


async def test_the_same_interleaving_fails_with_deferred_transactions(tmp_path: Path) -> None:
    """Why BEGIN IMMEDIATE: with SQLite's default BEGIN, the reader that writes second is refused."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/a.db", connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _wal(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.cursor().execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine.sync_engine, "begin")
    def _deferred(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    try:
        refused = [o for o in await two_overlapping_writers(engine) if isinstance(o, OperationalError)]
        assert len(refused) == 1 and "locked" in str(refused[0])
    finally:
        await engine.dispose()


def test_a_deferred_engine_reads_while_another_connection_holds_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    writer, reader = sync_create_engine(f"sqlite:///{path}"), sync_create_engine(f"sqlite:///{path}")
    configure_sqlite(writer, "FULL")
    configure_sqlite(reader, "FULL", begin="DEFERRED")
    try:
        with writer.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t (x) VALUES (1)"))
        with writer.begin() as holding:  # the write lock, held while the reader reads
            holding.execute(text("INSERT INTO t (x) VALUES (2)"))
            with reader.begin() as conn:
                assert conn.execute(text("SELECT x FROM t")).scalars().all() == [1]
    finally:
        writer.dispose()
        reader.dispose()


def test_an_unknown_way_to_begin_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="DEFERRED"):
        configure_sqlite(sync_create_engine(f"sqlite:///{tmp_path}/a.db"), "FULL", begin="EXCLUSIVE")
