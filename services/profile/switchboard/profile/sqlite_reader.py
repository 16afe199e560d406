"""One thread hop per screen pop on SQLite, instead of one per database call.

aiosqlite hands every cursor call to its worker thread and back: a screen pop's
nine queries make about 80 such hops, and on a busy two-core machine each costs
as much as the query itself. On SQLite profile therefore runs the screen pop on
a plain (synchronous) connection in a worker thread, in one go
(`switchboard.common.sqlite_thread`: the repositories are the same code).
PostgreSQL (asyncpg) does not need this and keeps the ordinary path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from switchboard.common.db import is_sqlite, normalize_url
from switchboard.common.sqlite_thread import SyncSession, ThreadedSqlite, run_to_end
from switchboard.common.tenancy import bind_tenant

T = TypeVar("T")


class SqliteReader:
    def __init__(self, url: str, synchronous: str = "FULL") -> None:
        self._threaded = ThreadedSqlite(url, synchronous)
        self.engine = self._threaded.engine

    def _run(self, tenant: str, work: Callable[[Any], Awaitable[T]]) -> T:
        with Session(self.engine, expire_on_commit=False, autoflush=False) as session:
            bind_tenant(session, tenant)
            with session.begin():
                return run_to_end(work(SyncSession(session)))  # type: ignore[arg-type]

    async def run(self, tenant: str, work: Callable[[Any], Awaitable[T]]) -> T:
        """Run `work(session)` in one transaction (committed if it returns) in a worker thread."""
        return await asyncio.to_thread(self._run, tenant, work)

    def close(self) -> None:
        self._threaded.close()


def reader_for(url: str, synchronous: str) -> SqliteReader | None:
    return SqliteReader(url, synchronous) if is_sqlite(normalize_url(url)) else None
