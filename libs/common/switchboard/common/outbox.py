"""The outbox relay: publishes committed events to JetStream, in order, at least once.

Woken right after a commit that emitted events (low latency) and sweeping on a
timer (recovery after a crash or a broker outage). It publishes a batch (at most
`batch_size` rows, all in flight at once: `Bus.publish_all`) and waits for the
broker's acknowledgements; only acknowledged rows are deleted. Each message carries
`Nats-Msg-Id` = event id, so a row re-sent after a lost acknowledgement is
dropped by the stream's duplicate window, and any older duplicate by the
consumers' inbox.

On PostgreSQL the batch is claimed with FOR UPDATE SKIP LOCKED, so several
replicas share the work without sending the same rows. SQLite has one writer
and one replica; there the claim is not held across the publish so that
request transactions are not blocked behind the network.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from switchboard.common.bus import Bus
from switchboard.common.db import BackboneTables, is_sqlite

log = logging.getLogger(__name__)

PUBLISHED = Counter("sb_outbox_published_total", "Events the broker acknowledged", ["service"])
FAILED = Counter("sb_outbox_publish_failures_total", "Publish attempts that failed", ["service"])
LAG = Gauge("sb_outbox_oldest_age_seconds", "Age of the oldest unpublished event", ["service"])
BATCH_SECONDS = Histogram("sb_outbox_batch_seconds", "Time to publish one batch", ["service"])


@dataclass(frozen=True)
class _Row:
    seq: int
    event_id: str
    subject: str
    envelope: str
    headers: dict[str, str]


class OutboxRelay:
    def __init__(
        self,
        service: str,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        backbone: BackboneTables,
        bus: Bus,
        *,
        batch_size: int = 1000,
        sweep_seconds: float = 1.0,
        ack_timeout: float = 10.0,
    ) -> None:
        self.service = service
        self._sessions = sessions
        self._outbox = backbone.outbox
        self._bus = bus
        self._batch_size = batch_size
        self._sweep_seconds = sweep_seconds
        self._ack_timeout = ack_timeout
        self._hold_claim = not is_sqlite(str(engine.url))
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.service}-outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self._sweep_seconds)
            except TimeoutError:
                pass
            self._wake.clear()
            if not self._bus.connected:
                continue
            try:
                while await self.publish_batch() == self._batch_size:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay pass failed")
                await asyncio.sleep(0.5)

    async def publish_batch(self) -> int:
        """Publish one batch; returns how many rows it found."""
        async with self._sessions() as session:
            async with session.begin():
                rows = await self._claim(session)
                if not rows:
                    LAG.labels(self.service).set(0)
                    return 0
                if self._hold_claim:
                    await self._settle(session, *await self._publish(rows))
                    return len(rows)
            outcome = await self._publish(rows)
            async with session.begin():
                await self._settle(session, *outcome)
        return len(rows)

    async def _claim(self, session: AsyncSession) -> list[_Row]:
        query = select(
            self._outbox.c.seq,
            self._outbox.c.event_id,
            self._outbox.c.subject,
            self._outbox.c.envelope,
            self._outbox.c.headers,
            self._outbox.c.created_at,
        ).order_by(self._outbox.c.seq).limit(self._batch_size)
        if self._hold_claim:
            query = query.with_for_update(skip_locked=True)
        result = (await session.execute(query)).all()
        if result:
            oldest = result[0].created_at
            if oldest.tzinfo is None:  # SQLite hands back naive UTC
                oldest = oldest.replace(tzinfo=UTC)
            LAG.labels(self.service).set(max(0.0, time.time() - oldest.timestamp()))
        return [_Row(r.seq, r.event_id, r.subject, r.envelope, dict(r.headers or {})) for r in result]

    async def _publish(self, rows: list[_Row]) -> tuple[list[int], dict[int, str]]:
        started = time.perf_counter()
        outcomes = await self._bus.publish_all(
            [(row.subject, row.envelope.encode(), {**row.headers, "Nats-Msg-Id": row.event_id})
             for row in rows],
            self._ack_timeout,
        )
        acked: list[int] = []
        failed: dict[int, str] = {}
        for row, error in zip(rows, outcomes, strict=True):
            if error is None:
                acked.append(row.seq)
            else:
                failed[row.seq] = error
        BATCH_SECONDS.labels(self.service).observe(time.perf_counter() - started)
        PUBLISHED.labels(self.service).inc(len(acked))
        if failed:
            FAILED.labels(self.service).inc(len(failed))
            log.warning("outbox publish failures", extra={"fields": {"failed": len(failed)}})
        return acked, failed

    async def _settle(self, session: AsyncSession, acked: list[int], failed: dict[int, str]) -> None:
        for start in range(0, len(acked), 500):
            chunk = acked[start : start + 500]
            await session.execute(delete(self._outbox).where(self._outbox.c.seq.in_(chunk)))
        if failed:
            first_error = next(iter(failed.values()))
            await session.execute(
                update(self._outbox)
                .where(self._outbox.c.seq.in_(list(failed)))
                .values(attempts=self._outbox.c.attempts + 1, last_error=first_error)
            )
