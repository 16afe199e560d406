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
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, TypeVar

from sqlalchemy import CompoundSelect, Insert, Select, Update, create_engine
from sqlalchemy.engine import Connection, Dialect, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

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

    # A kind of SyncSession whose own `execute` runs reads at once, as this one's does, sets
    # this: `fetch_all` may then read straight on the driver through it.
    reads_at_once = False

    def execute_rows(self, statement: Insert | Update, rows: Sequence[Mapping[str, Any]]) -> int:
        """`statement` once per row, straight on the driver: see `execute_many`. The rows
        changed (a conflict that did nothing counts none)."""
        # the session's connection() begins the transaction if it has not begun
        return execute_rows_on(self.sync_session.connection(), statement, rows)

    def fetch_rows(
        self, statement: Select[Any] | CompoundSelect[Any], params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        """`statement` straight on the driver: see `fetch_all`."""
        rows, read = self.fetch_driver_rows(statement, params)
        return [read(row) for row in rows]

    def fetch_driver_rows(
        self, statement: Select[Any] | CompoundSelect[Any], params: Mapping[str, Any]
    ) -> UnreadRows:
        """`statement` straight on the driver, its rows as the driver gives them, and how to
        read one as SQLAlchemy would: see `fetch_unread`."""
        connection = self.sync_session.connection()
        reader = _driver_query(statement, connection.dialect)
        sql, values = reader.expanded(params)

        def run(cursor: Any) -> list[Any]:
            cursor.execute(sql, values)
            return list(cursor.fetchall())

        return _on_driver(connection, sql, run), reader.row

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


def execute_rows_on(
    connection: Connection, statement: Insert | Update, rows: Sequence[Mapping[str, Any]]
) -> int:
    """`statement` once per row on the connection's driver (see `execute_many`), in whatever
    transaction the driver's connection is in; the rows changed."""
    return execute_made_on(connection, made_for_driver(statement, rows, connection.dialect))


# a write as the driver takes it: its SQL, and each row's values through the column types'
# bind processors
MadeRows = tuple[str, list[tuple[Any, ...]]]
# rows as the driver gives them, and how to read one as SQLAlchemy would (`fetch_unread`)
UnreadRows = tuple[list[tuple[Any, ...]], Callable[[tuple[Any, ...]], tuple[Any, ...]]]


def made_for_driver(
    statement: Insert | Update, rows: Sequence[Mapping[str, Any]], dialect: Dialect
) -> MadeRows:
    """The first half of `execute_rows_on`, which needs no connection: the statement compiled for
    the rows' keys and their values made, so that the write itself can be made later, with a
    lock held for as little as the driver's work (`execute_made_on`)."""
    compiled = _driver_statement(statement, dialect, tuple(rows[0]))
    return compiled.sql, [compiled.parameters(row) for row in rows]


def execute_made_on(connection: Connection, made: MadeRows) -> int:
    """The second half of `execute_rows_on`: the driver's executemany; the rows changed."""
    sql, values = made

    def run(cursor: Any) -> int:
        cursor.executemany(sql, values)
        return int(cursor.rowcount)

    return _on_driver(connection, sql, run)


def rows_on_driver(statement: Any, args: tuple[Any, ...], kwargs: dict[str, Any], dialect: Dialect) -> bool:
    """Whether `session.execute(statement, *args, **kwargs)` may be made by `execute_rows_on`
    instead: a Core INSERT or UPDATE of a table (no ORM entity, so no tenant net nor ORM
    bookkeeping to apply) over a list of rows that give every parameter it needs."""
    if kwargs or len(args) != 1 or not isinstance(statement, Insert | Update):
        return False
    rows = args[0]
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], Mapping):
        return False
    if not _on_a_table(statement):
        return False
    try:
        _driver_statement(statement, dialect, tuple(rows[0]))
    except ValueError:
        return False
    return True


_ON_A_TABLE: dict[int, tuple[Any, bool]] = {}


def _on_a_table(statement: Insert | Update) -> bool:
    """A write of a table, not of an ORM entity (kept per statement: a statement built once is
    asked about every batch, and entity_description is built anew each time it is read)."""
    cached = _ON_A_TABLE.get(id(statement))
    if cached is not None and cached[0] is statement:
        return bool(cached[1])
    answer = "entity" not in statement.entity_description
    if len(_ON_A_TABLE) >= _KEPT:
        _ON_A_TABLE.clear()
    _ON_A_TABLE[id(statement)] = (statement, answer)  # the statement kept: its id is not reused
    return answer


def _on_driver(connection: Connection, sql: str, work: Callable[[Any], T]) -> T:
    """`work(cursor)` on the connection's own driver cursor, its errors raised as SQLAlchemy's
    (IntegrityError, OperationalError...), as every other statement's are."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        return work(cursor)
    except driver_error as exc:
        raise DBAPIError.instance(sql, None, exc, driver_error) from exc
    finally:
        cursor.close()


async def execute_many(
    session: Any, statement: Insert | Update, rows: Sequence[Mapping[str, Any]]
) -> None:
    """A Core INSERT or UPDATE run once for each of `rows` (dicts with the same keys, the
    statement's bind names or the table's columns), in the session's transaction.

    On a `SyncSession` not bound to a tenant this goes straight to the driver's executemany,
    with the statement compiled once for its keys and each value passed through its column
    type's bind processor, as SQLAlchemy would: SQLAlchemy's own path costs about 70 us a
    statement and some per row on top (ingest's SMS batch makes five such statements, so at
    the batch sizes its webhooks see that was a tenth of the process's time per message).
    Column defaults are not applied: a row must give every column that has one. Anywhere else,
    including a session bound to a tenant (whose ORM net must see the statement) and a kind of
    `SyncSession` that does its own `execute` (one that records a batch's writes to make them
    later, consumer.py), it is `session.execute(statement, rows)`."""
    if not rows:
        return
    if type(session) is SyncSession and "tenant" not in session.info:
        session.execute_rows(statement, rows)
    else:
        await session.execute(statement, list(rows))


async def fetch_all(
    session: Any, statement: Select[Any] | CompoundSelect[Any], params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows of a Core SELECT (or UNION) of plain columns, as tuples.

    On a `SyncSession` not bound to a tenant the query goes straight to the driver, compiled
    once, its expanding IN lists rendered for `params` by SQLAlchemy's `construct_expanded_state`
    and each selected column read through its type's result processor, as SQLAlchemy would; the
    reads that open ingest's SMS batch cost about 150 us each through the ORM session's execute,
    a quarter of a batch of 12. A session bound to a tenant takes it too for a statement marked
    `all_tenants` (one that filters on tenant_id itself, which the session's net then skips
    anyway), and so does a kind of `SyncSession` that runs its reads at once (`reads_at_once`).
    Anywhere else, `(await session.execute(statement, params)).all()`."""
    if _driver_reads(session, statement):
        return session.fetch_rows(statement, params)  # type: ignore[no-any-return]
    return [tuple(row) for row in await session.execute(statement, dict(params))]


async def fetch_unread(
    session: Any, statement: Select[Any] | CompoundSelect[Any], params: Mapping[str, Any]
) -> UnreadRows:
    """The rows of a Core SELECT as the driver gives them, and how to read one as SQLAlchemy would
    (each column through its type's result processor), for a reader that mostly compares rows
    with the last ones it read and reads again only those that changed: on SQLite a datetime
    column is parsed from its text and a JSON column decoded for every row read, which costs more
    than fetching it. Where `fetch_all` would not go to the driver, the rows come read already
    and reading one gives it back as it is."""
    if _driver_reads(session, statement):
        return session.fetch_driver_rows(statement, params)  # type: ignore[no-any-return]
    return await fetch_all(session, statement, params), _as_read


def _as_read(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return row


def _driver_reads(session: Any, statement: Select[Any] | CompoundSelect[Any]) -> bool:
    return bool((type(session) is SyncSession or getattr(type(session), "reads_at_once", False))
                and ("tenant" not in session.info
                     or statement.get_execution_options().get("all_tenants", False)))


@dataclass(frozen=True)
class _DriverQuery:
    compiled: SQLCompiler
    processors: tuple[Callable[[Any], Any] | None, ...]
    expanding: tuple[str, ...]  # the names of the IN lists' parameters
    # the IN lists' lengths -> the query rendered for them, and where each of its values comes from
    shapes: dict[tuple[int, ...], _Shape] = field(default_factory=dict)

    def row(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(value if process is None else process(value)
                     for value, process in zip(values, self.processors, strict=True))

    def expanded(self, params: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """The SQL with its IN lists rendered for `params`, and its positional values. SQLAlchemy's
        construct_expanded_state renders them anew for every call (a regular expression over the
        SQL, half of a small read's cost); it runs here once for each length of the lists."""
        if self.compiled.literal_execute_params:  # values rendered into the SQL: anew every time
            return _Shape.of(self, params, marked=False).filled(params)
        if any(not isinstance(params[name], list | tuple) for name in self.expanding if name in params):
            params = {name: list(value) if name in self.expanding else value  # a set: in its order
                      for name, value in params.items()}
        shape_of = tuple(len(params[name]) if name in params else -1 for name in self.expanding)
        shape = self.shapes.get(shape_of)
        if shape is None:
            if len(self.shapes) >= _KEPT:
                self.shapes.clear()
            shape = self.shapes[shape_of] = _Shape.of(self, params)
        return shape.filled(params)


@dataclass(frozen=True)
class _Shape:
    sql: str
    sources: tuple[tuple[str | None, int | None, Any], ...]  # (parameter, index in its list, or value)
    processors: tuple[Callable[[Any], Any] | None, ...]

    def filled(self, params: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        return self.sql, tuple(
            value if process is None else process(value)
            for value, process in zip(map(self.source, repeat(params), range(len(self.sources))),
                                      self.processors, strict=True))

    def source(self, params: Mapping[str, Any], position: int) -> Any:
        name, index, value = self.sources[position]
        if name is None:
            return value  # the statement's own
        return params[name] if index is None else params[name][index]

    @staticmethod
    def of(query: _DriverQuery, params: Mapping[str, Any], marked: bool = True) -> _Shape:
        """Rendered by SQLAlchemy once, with a marker in each place of each IN list to find it by."""
        places: dict[int, tuple[str, int]] = {}
        with_markers = dict(params)
        for name in query.expanding if marked else ():
            if name not in params:
                continue  # the statement's own list
            markers = [object() for _ in params[name]]
            with_markers[name] = markers
            places.update({id(marker): (name, index) for index, marker in enumerate(markers)})
        expanded = query.compiled.construct_expanded_state(with_markers)
        sources: list[tuple[str | None, int | None, Any]] = []
        for name in expanded.positiontup or ():
            value = expanded.parameters[name]
            if id(value) in places:
                sources.append((*places[id(value)], None))
            elif name in params and marked:
                sources.append((name, None, None))
            else:
                sources.append((None, None, value))
        return _Shape(expanded.statement, tuple(sources),
                      tuple(expanded.processors.get(name) for name in expanded.positiontup or ()))


_KEPT = 512  # compiled statements kept; the services have a few dozen
_DRIVER_QUERIES: dict[tuple[int, str], tuple[Any, _DriverQuery]] = {}


def _driver_query(statement: Select[Any] | CompoundSelect[Any], dialect: Dialect) -> _DriverQuery:
    key = (id(statement), dialect.name)
    cached = _DRIVER_QUERIES.get(key)
    if cached is not None and cached[0] is statement:
        return cached[1]
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if compiled.positiontup is None:
        raise ValueError(f"{dialect.name} compiles to named parameters; fetch_all needs positional ones")
    made = _DriverQuery(compiled, tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns),
        tuple(name for name, bind in compiled.binds.items() if bind.expanding))
    if len(_DRIVER_QUERIES) >= _KEPT:  # statements made anew per call would otherwise pile up
        _DRIVER_QUERIES.clear()
    _DRIVER_QUERIES[key] = (statement, made)
    return made


@dataclass(frozen=True)
class _DriverStatement:
    sql: str
    keys: tuple[str, ...]  # the row's key for each positional parameter
    processors: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(value if process is None else process(value)
                     for value, process in zip(map(row.__getitem__, self.keys), self.processors, strict=True))


_DRIVER_STATEMENTS: dict[tuple[int, str, tuple[str, ...]], tuple[Any, _DriverStatement]] = {}
# A statement built anew for each call (the outbox insert of `UnitOfWork.emit_all`) is found by
# its structure, SQLAlchemy's own cache key (~6 us for an insert), instead of compiled again.
_BY_STRUCTURE: dict[tuple[Any, str, tuple[str, ...]], _DriverStatement] = {}


def _driver_statement(
    statement: Insert | Update, dialect: Dialect, keys: tuple[str, ...]
) -> _DriverStatement:
    key = (id(statement), dialect.name, keys)
    cached = _DRIVER_STATEMENTS.get(key)
    if cached is not None and cached[0] is statement:
        return cached[1]
    structure = statement._generate_cache_key()
    by_structure = None if structure is None else (structure.key, dialect.name, keys)
    if by_structure is not None and (made := _BY_STRUCTURE.get(by_structure)) is not None:
        _keep(key, statement, made)
        return made
    made = _compile_for_driver(statement, dialect, keys)
    if by_structure is not None:
        if len(_BY_STRUCTURE) >= _KEPT:
            _BY_STRUCTURE.clear()
        _BY_STRUCTURE[by_structure] = made
    _keep(key, statement, made)
    return made


def _keep(key: tuple[int, str, tuple[str, ...]], statement: Any, made: _DriverStatement) -> None:
    if len(_DRIVER_STATEMENTS) >= _KEPT:  # statements made anew per call would otherwise pile up
        _DRIVER_STATEMENTS.clear()
    _DRIVER_STATEMENTS[key] = (statement, made)  # the statement kept: its id is not reused meanwhile


def _compile_for_driver(
    statement: Insert | Update, dialect: Dialect, keys: tuple[str, ...]
) -> _DriverStatement:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    if compiled.positiontup is None:
        raise ValueError(f"{dialect.name} compiles to named parameters; execute_many needs positional ones")
    names = tuple(compiled.positiontup)
    # A bind of an INSERT is named after its column, but compiled from the row's key; so is an
    # UPDATE's SET; a WHERE's bindparam is named as the statement names it.
    needed = tuple(compiled.binds[name].key for name in names)
    if missing := [name for name in needed if name not in keys]:  # a column with a default
        raise ValueError(f"execute_many: each row must give {', '.join(missing)}")
    types = [compiled.binds[name].type for name in names]
    return _DriverStatement(
        sql=compiled.string, keys=needed,
        processors=tuple(type_.dialect_impl(dialect).bind_processor(dialect) for type_ in types),
    )


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a SyncSession coroutine waited on something other than the database")


class WalCheckpoints:
    """Passive checkpoints paced by how fast the WAL grows, instead of one after every batch.

    A commit that finds SQLite's 1,000 frames in the WAL checkpoints them itself, under the
    write lock (30-40 ms at a million customers), so the consumer copies the WAL into the
    database outside the lock first. After every batch that cost a thread hop and a connection
    each time, most of a small batch's cost when fetches hold an event or two. Each checkpoint
    answers how many frames the WAL held; from that the frames a committed batch and a
    committed event add are learnt, and the next checkpoint is due once the batches and events
    committed since would have added `target` frames by either measure (the larger one: a
    batch writes some pages whatever its size, and some for each event). Until the first
    answer, and never fewer than once every `most_batches` batches, one is due."""

    def __init__(self, engine: Engine, target: int = 250, most_batches: int = 64) -> None:
        self._engine = engine
        self._target = target
        self._most_batches = most_batches
        self._lock = threading.Lock()
        self._batches = self._events = 0
        self._per_batch = self._per_event = float(target)  # unknown yet: due after each batch
        self.runs = 0

    def committed(self, events: int) -> bool:
        """Count a committed batch of `events`; True if a checkpoint is due."""
        with self._lock:
            self._batches += 1
            self._events += events
            frames = max(self._batches * self._per_batch, self._events * self._per_event)
            return frames >= self._target or self._batches >= self._most_batches

    def run(self) -> None:
        """A passive checkpoint (it waits for nobody), on a connection of its own."""
        with self._engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert raw is not None
            _busy, frames, _copied = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        with self._lock:
            if frames >= 0 and self._batches:  # -1: not in WAL mode
                self._per_batch = frames / self._batches
                self._per_event = frames / max(self._events, 1)
            self._batches = self._events = 0
            self.runs += 1


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
