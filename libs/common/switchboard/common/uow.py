"""The unit of work: one transaction, its state changes and its outbox rows.

`async with uow:` opens a session and a transaction; `uow.emit(...)` writes the
event into the outbox table inside that same transaction; `await uow.commit()`
commits both at once and then wakes the relay. Leaving the block without
commit rolls everything back. Only boundaries (a request dependency, the
consumer wrapper) commit; handlers and repositories never do.

Code below the boundary that must tell someone in this process once its changes
are durable (a waiting desktop feed) registers `after_commit`; the callbacks run
right after the commit, in the thread that committed, and are dropped on rollback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.common.db import BackboneTables
from switchboard.common.events.base import Envelope, Payload, make_envelope
from switchboard.common.tenancy import bind_tenant
from switchboard.common.tracing import correlation_id_var, traceparent_var


class UnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        backbone: BackboneTables,
        source: str,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._backbone = backbone
        self._source = source
        self._on_commit = on_commit
        self._session: AsyncSession | None = None
        self._emitted = 0
        self._after_commit: list[Callable[[], None]] = []
        self.causation_id: str | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        self._emitted = 0
        await self._session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        self._after_commit = []
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()

    def scope_to(self, tenant: str) -> None:
        bind_tenant(self.session, tenant)

    async def emit(
        self,
        payload: Payload,
        *,
        tenant: str,
        subject: str | None = None,
    ) -> Envelope:
        """Record an event to publish once (and only if) this transaction commits."""
        [envelope] = await self.emit_all([(payload, subject)], tenant=tenant)
        return envelope

    async def emit_all(
        self,
        events: list[tuple[Payload, str | None]],
        *,
        tenant: str,
        causes: list[Envelope] | None = None,
    ) -> list[Envelope]:
        """`emit` for many (payload, subject) pairs in one statement: for batch work like a
        scheduler pass, where one round trip per event would dominate. A batch handler
        passes `causes`, the event each one answers (same length as `events`): each then
        carries its own cause's correlation id and id as causation id."""
        if not events:
            return []
        if causes is not None and len(causes) != len(events):
            raise ValueError("emit_all: one cause per event")
        headers: dict[str, Any] = {}
        if (tp := traceparent_var.get()) is not None:
            headers["traceparent"] = tp
        plain_headers = json.loads(json.dumps(headers))  # once, not per event
        now = datetime.now(UTC)
        envelopes = [
            make_envelope(
                payload,
                tenant=tenant,
                source=self._source,
                subject=subject,
                correlation_id=causes[n].correlationid if causes else correlation_id_var.get(),
                causation_id=causes[n].id if causes else self.causation_id,
            )
            for n, (payload, subject) in enumerate(events)
        ]
        await self.session.execute(
            insert(self._backbone.outbox),
            [
                {
                    "event_id": envelope.id,
                    "subject": envelope.nats_subject,
                    "envelope": envelope.model_dump_json(),
                    "headers": dict(plain_headers),
                    "created_at": now,
                    "attempts": 0,
                }
                for envelope in envelopes
            ],
        )
        self._emitted += len(envelopes)
        return envelopes

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once this transaction has committed (not at all if it rolls back)."""
        self._after_commit.append(callback)

    async def commit(self) -> None:
        await self.session.commit()
        if self._emitted and self._on_commit is not None:
            self._on_commit()
        self._emitted = 0
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    async def rollback(self) -> None:
        await self.session.rollback()
        self._emitted = 0
        self._after_commit = []
