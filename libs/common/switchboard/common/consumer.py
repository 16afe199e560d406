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
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError
from nats.errors import TimeoutError as NatsTimeoutError
from prometheus_client import Counter, Histogram
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.common.bus import Bus
from switchboard.common.db import BackboneTables
from switchboard.common.events.base import Envelope, Payload, parse_payload
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.streams import ConsumerSpec, dlq_subject
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
        self._classes: list[type[Payload]] = []

    def on(self, payload: type[Payload], handler: Handler) -> HandlerMap:
        self._by_type[payload.event_type()] = handler
        self._classes.append(payload)
        return self

    def on_batch(self, payload: type[Payload], handler: BatchHandler) -> HandlerMap:
        """Handle this type a fetch at a time in one transaction (see the module's doc);
        a single event (a redelivery, the fallback) comes as a batch of one."""
        self._batch_by_type[payload.event_type()] = handler
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

    def start(self) -> None:
        for spec in self._bus.consumers:
            self._tasks.append(asyncio.create_task(self._pull(spec), name=spec.durable))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def close(self) -> None:
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
        handled = await threaded.run(
            lambda: self._handle_together(envelopes, headers, threaded.sessions, None)
        )
        if self._on_commit is not None:
            self._on_commit()  # here, on the event loop: the relay's wake is not thread-safe
        return handled

    async def _handle_together(
        self, envelopes: list[Envelope], headers: list[dict[str, str]] | None,
        sessions: Callable[[], Any], on_commit: Callable[[], None] | None,
    ) -> list[bool | Exception]:
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


def _parse(msg: Msg) -> Envelope | str:
    """The envelope, or why the message is not one (such a message is poison at once)."""
    try:
        return Envelope.model_validate_json(msg.data)
    except ValidationError as exc:
        return f"not a valid envelope: {exc}"


def _tenant_of(subject: str) -> str:
    parts = subject.split(".")
    return parts[1] if len(parts) > 2 else "unknown"
