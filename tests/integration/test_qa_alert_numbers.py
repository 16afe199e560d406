"""Alerts raised at once for many contacts get distinct, gap-free numbers in commit order,
on SQLite and on PostgreSQL (where the handlers really run in parallel)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer
from switchboard.common.db import create_engine, session_factory
from switchboard.common.events.base import make_envelope
from switchboard.common.events.ingest import MessageReceived
from switchboard.common.migrations import upgrade
from switchboard.common.streams import BusPolicy
from switchboard.common.testing import TestDatabases
from switchboard.qa.consumers import build_handlers
from switchboard.qa.models import backbone

pytestmark = pytest.mark.integration


def test_concurrent_alerts_are_numbered_without_collisions_or_gaps(databases: TestDatabases) -> None:
    url = databases.url_for("qa_alerts")
    upgrade("switchboard.qa", url)

    async def run() -> tuple[list[object], list[int]]:
        engine = create_engine(url)
        qa = EventConsumer("qa", Bus("nats://127.0.0.1:1", "qa", BusPolicy(), []), session_factory(engine),
                           backbone, build_handlers(), max_deliver=5)
        envelopes = [
            make_envelope(MessageReceived(
                message_id=str(uuid.uuid4()), conversation_id=f"c{i}", channel="chat", channel_id="web",
                from_address="visitor", to_address="web", text="card 4111 1111 1111 1111",
                received_at=datetime.now(UTC)), tenant="acme", source="ingest", subject=f"c{i}")
            for i in range(12)
        ]
        results = await asyncio.gather(*(qa.handle(e) for e in envelopes), return_exceptions=True)
        async with engine.connect() as conn:
            seqs = [row[0] for row in await conn.execute(text("SELECT seq FROM alerts ORDER BY seq"))]
        await engine.dispose()
        return results, seqs

    results, seqs = asyncio.run(run())
    assert results == [True] * 12
    assert seqs == list(range(1, 13))
