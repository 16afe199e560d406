"""One thread hop per screen pop on SQLite, instead of one per database call.

aiosqlite hands every cursor call to its worker thread and back: a screen pop's
nine queries make about 80 such hops, and on a busy two-core machine each costs
as much as the query itself. On SQLite profile therefore runs the screen pop on
plain (synchronous) connections in a worker thread, in one go
(`switchboard.common.sqlite_thread`: the repositories are the same code).

The reads run in a deferred transaction, on a WAL snapshot, so they never wait
for the write lock that a consumer's batch holds for a whole fetch. The write
that follows (the access record) runs in its own short transaction, committed
before the answer leaves, while holding the service's single async connection
as a batch does (`ThreadedSqlite`): it queues behind the consumer in the pool's
FIFO instead of polling in SQLite's busy handler, where back-to-back batches
starved it (a pop waited seconds). PostgreSQL (asyncpg) needs none of this and
keeps the ordinary path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from switchboard.common.db import is_sqlite, normalize_url
from switchboard.common.sqlite_thread import SyncSession, ThreadedSqlite, run_to_end
from switchboard.common.tenancy import bind_tenant

T = TypeVar("T")


class SqliteReader:
    def __init__(self, url: str, synchronous: str = "FULL", hold: AsyncEngine | None = None) -> None:
        self._reads = ThreadedSqlite(url, synchronous, begin="DEFERRED")
        self._writes = ThreadedSqlite(url, synchronous)
        self._hold = hold

    def _transaction(self, engine: Engine, tenant: str, work: Callable[[Any], Awaitable[T]]) -> T:
        with Session(engine, expire_on_commit=False, autoflush=False) as session:
            bind_tenant(session, tenant)
            with session.begin():
                return run_to_end(work(SyncSession(session)))  # type: ignore[arg-type]

    async def run(
        self, tenant: str, read: Callable[[Any], Awaitable[T]],
        write: Callable[[Any, T], Awaitable[None]] | None = None,
    ) -> T:
        """`read(session)` in a read-only transaction, then `write(session, answer)` in a write
        transaction committed before this returns, each in one worker-thread hop."""
        answer = await asyncio.to_thread(self._transaction, self._reads.engine, tenant, read)
        if write is None:
            return answer
        if self._hold is None:
            await asyncio.to_thread(self._transaction, self._writes.engine, tenant,
                                    lambda session: write(session, answer))
            return answer
        async with self._hold.connect():
            await asyncio.to_thread(self._transaction, self._writes.engine, tenant,
                                    lambda session: write(session, answer))
        return answer

    def close(self) -> None:
        self._reads.close()
        self._writes.close()


def reader_for(url: str, synchronous: str, hold: AsyncEngine | None = None) -> SqliteReader | None:
    return SqliteReader(url, synchronous, hold) if is_sqlite(normalize_url(url)) else None
