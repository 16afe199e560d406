"""One thread hop per screen pop on SQLite, instead of one per database call.

aiosqlite hands every cursor call to its worker thread and back: a screen pop's
nine queries make about 80 such hops, and on a busy two-core machine each costs
as much as the query itself. On SQLite profile therefore runs the screen pop on
plain (synchronous) connections in a worker thread, in one go
(`switchboard.common.sqlite_thread`: the repositories are the same code).

The reads run in a deferred transaction, on a WAL snapshot, so they never wait
for the write lock that a consumer's batch holds for a whole fetch. The write
that follows (the access record) runs in its own short transaction, committed
before the answer leaves. When the write lock is free it is taken at once, in
the same hop (no waiting: the busy timeout is 0 for that attempt); when a batch
holds it, the write waits for the service's single async connection as a batch
does (`ThreadedSqlite`), queued behind the consumer in the pool instead of
polling in SQLite's busy handler, where back-to-back batches starved it (a pop
waited seconds). PostgreSQL (asyncpg) needs none of this and
keeps the ordinary path.

Given the consumer's `BatchWriter`, the access record commits on the connection the
resolution batches commit on. A batch then holds the write lock only for its writes
(it reads and works on a snapshot first), and an access record committed there
between the batch's two steps does not make it start over: the batch reads nothing
from the access log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from switchboard.common.consumer import BatchWriter
from switchboard.common.db import is_sqlite, normalize_url
from switchboard.common.sqlite_thread import SyncSession, ThreadedSqlite, run_to_end
from switchboard.common.tenancy import bind_tenant

T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000  # as configure_sqlite sets it


class SqliteReader:
    def __init__(self, url: str, synchronous: str = "FULL", hold: AsyncEngine | None = None,
                 writer: BatchWriter | None = None) -> None:
        self._reads = ThreadedSqlite(url, synchronous, begin="DEFERRED")
        self._writes = ThreadedSqlite(url, synchronous)
        self._hold = hold
        self._writer = writer

    @contextmanager
    def _write_connection(self) -> Iterator[Connection]:
        if self._writer is not None:
            with self._writer.connection() as connection:
                yield connection
        else:
            with self._writes.engine.connect() as connection:
                yield connection

    def _write(self, tenant: str, write: Callable[[Any, T], Awaitable[None]], answer: T) -> None:
        with self._write_connection() as connection:
            _write_on(connection, tenant, write, answer)

    def _read_then_write_if_free(
        self, tenant: str, read: Callable[[Any], Awaitable[T]],
        write: Callable[[Any, T], Awaitable[None]] | None,
    ) -> tuple[T, bool]:
        """The read, then the write only if the write lock is free this instant (no waiting):
        the common case costs one thread hop and no turn in the pool."""
        answer = self._reads.tenant_transaction(tenant, read)  # type: ignore[arg-type]
        if write is None:
            return answer, True
        with self._write_connection() as connection:
            raw = connection.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA busy_timeout=0")
            try:
                _write_on(connection, tenant, write, answer)
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                return answer, False  # rolled back: the write waits its turn (run)
            finally:
                raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return answer, True

    async def run(
        self, tenant: str, read: Callable[[Any], Awaitable[T]],
        write: Callable[[Any, T], Awaitable[None]] | None = None,
    ) -> T:
        """`read(session)` in a read-only transaction, then `write(session, answer)` in a write
        transaction committed before this returns. Both run in one worker-thread hop when the
        write lock is free; if a batch holds it, the write queues for the service's connection."""
        answer, written = await asyncio.to_thread(self._read_then_write_if_free, tenant, read, write)
        if written or write is None:
            return answer
        if self._hold is None:
            await asyncio.to_thread(self._write, tenant, write, answer)
            return answer
        async with self._hold.connect():
            await asyncio.to_thread(self._write, tenant, write, answer)
        return answer

    def close(self) -> None:
        self._reads.close()
        self._writes.close()


def _write_on(
    connection: Connection, tenant: str, write: Callable[[Any, T], Awaitable[None]], answer: T
) -> None:
    """`write(session, answer)` in a transaction of its own on `connection`, committed here."""
    with Session(connection, expire_on_commit=False, autoflush=False) as session:
        bind_tenant(session, tenant)
        with session.begin():
            run_to_end(write(SyncSession(session), answer))  # type: ignore[arg-type]


def reader_for(
    url: str, synchronous: str, hold: AsyncEngine | None = None, writer: BatchWriter | None = None
) -> SqliteReader | None:
    return SqliteReader(url, synchronous, hold, writer) if is_sqlite(normalize_url(url)) else None
