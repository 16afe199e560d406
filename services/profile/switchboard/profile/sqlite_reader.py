"""One thread hop per screen pop on SQLite, instead of one per database call.

aiosqlite hands every cursor call to its worker thread and back: a screen pop's
nine queries make about 80 such hops, and on a busy two-core machine each costs
as much as the query itself. On SQLite profile therefore runs the screen pop on
a plain (synchronous) connection in a worker thread, in one go. The repository
code is the same: `SyncSession` gives a synchronous session the awaitable
methods the repositories call, and the coroutine is driven to its end without
an event loop (nothing in it ever waits on anything but the database).
PostgreSQL (asyncpg) does not need this and keeps the ordinary path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from switchboard.common.db import is_sqlite, normalize_url
from switchboard.common.tenancy import bind_tenant

T = TypeVar("T")


class SyncSession:
    """The slice of AsyncSession the repositories use, over a synchronous Session."""

    def __init__(self, session: Session) -> None:
        self.sync_session = session

    async def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.scalar(statement, *args, **kwargs)

    async def scalars(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.scalars(statement, *args, **kwargs)

    async def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return self.sync_session.execute(statement, *args, **kwargs)

    async def flush(self) -> None:
        self.sync_session.flush()

    def add(self, row: Any) -> None:
        self.sync_session.add(row)

    def get_bind(self) -> Any:
        return self.sync_session.get_bind()


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a SyncSession coroutine waited on something other than the database")


class SqliteReader:
    def __init__(self, url: str, synchronous: str = "FULL") -> None:
        sync_url = make_url(normalize_url(url)).set(drivername="sqlite+pysqlite")
        self.engine: Engine = create_engine(
            sync_url, connect_args={"timeout": 30, "check_same_thread": False}
        )
        _configure(self.engine, synchronous)

    def _run(self, tenant: str, work: Callable[[Any], Awaitable[T]]) -> T:
        with Session(self.engine, expire_on_commit=False, autoflush=False) as session:
            bind_tenant(session, tenant)
            with session.begin():
                return run_to_end(work(SyncSession(session)))  # type: ignore[arg-type]

    async def run(self, tenant: str, work: Callable[[Any], Awaitable[T]]) -> T:
        """Run `work(session)` in one transaction (committed if it returns) in a worker thread."""
        return await asyncio.to_thread(self._run, tenant, work)

    def close(self) -> None:
        self.engine.dispose()


def reader_for(url: str, synchronous: str) -> SqliteReader | None:
    return SqliteReader(url, synchronous) if is_sqlite(normalize_url(url)) else None


def _configure(engine: Engine, synchronous: str) -> None:
    """The same connection settings as the service's own engine (switchboard.common.db)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the pop writes its access record
