"""One thread hop per screen pop on SQLite, instead of one per database call.

aiosqlite hands every cursor call to its worker thread and back: a screen pop's
nine queries make about 80 such hops, and on a busy two-core machine each costs
as much as the query itself. On SQLite profile therefore runs the screen pop on
plain (synchronous) connections in a worker thread, in one go
(`switchboard.common.sqlite_thread`: the repositories are the same code).

The reads run in a deferred transaction, on a WAL snapshot, so they never wait
for the write lock that a consumer's batch holds for a whole fetch; the write
that follows (the access record) runs in its own short transaction, committed
before the answer leaves. PostgreSQL (asyncpg) needs neither and keeps the
ordinary path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from switchboard.common.db import is_sqlite, normalize_url
from switchboard.common.sqlite_thread import SyncSession, ThreadedSqlite, run_to_end
from switchboard.common.tenancy import bind_tenant

T = TypeVar("T")


class SqliteReader:
    def __init__(self, url: str, synchronous: str = "FULL") -> None:
        self._reads = ThreadedSqlite(url, synchronous, begin="DEFERRED")
        self._writes = ThreadedSqlite(url, synchronous)

    def _transaction(self, engine: Engine, tenant: str, work: Callable[[Any], Awaitable[T]]) -> T:
        with Session(engine, expire_on_commit=False, autoflush=False) as session:
            bind_tenant(session, tenant)
            with session.begin():
                return run_to_end(work(SyncSession(session)))  # type: ignore[arg-type]

    def _run(
        self, tenant: str, read: Callable[[Any], Awaitable[T]],
        write: Callable[[Any, T], Awaitable[None]] | None,
    ) -> T:
        answer = self._transaction(self._reads.engine, tenant, read)
        if write is not None:
            self._transaction(self._writes.engine, tenant, lambda session: write(session, answer))
        return answer

    async def run(
        self, tenant: str, read: Callable[[Any], Awaitable[T]],
        write: Callable[[Any, T], Awaitable[None]] | None = None,
    ) -> T:
        """`read(session)` in a read-only transaction, then `write(session, answer)` in a write
        transaction committed before this returns; both in one worker-thread hop."""
        return await asyncio.to_thread(self._run, tenant, read, write)

    def close(self) -> None:
        self._reads.close()
        self._writes.close()


def reader_for(url: str, synchronous: str) -> SqliteReader | None:
    return SqliteReader(url, synchronous) if is_sqlite(normalize_url(url)) else None
