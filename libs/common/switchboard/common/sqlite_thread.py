"""A whole SQLite transaction in one worker-thread hop, instead of one hop per database call.

aiosqlite hands every cursor call to its thread and back (about four per
statement); on a busy two-core machine each hop costs as much as the statement.
Work that makes many statements in a row (a screen pop, a consumer batch) can
instead run on a plain synchronous connection in a worker thread, in one go.
The repositories stay the same: `SyncSession` gives a synchronous session the
awaitable methods they call, and the coroutine is driven to its end without an
event loop (nothing in it waits on anything but the database).

While a transaction runs there, `ThreadedSqlite` holds the service's own
(single) async connection, so the process's other writers wait their turn in
the pool's queue rather than in SQLite's busy handler (see `db.py`).
PostgreSQL does not need this and keeps the ordinary async path.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from switchboard.common.db import configure_sqlite, normalize_url
from switchboard.common.tenancy import bind_tenant

T = TypeVar("T")


class SyncSession:
    """The slice of AsyncSession that repositories and the unit of work use, over a Session."""

    def __init__(self, session: Session) -> None:
        self.sync_session = session

    @property
    def info(self) -> dict[Any, Any]:
        return self.sync_session.info

    async def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.scalar(statement, *args, **kwargs)

    async def scalars(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.scalars(statement, *args, **kwargs)

    async def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.execute(statement, *args, **kwargs)

    async def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        return self.sync_session.get(entity, ident, **kwargs)

    async def delete(self, row: Any) -> None:
        self.sync_session.delete(row)

    async def flush(self) -> None:
        self.sync_session.flush()

    def add(self, row: Any) -> None:
        self.sync_session.add(row)

    def add_all(self, rows: Any) -> None:
        self.sync_session.add_all(rows)

    def get_bind(self) -> Any:
        return self.sync_session.get_bind()

    async def begin(self) -> None:
        self.sync_session.begin()

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[Any]:
        """A savepoint, used as AsyncSession's: `async with session.begin_nested():`."""
        with self.sync_session.begin_nested() as savepoint:
            yield savepoint

    def in_transaction(self) -> bool:
        return self.sync_session.in_transaction()

    async def commit(self) -> None:
        self.sync_session.commit()

    async def rollback(self) -> None:
        self.sync_session.rollback()

    async def close(self) -> None:
        self.sync_session.close()


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a SyncSession coroutine waited on something other than the database")


class ThreadedSqlite:
    """Synchronous sessions on the service's SQLite file, run in a worker thread."""

    def __init__(
        self, url: str, synchronous: str = "FULL", hold: AsyncEngine | None = None, *,
        begin: str = "IMMEDIATE",
    ) -> None:
        sync_url = make_url(normalize_url(url)).set(drivername="sqlite+pysqlite")
        self.engine: Engine = create_engine(
            sync_url, connect_args={"timeout": 30, "check_same_thread": False}
        )
        self._hold = hold
        configure_sqlite(self.engine, synchronous, begin=begin)

    def tenant_transaction(self, tenant: str, work: Callable[[SyncSession], Coroutine[Any, Any, T]]) -> T:
        """`work(session)` driven to its end in one transaction scoped to `tenant`, on the calling
        thread (a worker thread: `asyncio.to_thread(threaded.tenant_transaction, ...)`)."""
        with Session(self.engine, expire_on_commit=False, autoflush=False) as session:
            bind_tenant(session, tenant)
            with session.begin():
                return run_to_end(work(SyncSession(session)))

    def sessions(self) -> SyncSession:
        """A new session (the unit of work's session factory)."""
        return SyncSession(Session(self.engine, expire_on_commit=False, autoflush=False))

    async def run(self, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Drive `work()` to its end in a worker thread, holding the async connection meanwhile."""
        if self._hold is None:
            return await asyncio.to_thread(lambda: run_to_end(work()))
        async with self._hold.connect():
            return await asyncio.to_thread(lambda: run_to_end(work()))

    def close(self) -> None:
        self.engine.dispose()
