"""The idempotent consumer: durable pull consumers feeding handlers exactly once in effect.

For each message: open a unit of work, record (consumer, event id) in the inbox
table, run the handler, commit, and only then acknowledge. A redelivered event
finds its inbox row and is acknowledged without running the handler again.
A handler that fails is retried with backoff; on its last allowed delivery the
message is copied to the dead-letter stream with the error, then acknowledged.

Messages of one batch run concurrently up to a bound, except that events about
the same entity (the CloudEvents `subject`, e.g. one conversation) run in
order, one after another.

A service may register a batch handler for a type (`HandlerMap.on_batch`): the
events of that type in one fetch (per tenant) then run together in ONE
transaction, every event's inbox row written with them, in stream order, and
are acknowledged after the single commit. A commit per event costs more than
the work of a small handler; this is how a hot consumer goes past it. If the
batch fails, it is rolled back whole and every event runs again alone in its
own transaction, so a poison event is retried and dead-lettered on its own and
the good ones commit. An entity whose events in the fetch are not all of
batched types runs entirely on the one-by-one path, so its order holds.

On SQLite a batch handler may also be registered `reads_first`: it promises that its
reads never depend on its own writes and that it uses no write's result. The batch
then runs in two steps so that it holds SQLite's single write lock for its writes
only, not for its reads and Python work (a screen pop's access record waited behind
that whole time): first its inbox check, reads and work on a read snapshot, its
writes recorded rather than made (`PlannedWrites`); then, under the lock, on the
`BatchWriter`'s connection, the inbox rows and the recorded writes, and the commit.
At the lock it checks that no other connection committed since the snapshot
(SQLite's `data_version`, which the writer's own commits leave unchanged); if one
did, or if the handler needed the lock earlier (`NotPlannable`), the batch runs
again in one transaction under the lock from the start, as an ordinary batch. Both
steps run in one worker-thread hop holding the service's async connection, as every
batch on SQLite does (sqlite_thread.py), so the process's own writers on that connection
(the outbox relay, the endpoints) do not commit between them. Passive
checkpoints outside the lock keep the WAL short (`WalCheckpoints`), so that no commit
has to copy SQLite's 1,000 frames itself under the lock: the writer's connection leaves
them to these (its own automatic checkpoint only past `WRITER_AUTOCHECKPOINT` frames),
and each runs beside the next batch's plan, not before it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError
from nats.errors import TimeoutError as NatsTimeoutError
from prometheus_client import Counter, Histogram
from pydantic import ValidationError
from sqlalchemy import bindparam, create_engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from switchboard.common.bus import Bus
from switchboard.common.db import BackboneTables, configure_sqlite
from switchboard.common.events.base import Envelope, Payload, parse_payload
from switchboard.common.sqlite_thread import (
    MadeRows,
    SyncSession,
    ThreadedSqlite,
    WalCheckpoints,
    execute_made_on,
    execute_rows_on,
    fetch_all,
    made_for_driver,
    rows_on_driver,
    run_to_end,
)
from switchboard.common.streams import ConsumerSpec, dlq_subject
from switchboard.common.tenancy import bind_tenant
from switchboard.common.tracing import (
    continue_trace,
    correlation_id_var,
    tenant_var,
    traceparent_var,
)
from switchboard.common.uow import UnitOfWork

log = logging.getLogger(__name__)

HANDLED = Counter("sb_events_handled_total", "Events handled", ["service", "type", "outcome"])
DEAD_LETTERED = Counter("sb_events_dead_lettered_total", "Events parked in the dead-letter stream",
                        ["service"])
HANDLE_SECONDS = Histogram("sb_event_handle_seconds", "Time to handle one event", ["service"])
PLANNED = Counter("sb_batches_planned_total",
                  "Reads-first batches: committed as planned, or run again under the lock",
                  ["service", "outcome"])
# SQLite checkpoints the WAL inside the commit that finds it at 1,000 frames (its default), under
# the write lock: at a million customers a resolution batch adds 300-450 frames, so every third
# commit on the writer (a batch's, or a screen pop's access record) paid 30-40 ms for it. The
# consumer's passive checkpoints keep the WAL below that; this is only the backstop.
WRITER_AUTOCHECKPOINT = 10_000


@dataclass
class EventContext:
    """What a handler gets beside its payload: the envelope and the open unit of work."""

    envelope: Envelope
    uow: UnitOfWork

    @property
    def tenant(self) -> str:
        return self.envelope.tenant


Handler = Callable[[Any, EventContext], Awaitable[None]]
# (payload, envelope) pairs of one tenant, in stream order, new to this consumer (inbox
# already written), and the open unit of work they share.
BatchHandler = Callable[[list[tuple[Any, Envelope]], UnitOfWork], Awaitable[None]]


class HandlerMap:
    """Event payload class -> handler. Built in each service's `consumers.py`."""

    def __init__(self) -> None:
        self._by_type: dict[str, Handler] = {}
        self._batch_by_type: dict[str, BatchHandler] = {}
        self._reads_first: set[str] = set()
        self._classes: list[type[Payload]] = []

    def on(self, payload: type[Payload], handler: Handler) -> HandlerMap:
        self._by_type[payload.event_type()] = handler
        self._classes.append(payload)
        return self

    def on_batch(self, payload: type[Payload], handler: BatchHandler, *,
                 reads_first: bool = False) -> HandlerMap:
        """Handle this type a fetch at a time in one transaction (see the module's doc);
        a single event (a redelivery, the fallback) comes as a batch of one. `reads_first`:
        the handler's reads never see its own writes and it uses no write's result, so on
        SQLite it may read and work before the write lock is taken."""
        self._batch_by_type[payload.event_type()] = handler
        if reads_first:
            self._reads_first.add(payload.event_type())
        self._classes.append(payload)
        return self

    def get(self, event_type: str) -> Handler | None:
        handler = self._by_type.get(event_type)
        if handler is None and (batch := self._batch_by_type.get(event_type)) is not None:
            return _one_at_a_time(batch)
        return handler

    def batch_for(self, event_type: str) -> BatchHandler | None:
        return self._batch_by_type.get(event_type)

    def has_batches(self) -> bool:
        return bool(self._batch_by_type)

    def reads_first(self, event_type: str) -> bool:
        return event_type in self._reads_first

    def has_reads_first(self) -> bool:
        return bool(self._reads_first)

    def handled(self) -> list[tuple[str, str]]:
        """(producer service, event name) of every handled type, for the consumer filters."""
        return [(cls.service, cls.name) for cls in self._classes]

    def __len__(self) -> int:
        return len(self._by_type) + len(self._batch_by_type)


def _one_at_a_time(batch: BatchHandler) -> Handler:
    async def handler(payload: Any, ctx: EventContext) -> None:
        await batch([(payload, ctx.envelope)], ctx.uow)
    return handler


class HandlerFailed(Exception):
    pass


class NotPlannable(Exception):
    """A reads-first handler did what needs the write lock before its writes are made (an ORM
    add or flush, a savepoint, a write's result): the batch runs under the lock instead."""


class _Unwritten:
    """The result of a write that has not been made yet: any use of it is NotPlannable."""

    def __getattr__(self, name: str) -> Any:
        raise NotPlannable(f"a write's result ({name}) is not known before the write is made")


class PlannedWrites(SyncSession):
    """A read snapshot's session: reads run at once, Core writes are recorded to be made later,
    in order, under the write lock (`EventConsumer`'s reads-first batches)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.writes: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []

    reads_at_once = True  # fetch_all may read on the driver through it

    async def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(statement, "is_dml", False):
            self.writes.append((statement, args, kwargs))
            return _Unwritten()
        return self.sync_session.execute(statement, *args, **kwargs)

    async def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(statement, "is_dml", False):
            raise NotPlannable("a write whose result is used")
        return self.sync_session.scalar(statement, *args, **kwargs)

    async def scalars(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(statement, "is_dml", False):
            raise NotPlannable("a write whose result is used")
        return self.sync_session.scalars(statement, *args, **kwargs)

    async def rollback(self) -> None:
        """The snapshot wrote nothing: closing ends its transaction, without the Session's
        rollback bookkeeping (restoring the state of objects it never changed)."""
        self.sync_session.close()

    def _needs_the_lock(self, *_args: Any, **_kwargs: Any) -> Any:
        raise NotPlannable("ORM writes are made under the lock")

    add = add_all = _needs_the_lock
    delete = flush = begin_nested = _needs_the_lock  # type: ignore[assignment]


class _PlanningUnitOfWork(UnitOfWork):
    """The unit of work of a batch's first step: it never commits; its after-commit callbacks
    are kept for the commit of the second step."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.callbacks: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.callbacks.append(callback)

    async def commit(self) -> None:
        raise NotPlannable("the first step of a batch does not commit")


class BatchWriter:
    """The one SQLite connection reads-first batches commit on.

    SQLite's `data_version` of a connection changes when another connection commits, never
    for its own commits. A batch reads it here before its snapshot and again once it holds
    the write lock here: equal, nothing it read can have changed. Writes that cannot change
    what a batch reads (a screen pop's access record) commit on this connection too, so
    they may land between a batch's two steps without making it start over. One user at a
    time (a thread lock), for one transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._connection: Connection | None = None

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        with self._lock:
            if self._connection is None or self._connection.closed or self._connection.invalidated:
                self._connection = self._engine.connect()
                raw = self._connection.connection.dbapi_connection
                assert raw is not None
                raw.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT}")
            yield self._connection

    @staticmethod
    def data_version(connection: Connection) -> int:
        """On the driver's connection: SQLAlchemy's own execute would begin a transaction
        (and so take the write lock) just to ask."""
        raw = connection.connection.dbapi_connection
        assert raw is not None
        return int(raw.execute("PRAGMA data_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


@dataclass
class _Plan:
    """A batch's first step: what the inbox lacked, the writes to make, and what to check."""

    tenant: str
    kind: str
    fresh: set[str]
    version: int  # the writer's data_version before the snapshot was read
    generation: int  # the tenant's batches committed on the writer before it
    writes: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    callbacks: list[Callable[[], None]] = field(default_factory=list)
    # the writes as the driver takes them (SQL, and each row's values through the column types'
    # bind processors), made on the snapshot; None if one must be made in a Session
    on_driver: list[MadeRows] | None = None


class EventConsumer:
    def __init__(
        self,
        service: str,
        bus: Bus,
        sessions: async_sessionmaker[AsyncSession],
        backbone: BackboneTables,
        handlers: HandlerMap,
        *,
        max_deliver: int,
        concurrency: int = 16,
        on_commit: Callable[[], None] | None = None,
        fetch_timeout: float = 1.0,
        batches_in_thread: ThreadedSqlite | None = None,
    ) -> None:
        self.service = service
        self._bus = bus
        self._sessions = sessions
        self._backbone = backbone
        self._handlers = handlers
        self._max_deliver = max_deliver
        self._concurrency = asyncio.Semaphore(concurrency)
        self._batch = concurrency * 4
        self._on_commit = on_commit
        self._threaded = batches_in_thread  # SQLite: a batch's transaction in one thread hop
        self._fetch_timeout = fetch_timeout
        self._tasks: list[asyncio.Task[None]] = []
        self._writer: BatchWriter | None = None
        self._snapshots: Engine | None = None
        self._checkpoints: WalCheckpoints | None = None
        self._checkpointing: asyncio.Task[None] | None = None
        self._checkpointed = threading.Event()  # clear while a checkpoint is due or running
        self._checkpointed.set()
        self._generations: dict[str, int] = defaultdict(int)
        inbox = backbone.inbox
        # built once: a statement built per batch costs more than running it on a small batch
        self._inbox_read = select(inbox.c.event_id).where(
            inbox.c.consumer == bindparam("consumer"),
            inbox.c.event_id.in_(bindparam("ids", expanding=True)),
        ).execution_options(all_tenants=True)  # the inbox holds no tenant's rows
        self._inbox_write = sqlite.insert(inbox).on_conflict_do_nothing()
        if batches_in_thread is not None and handlers.has_reads_first():
            self._writer = BatchWriter(batches_in_thread.engine)
            self._snapshots = create_engine(batches_in_thread.engine.url, connect_args={
                "timeout": 30, "check_same_thread": False})
            configure_sqlite(self._snapshots, "FULL", begin="DEFERRED")
            self._checkpoints = WalCheckpoints(self._snapshots)

    @property
    def batch_writer(self) -> BatchWriter | None:
        """The connection reads-first batches commit on (SQLite), for writes that cannot
        change what a batch reads; None when there are no such batches."""
        return self._writer

    def start(self) -> None:
        for spec in self._bus.consumers:
            self._tasks.append(asyncio.create_task(self._pull(spec), name=spec.durable))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._checkpointing is not None:
            await self._checkpointing  # a thread's work cannot be cancelled: let it end

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._snapshots is not None:
            self._snapshots.dispose()
        if self._threaded is not None:
            self._threaded.close()

    async def _pull(self, spec: ConsumerSpec) -> None:
        while True:
            try:
                await self._bus.wait_ready()
                sub = await self._bus.js.pull_subscribe_bind(durable=spec.durable, stream=spec.stream)
                while True:
                    try:
                        messages = await sub.fetch(self._batch, timeout=self._fetch_timeout)
                    except (TimeoutError, NatsTimeoutError):
                        continue
                    await self._process_batch(messages)
            except asyncio.CancelledError:
                raise
            except (ConnectionClosedError, ConnectionError) as exc:
                log.warning("consumer lost the bus", extra={"fields": {"error": repr(exc)}})
                await asyncio.sleep(0.5)
            except Exception:
                log.exception("consumer loop failed", extra={"fields": {"durable": spec.durable}})
                await asyncio.sleep(1.0)

    async def _process_batch(self, messages: Iterable[Msg]) -> None:
        by_entity: dict[str, list[tuple[Msg, Envelope | str]]] = defaultdict(list)
        for index, msg in enumerate(messages):
            parsed = _parse(msg)
            ordered = isinstance(parsed, Envelope) and parsed.subject
            key = f"{parsed.tenant}/{parsed.subject}" if ordered else f"#{index}"  # type: ignore[union-attr]
            by_entity[key].append((msg, parsed))
        together: dict[tuple[str, str], list[tuple[Msg, Envelope]]] = defaultdict(list)
        one_by_one: list[list[tuple[Msg, Envelope | str]]] = []
        for group in by_entity.values():
            if all(isinstance(p, Envelope) and self._handlers.batch_for(p.type) for _, p in group):
                for msg, parsed in group:
                    together[(parsed.tenant, parsed.type)].append((msg, parsed))  # type: ignore[union-attr]
            else:
                one_by_one.append(group)
        # fetch order within each batch: the stream's order, so each entity's events stay in order
        for batch in together.values():
            batch.sort(key=lambda item: item[0].metadata.sequence.stream)

        async def run_in_order(group: list[tuple[Msg, Envelope | str]]) -> None:
            async with self._concurrency:
                for msg, parsed in group:
                    await self._process(msg, parsed)

        async def run_together(batch: list[tuple[Msg, Envelope]]) -> None:
            async with self._concurrency:
                outcomes = await self.handle_batch([envelope for _, envelope in batch],
                                                   [msg.headers or {} for msg, _ in batch])
                for (msg, envelope), outcome in zip(batch, outcomes, strict=True):
                    await self._settle(msg, envelope, outcome)

        await asyncio.gather(*(run_in_order(group) for group in one_by_one),
                             *(run_together(batch) for batch in together.values()))

    async def _process(self, msg: Msg, parsed: Envelope | str) -> None:
        if isinstance(parsed, str):
            await self._dead_letter(msg, None, parsed)
            return
        try:
            with HANDLE_SECONDS.labels(self.service).time():
                await self.handle(parsed, headers=msg.headers or {})
        except Exception as exc:  # noqa: BLE001 - every failure is retried or dead-lettered
            await self._settle(msg, parsed, exc)
            return
        await self._settle(msg, parsed, True)

    async def _settle(self, msg: Msg, envelope: Envelope, outcome: bool | Exception) -> None:
        """Acknowledge a handled (or duplicate) event; retry or dead-letter a failed one."""
        if not isinstance(outcome, Exception):
            await msg.ack()
            return
        deliveries = msg.metadata.num_delivered or 1
        HANDLED.labels(self.service, envelope.type, "failed").inc()
        if deliveries >= self._max_deliver:
            await self._dead_letter(msg, envelope, repr(outcome))
        else:
            log.warning(
                "handler failed; will retry",
                extra={"fields": {"event_id": envelope.id, "type": envelope.type,
                                  "delivery": deliveries, "error": repr(outcome)}},
            )
            await msg.nak(delay=min(0.2 * 2**deliveries, 30.0))

    async def handle(self, envelope: Envelope, headers: dict[str, str] | None = None) -> bool:
        """Run the handler for one event in one transaction; False if already handled."""
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return False  # a type this service does not act on (e.g. a newer version)
        payload = parse_payload(envelope)
        tenant_var.set(envelope.tenant)
        correlation_id_var.set(envelope.correlationid)
        traceparent_var.set(str(continue_trace((headers or {}).get("traceparent"))))
        uow = UnitOfWork(self._sessions, self._backbone, self.service, self._on_commit)
        async with uow:
            uow.scope_to(envelope.tenant)
            uow.causation_id = envelope.id
            if not await self._record_in_inbox(uow.session, envelope):
                HANDLED.labels(self.service, envelope.type, "duplicate").inc()
                return False
            await handler(payload, EventContext(envelope, uow))
            await uow.commit()
        HANDLED.labels(self.service, envelope.type, "ok").inc()
        return True

    async def _record_in_inbox(self, session: AsyncSession, envelope: Envelope) -> bool:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(self._backbone.inbox)
            .values(
                consumer=self.service,
                event_id=envelope.id,
                event_type=envelope.type,
                processed_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing()
        )
        result = await session.execute(statement)
        return bool(getattr(result, "rowcount", 0) == 1)

    async def handle_batch(
        self, envelopes: list[Envelope], headers: list[dict[str, str]] | None = None
    ) -> list[bool | Exception]:
        """Events of one tenant and one batched type, in order, in one transaction.

        For each event: True if handled, False if already handled, or the exception it
        failed with. If the transaction fails, each event runs again in its own.
        """
        if not envelopes:
            return []
        try:
            with HANDLE_SECONDS.labels(self.service).time():
                return await self._handle_together_once(envelopes, headers)
        except Exception as exc:  # noqa: BLE001 - the events are retried one by one
            log.warning("batch failed; handling its events one by one",
                        extra={"fields": {"events": len(envelopes), "error": repr(exc)}})
        outcomes: list[bool | Exception] = []
        for n, envelope in enumerate(envelopes):
            try:
                outcomes.append(await self.handle(envelope, headers[n] if headers else None))
            except Exception as exc:  # noqa: BLE001 - settled by the caller
                outcomes.append(exc)
        return outcomes

    async def _handle_together_once(
        self, envelopes: list[Envelope], headers: list[dict[str, str]] | None
    ) -> list[bool | Exception]:
        threaded = self._threaded
        if threaded is None:
            return await self._handle_together(envelopes, headers, self._sessions, self._on_commit)
        handled = None
        if self._writer is not None and self._handlers.reads_first(envelopes[0].type):
            handled = await self._handle_reads_first(threaded, envelopes, headers)
        if handled is None:
            handled = await threaded.run(
                lambda: self._handle_together(envelopes, headers, threaded.sessions, None)
            )
        if self._on_commit is not None:
            self._on_commit()  # here, on the event loop: the relay's wake is not thread-safe
        return handled

    async def _handle_reads_first(
        self, threaded: ThreadedSqlite, envelopes: list[Envelope], headers: list[dict[str, str]] | None
    ) -> list[bool | Exception] | None:
        """The batch in two steps (see the module's doc); None if it must run under the lock.

        Both steps run in one worker-thread hop holding the service's async connection, as any
        batch does: the process's other writers on it (the outbox relay's claims and settles,
        the endpoints) then commit before the snapshot or after the batch, never in between.
        With the snapshot taken before the connection was held, most batches at 50 contacts/s
        found the relay's commit of the batch before and ran a second time under the lock."""

        async def both() -> _Plan | None:
            return self._plan_and_commit(envelopes, headers)

        plan = await threaded.run(both)
        if plan is None:
            return None
        assert self._checkpoints is not None
        if self._checkpoints.committed(len(plan.fresh)):
            self._checkpoint_beside_the_next_batch()
        HANDLED.labels(self.service, plan.kind, "ok").inc(len(plan.fresh))
        HANDLED.labels(self.service, plan.kind, "duplicate").inc(len(envelopes) - len(plan.fresh))
        return [e.id in plan.fresh for e in envelopes]

    def _checkpoint_beside_the_next_batch(self) -> None:
        """A passive checkpoint in a worker thread of its own, not awaited: it takes no lock that a
        batch's reads wait for, so the next batch plans meanwhile (at a million customers it took
        12-16 ms of a 35 ms fetch), and commits once it has ended (`_commit_plan`). A commit in
        the middle of it would leave frames it did not copy, and SQLite starts the WAL over from
        its beginning only when a write finds every frame copied: with commits in between it
        grew to thousands of frames."""
        if not self._checkpointed.is_set():
            return  # one at a time
        self._checkpointed.clear()
        self._checkpointing = asyncio.create_task(asyncio.to_thread(self._checkpoint))
        # cancelled before its thread began (the loop closing), it must not hold the commits back
        self._checkpointing.add_done_callback(lambda _task: self._checkpointed.set())

    def _checkpoint(self) -> None:
        assert self._checkpoints is not None
        try:
            self._checkpoints.run()
        except Exception as exc:  # noqa: BLE001 - the next one is due soon; SQLite's is the backstop
            log.warning("passive checkpoint failed", extra={"fields": {"error": repr(exc)}})
        finally:
            self._checkpointed.set()

    def _plan_and_commit(
        self, envelopes: list[Envelope], headers: list[dict[str, str]] | None
    ) -> _Plan | None:
        """The two steps, on the worker thread: the plan committed, or None."""
        try:
            plan = run_to_end(self._plan(envelopes, headers))
        except NotPlannable:
            PLANNED.labels(self.service, "not plannable").inc()
            return None
        if not self._commit_plan(plan, envelopes):
            PLANNED.labels(self.service, "conflict").inc()
            return None
        PLANNED.labels(self.service, "committed").inc()
        return plan

    async def _plan(self, envelopes: list[Envelope], headers: list[dict[str, str]] | None) -> _Plan:
        """The first step, on a read snapshot: the inbox's answer, the handler's reads and work."""
        assert self._writer is not None and self._snapshots is not None
        tenant, kind = envelopes[0].tenant, envelopes[0].type
        handler, payloads = self._batch_handler(envelopes, headers)
        with self._writer.connection() as connection:
            plan = _Plan(tenant, kind, set(), BatchWriter.data_version(connection),
                         self._generations[tenant])
        snapshots = self._snapshots
        uow = _PlanningUnitOfWork(
            lambda: PlannedWrites(Session(snapshots, expire_on_commit=False, autoflush=False)),
            self._backbone, self.service, None)
        async with uow:
            uow.scope_to(tenant)
            known = await self._in_inbox(uow.session, envelopes)
            todo = []
            for payload, envelope in zip(payloads, envelopes, strict=True):
                if envelope.id not in known and envelope.id not in plan.fresh:
                    plan.fresh.add(envelope.id)
                    todo.append((payload, envelope))
            if todo:
                await handler(todo, uow)
            plan.writes = uow.session.writes  # type: ignore[attr-defined]
            plan.callbacks = uow.callbacks
        plan.on_driver = _for_the_driver(plan.writes, snapshots.dialect)
        return plan

    def _commit_plan(self, plan: _Plan, envelopes: list[Envelope]) -> bool:
        """The second step, under the write lock on the writer's connection: False (nothing
        written) if another connection committed since the snapshot."""
        assert self._writer is not None
        self._checkpointed.wait()  # the checkpoint begun after the batch before, if still running
        with self._writer.connection() as connection:
            make = self._make_on_driver if plan.on_driver is not None else self._make_in_session
            if not make(connection, plan, envelopes):
                return False
            self._generations[plan.tenant] += 1
        for callback in plan.callbacks:
            callback()
        return True

    def _make_on_driver(self, connection: Connection, plan: _Plan, envelopes: list[Envelope]) -> bool:
        """The inbox rows and the writes in one transaction straight on the driver, when every
        write is a Core INSERT or UPDATE of a table over rows (no ORM entity: no tenant net nor
        ORM bookkeeping to apply). A Session and SQLAlchemy's transaction cost more than a small
        batch's writes. The Connection never sees this transaction: it begins and ends here.
        Each row's values were made on the snapshot: under the lock only the driver's work."""
        raw = connection.connection.driver_connection
        assert raw is not None and plan.on_driver is not None
        raw.execute("BEGIN IMMEDIATE")  # the write lock, before data_version is read
        try:
            if not self._still_as_read(connection, plan) or not self._record_fresh_in_inbox(
                    connection, plan, envelopes):
                return False
            for made in plan.on_driver:
                execute_made_on(connection, made)
            raw.execute("COMMIT")
        finally:
            if raw.in_transaction:  # returned early or failed: nothing is written
                raw.execute("ROLLBACK")
        return True

    def _make_in_session(self, connection: Connection, plan: _Plan, envelopes: list[Envelope]) -> bool:
        """The same in a Session scoped to the tenant: an ORM write is among the writes."""
        with Session(connection, expire_on_commit=False, autoflush=False) as session:
            bind_tenant(session, plan.tenant)
            transaction = session.begin()
            session.connection()  # BEGIN IMMEDIATE, the write lock, before data_version is read
            if not self._still_as_read(connection, plan) or not self._record_fresh_in_inbox(
                    connection, plan, envelopes):
                transaction.rollback()
                return False
            for statement, args, kwargs in plan.writes:
                session.execute(statement, *args, **kwargs)
            transaction.commit()
        return True

    def _still_as_read(self, connection: Connection, plan: _Plan) -> bool:
        """Under the write lock: no other connection committed, nor this tenant's batch on the
        writer, since the snapshot was read."""
        return (BatchWriter.data_version(connection) == plan.version
                and self._generations[plan.tenant] == plan.generation)

    def _record_fresh_in_inbox(
        self, connection: Connection, plan: _Plan, envelopes: list[Envelope]
    ) -> bool:
        """The inbox rows of the events the snapshot found new, in the connection's transaction;
        False if one was there already."""
        if not plan.fresh:
            return True
        now = datetime.now(UTC)
        rows = [{"consumer": self.service, "event_id": e.id, "event_type": e.type, "processed_at": now}
                for e in {e.id: e for e in envelopes if e.id in plan.fresh}.values()]
        return execute_rows_on(connection, self._inbox_write, rows) == len(rows)

    async def _in_inbox(self, session: Any, envelopes: list[Envelope]) -> set[str]:
        """The ids of these events this consumer has handled before (read, not written)."""
        rows = await fetch_all(session, self._inbox_read, {
            "consumer": self.service, "ids": sorted({e.id for e in envelopes})})
        return {event_id for (event_id,) in rows}

    def _batch_handler(
        self, envelopes: list[Envelope], headers: list[dict[str, str]] | None
    ) -> tuple[BatchHandler, list[Any]]:
        """The handler of a batch of one tenant and one type, its payloads; the trace set."""
        tenant, kind = envelopes[0].tenant, envelopes[0].type
        if any(e.tenant != tenant or e.type != kind for e in envelopes):
            raise ValueError("a batch holds events of one tenant and one type")
        handler = self._handlers.batch_for(kind)
        if handler is None:
            raise ValueError(f"{kind} has no batch handler")
        payloads = [parse_payload(envelope) for envelope in envelopes]
        tenant_var.set(tenant)
        correlation_id_var.set(envelopes[0].correlationid)
        traceparent_var.set(str(continue_trace((headers[0] if headers else {}).get("traceparent"))))
        return handler, payloads

    async def _handle_together(
        self, envelopes: list[Envelope], headers: list[dict[str, str]] | None,
        sessions: Callable[[], Any], on_commit: Callable[[], None] | None,
    ) -> list[bool | Exception]:
        tenant, kind = envelopes[0].tenant, envelopes[0].type
        handler, payloads = self._batch_handler(envelopes, headers)
        uow = UnitOfWork(sessions, self._backbone, self.service, on_commit)
        async with uow:
            uow.scope_to(tenant)
            fresh = await self._record_all_in_inbox(uow.session, envelopes)
            todo, seen = [], set()
            for payload, envelope in zip(payloads, envelopes, strict=True):
                if envelope.id in fresh and envelope.id not in seen:
                    seen.add(envelope.id)
                    todo.append((payload, envelope))
            if todo:
                await handler(todo, uow)
            await uow.commit()
        handled = [e.id in fresh for e in envelopes]
        HANDLED.labels(self.service, kind, "ok").inc(len(todo))
        HANDLED.labels(self.service, kind, "duplicate").inc(len(envelopes) - len(todo))
        return handled  # type: ignore[return-value]

    async def _record_all_in_inbox(self, session: AsyncSession, envelopes: list[Envelope]) -> set[str]:
        """The ids newly recorded; the others were handled before."""
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        now = datetime.now(UTC)
        unique = {e.id: e for e in envelopes}
        # one cached statement over many parameter sets (a multi-row VALUES built per batch
        # would be compiled anew every time, which costs more than the insert)
        statement = (
            insert(self._backbone.inbox)
            .on_conflict_do_nothing()
            .returning(self._backbone.inbox.c.event_id)
        )
        result = await session.execute(
            statement,
            [{"consumer": self.service, "event_id": e.id, "event_type": e.type, "processed_at": now}
             for e in unique.values()],
        )
        return set(result.scalars())

    async def _dead_letter(self, msg: Msg, envelope: Envelope | None, error: str) -> None:
        tenant = envelope.tenant if envelope else _tenant_of(msg.subject)
        event_id = envelope.id if envelope else f"seq-{msg.metadata.sequence.stream}"
        headers = {
            "Nats-Msg-Id": f"dlq-{self.service}-{event_id}",
            "Sb-Original-Subject": msg.subject,
            "Sb-Consumer": self.service,
            "Sb-Error": error[:2000],
            "Sb-Deliveries": str(msg.metadata.num_delivered or 1),
            "Sb-Failed-At": datetime.now(UTC).isoformat(),
        }
        try:
            await self._bus.js.publish(dlq_subject(self.service, tenant), msg.data, headers=headers)
        except Exception as exc:  # noqa: BLE001 - not parked yet: let JetStream redeliver
            log.error("dead-lettering failed", extra={"fields": {"error": repr(exc)}})
            await msg.nak(delay=5.0)
            return
        DEAD_LETTERED.labels(self.service).inc()
        log.error(
            "event dead-lettered",
            extra={"fields": {"event_id": event_id, "subject": msg.subject, "error": error[:500]}},
        )
        await msg.term()


def _for_the_driver(
    writes: list[tuple[Any, tuple[Any, ...], dict[str, Any]]], dialect: Dialect
) -> list[MadeRows] | None:
    """Each recorded write as `execute_rows_on` would make it (`made_for_driver`), when every one
    may be made so (`rows_on_driver`); None otherwise."""
    if not all(rows_on_driver(statement, args, kwargs, dialect) for statement, args, kwargs in writes):
        return None
    return [made_for_driver(statement, args[0], dialect) for statement, args, _kwargs in writes]


def _parse(msg: Msg) -> Envelope | str:
    """The envelope, or why the message is not one (such a message is poison at once)."""
    try:
        return Envelope.model_validate_json(msg.data)
    except ValidationError as exc:
        return f"not a valid envelope: {exc}"


def _tenant_of(subject: str) -> str:
    parts = subject.split(".")
    return parts[1] if len(parts) > 2 else "unknown"
