"""Inbound contacts resolved and appended per second by profile's consumer.

`ingest.message.received` envelopes go through the real `EventConsumer.handle`
(inbox row, handler, outbox row, commit) on a migrated SQLite file with the
production durability (`synchronous=FULL`), 16 at a time as the consumer runs
them. Senders repeat (10,000 events from 2,000 numbers), so both paths run:
a new customer, and a known one with its repeat-contact counts.

The baseline, in the same run, is the idempotent consumer's own floor: the
same events through the same wrapper with a handler that does nothing, so the
ratio is what resolution costs on top of recording and committing an event.

    .venv/bin/python bench/profile_resolution.py [--events 10000] [--senders 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer, EventContext, HandlerMap
from switchboard.common.db import create_engine, session_factory
from switchboard.common.events.base import Envelope, make_envelope
from switchboard.common.events.ingest import MessageReceived
from switchboard.common.migrations import upgrade
from switchboard.common.streams import BusPolicy
from switchboard.profile.consumers import build_handlers
from switchboard.profile.models import backbone

CONCURRENCY = 16


def envelopes(count: int, senders: int) -> list[Envelope]:
    out = []
    for n in range(count):
        event = MessageReceived(
            message_id=str(uuid.uuid4()), conversation_id=str(uuid.uuid4()), channel="sms",
            channel_id="ch", from_address=f"+86139{n % senders:08d}", to_address="+8610086",
            text="我想查一下话费", received_at=datetime.now(UTC),
        )
        out.append(make_envelope(event, tenant="bench", source="ingest", subject=event.conversation_id))
    return out


async def nothing(_event: MessageReceived, _ctx: EventContext) -> None:
    return None


async def drain(path: Path, handlers: HandlerMap, events: list[Envelope]) -> float:
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url, sqlite_synchronous="FULL")
    bus = Bus("nats://127.0.0.1:1", "profile", BusPolicy(), [])  # never started: handle() needs no bus
    consumer = EventConsumer("profile", bus, session_factory(engine), backbone, handlers, max_deliver=5)
    limit = asyncio.Semaphore(CONCURRENCY)

    async def handle(envelope: Envelope) -> None:
        async with limit:
            assert await consumer.handle(envelope)

    started = time.perf_counter()
    await asyncio.gather(*(handle(e) for e in events))
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return len(events) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=2_000)
    args = parser.parse_args()
    events = envelopes(args.events, args.senders)
    with tempfile.TemporaryDirectory(prefix="sb-bench-resolve-") as tmp:
        for name in ("floor", "profile"):
            upgrade("switchboard.profile", f"sqlite+aiosqlite:///{tmp}/{name}.db")
        floor = asyncio.run(drain(Path(tmp) / "floor.db", HandlerMap().on(MessageReceived, nothing), events))
        profile = asyncio.run(drain(Path(tmp) / "profile.db", build_handlers(), events))
    print(f"{args.events:,} message.received from {args.senders:,} senders, {CONCURRENCY} at a time")
    print("| handler | events/s |")
    print("|---|---|")
    print(f"| consumer floor (inbox + commit, no-op handler) | {floor:,.0f} |")
    print(f"| profile resolution (customer, conversation, timeline, contact.identified) | {profile:,.0f} |")
    print(f"\nprofile / floor: {profile / floor:.2f}")


if __name__ == "__main__":
    main()
