"""The screen pop's SQLite path: reads on a snapshot, then a write committed before it returns."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import text

from switchboard.common.consumer import BatchWriter
from switchboard.common.db import create_engine
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.profile.sqlite_reader import SqliteReader


async def read_count(session: Any) -> int:
    return int((await session.execute(text("SELECT count(*) FROM t"))).scalar_one())


async def insert_row(session: Any, seen: int) -> None:
    await session.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": seen})


async def test_the_write_waits_its_turn_when_another_connection_holds_the_write_lock(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/p.db"
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))
    reader = SqliteReader(url, hold=engine)
    other = sqlite3.connect(tmp_path / "p.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # a batch holding the write lock
    other.execute("INSERT INTO t (x) VALUES (100)")
    try:
        pop = asyncio.create_task(reader.run("acme", read_count, insert_row))
        await asyncio.sleep(0.2)
        assert not pop.done()  # the read is done, the write waits for the lock
        other.execute("COMMIT")
        assert await pop == 0  # read on the snapshot taken before the other commit
        rows = sorted(r[0] for r in other.execute("SELECT x FROM t"))
        assert rows == [0, 100]  # written once, after the other transaction
    finally:
        other.close()
        reader.close()
        await engine.dispose()


async def test_with_the_lock_free_the_read_and_the_write_happen_at_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/p.db"
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))
    reader = SqliteReader(url, hold=engine)
    try:
        assert await reader.run("acme", read_count, insert_row) == 0
        assert await reader.run("acme", read_count, insert_row) == 1
    finally:
        reader.close()
        await engine.dispose()


def writer_version(writer: BatchWriter) -> int:
    with writer.connection() as connection:
        return BatchWriter.data_version(connection)


async def test_given_the_batch_writer_the_write_commits_on_its_connection(tmp_path: Path) -> None:
    """So a resolution batch planned before the pop does not see another connection's commit
    at its own (it would run again under the lock)."""
    url = f"sqlite+aiosqlite:///{tmp_path}/p.db"
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))
    threaded = ThreadedSqlite(url, hold=engine)
    writer = BatchWriter(threaded.engine)
    with_writer, alone = SqliteReader(url, hold=engine, writer=writer), SqliteReader(url, hold=engine)
    other = sqlite3.connect(tmp_path / "p.db", isolation_level=None, check_same_thread=False)
    try:
        before = writer_version(writer)
        assert await with_writer.run("acme", read_count, insert_row) == 0  # the lock free
        other.execute("BEGIN IMMEDIATE")  # the lock held: the write waits its turn
        pop = asyncio.create_task(with_writer.run("acme", read_count, insert_row))
        await asyncio.sleep(0.2)
        assert not pop.done()
        other.execute("ROLLBACK")
        assert await pop == 1
        assert writer_version(writer) == before
        assert await alone.run("acme", read_count, insert_row) == 2
        assert writer_version(writer) != before  # a commit on a connection of its own
    finally:
        other.close()
        with_writer.close()
        alone.close()
        writer.close()
        threaded.close()
        await engine.dispose()
