"""Database plumbing shared by every service: engines, metadata, backbone tables.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every
transaction starts with BEGIN IMMEDIATE: SQLite then queues writers instead of
failing one of them with "database is locked" when two transactions that began
as readers both try to write. Since only one transaction at a time can hold
SQLite's write lock anyway, a process keeps one connection: its transactions
wait their turn in the pool's asyncio queue and start the moment the previous
one ends, instead of polling the lock in SQLite's busy handler, which sleeps up
to 100 ms a try (webhook to offer at 20 contacts/s: p50 2,078 ms with a pool of
15 connections, 126 ms with one). The busy timeout still covers other processes
on the same file. PostgreSQL gets a sized pool with pre-ping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    event,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

class UtcDateTime(TypeDecorator[datetime]):
    """A point in time, stored in UTC and always read back timezone-aware.

    SQLite keeps no offset: a +08:00 time stored as given would come back eight
    hours wrong and naive. Every model column that holds an instant uses this.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime needs a timezone-aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# BigInteger that is still SQLite's auto-incrementing rowid.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


def service_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


@dataclass(frozen=True)
class BackboneTables:
    """The outbox and inbox every service keeps in its own database."""

    outbox: Table
    inbox: Table

    @classmethod
    def define(cls, metadata: MetaData) -> BackboneTables:
        outbox = Table(
            "outbox",
            metadata,
            Column("seq", AutoId, primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False, unique=True),
            Column("subject", String(255), nullable=False),
            Column("envelope", Text, nullable=False),
            Column("headers", JSON, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("attempts", Integer, nullable=False, default=0),
            Column("last_error", Text, nullable=True),
        )
        inbox = Table(
            "inbox",
            metadata,
            Column("consumer", String(100), primary_key=True),
            Column("event_id", String(36), primary_key=True),
            Column("event_type", String(255), nullable=False),
            Column("processed_at", UtcDateTime(), nullable=False),
        )
        return cls(outbox=outbox, inbox=inbox)


def normalize_url(url: str) -> str:
    """Accept plain `sqlite:///` and `postgresql://` URLs and pick the async drivers."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 10) -> AsyncEngine:
    url = normalize_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0,
                                     pool_timeout=60)
        configure_sqlite(engine.sync_engine, sqlite_synchronous)
        return engine
    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800
    )


def configure_sqlite(engine: Engine, synchronous: str, *, begin: str = "IMMEDIATE") -> None:
    """Every SQLite connection of ours: WAL, a busy timeout, the given fsync policy, foreign keys,
    and transactions that take the write lock when they begin (the async engine's sync side, or
    the plain engine a batch runs on in switchboard.common.sqlite_thread). An engine that only
    reads may pass `begin="DEFERRED"`: its transactions then read a snapshot and never wait for
    the write lock (WAL readers do not block writers, nor writers them)."""
    if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"SQLite synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous}")
    if begin.upper() not in ("IMMEDIATE", "DEFERRED"):
        raise ValueError(f"SQLite transactions begin IMMEDIATE or DEFERRED, not {begin}")
    begin_sql = f"BEGIN {begin.upper()}"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin_sql)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
