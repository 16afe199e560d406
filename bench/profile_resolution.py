"""Inbound contacts resolved and appended per second by profile's consumer.

`ingest.message.received` envelopes go through the real `EventConsumer.handle`
(inbox row, handler, outbox row, commit) on a migrated SQLite file with the
production durability (`synchronous=FULL`), 16 at a time as the consumer runs
them. Senders repeat (10,000 events from 2,000 numbers), so both paths run:
a new customer, and a known one with its repeat-contact counts.

The baseline, in the same run, is the idempotent consumer's own floor: the
same events through the same wrapper with a handler that does nothing, so the
ratio is what resolution costs on top of recording and committing an event.

Each is measured two ways: one event per transaction (`EventConsumer.handle`,
16 at a time, how every consumer ran before batch handlers), and a fetch at a
time (`EventConsumer.handle_batch` on 64 events in stream order, one
transaction each, as the consumer runs a type registered with `on_batch`).

`--fetch N [N ...]` measures instead fetches of N events, one after another,
on the path the service runs them (`Runtime.build`: a `ThreadedSqlite` holding
the async engine, the handler registered `reads_first`, so each batch is read
on a snapshot and written through the `BatchWriter`), beside a do-nothing batch
handler registered the same way. At 50 contacts/s the service's fetches hold
1-2 events, at 200/s 4-5: there the fixed cost of a batch is what counts.

    .venv/bin/python bench/profile_resolution.py [--events 10000] [--senders 2000]
    .venv/bin/python bench/profile_resolution.py --fetch 1 4 64 [--events 2000] [--senders 500]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer, EventContext, HandlerMap
from switchboard.common.db import create_engine, session_factory
from switchboard.common.events.base import Envelope, make_envelope
from switchboard.common.events.ingest import MessageReceived
from switchboard.common.migrations import upgrade
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.streams import BusPolicy
from switchboard.common.uow import UnitOfWork
from switchboard.profile.consumers import build_handlers
from switchboard.profile.models import backbone

CONCURRENCY = 16
FETCH = CONCURRENCY * 4  # what the consumer fetches at a time


def envelopes(
    count: int, senders: int, first: int = 0, address: Callable[[int], str] | None = None
) -> list[Envelope]:
    """`count` contacts from `senders` numbers in turn, the first from the `first`-th one
    (`address(n)` gives the n-th contact's number instead, when given)."""
    out = []
    for n in range(first, first + count):
        event = MessageReceived(
            message_id=str(uuid.uuid4()), conversation_id=str(uuid.uuid4()), channel="sms",
            channel_id="ch", to_address="+8610086",
            from_address=address(n) if address else f"+86139{n % senders:08d}",
            text="我想查一下话费", received_at=datetime.now(UTC),
        )
        out.append(make_envelope(event, tenant="bench", source="ingest", subject=event.conversation_id))
    return out


async def nothing(_event: MessageReceived, _ctx: EventContext) -> None:
    return None


async def nothing_batched(_events: list[tuple[MessageReceived, Envelope]], _uow: UnitOfWork) -> None:
    return None


async def drain(
    path: Path, handlers: HandlerMap, events: list[Envelope], batched: bool, fetch: int = FETCH,
    warm: list[Envelope] | None = None,
) -> tuple[float, float]:
    """Events per second, and CPU milliseconds per event (the process's, both threads)."""
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url, sqlite_synchronous="FULL")
    bus = Bus("nats://127.0.0.1:1", "profile", BusPolicy(), [])  # never started: handle() needs no bus
    threaded = ThreadedSqlite(url, "FULL", hold=engine) if batched else None
    consumer = EventConsumer("profile", bus, session_factory(engine), backbone, handlers, max_deliver=5,
                             batches_in_thread=threaded)
    limit = asyncio.Semaphore(CONCURRENCY)

    async def handle(envelope: Envelope) -> None:
        async with limit:
            assert await consumer.handle(envelope)

    for start in range(0, len(warm or []), fetch):  # compiles the statements, fills the caches
        await consumer.handle_batch((warm or [])[start:start + fetch])
    started, cpu = time.perf_counter(), time.process_time()
    if batched:
        for start in range(0, len(events), fetch):
            outcomes = await consumer.handle_batch(events[start:start + fetch])
            assert all(outcome is True for outcome in outcomes), outcomes
    else:
        await asyncio.gather(*(handle(e) for e in events))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    consumer.close()
    await engine.dispose()
    return len(events) / elapsed, cpu * 1000 / len(events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=2_000)
    parser.add_argument("--fetch", type=int, nargs="+", help="fetches of N events, reads first")
    parser.add_argument("--only", choices=("floor", "profile"), help="with --fetch: one handler")
    args = parser.parse_args()
    if args.fetch:
        small_fetches(args.events, args.senders, args.fetch, args.only)
        return
    events = envelopes(args.events, args.senders)
    runs = {
        "floor, one per transaction": (HandlerMap().on(MessageReceived, nothing), False),
        "floor, a fetch per transaction": (HandlerMap().on_batch(MessageReceived, nothing_batched), True),
        "profile, one per transaction": (build_handlers(), False),
        "profile, a fetch per transaction": (build_handlers(), True),
    }
    rates = {}
    with tempfile.TemporaryDirectory(prefix="sb-bench-resolve-") as tmp:
        for n, (name, (handlers, batched)) in enumerate(runs.items()):
            upgrade("switchboard.profile", f"sqlite+aiosqlite:///{tmp}/{n}.db")
            rates[name] = asyncio.run(drain(Path(tmp) / f"{n}.db", handlers, events, batched))
    print(f"{args.events:,} message.received from {args.senders:,} senders "
          f"({CONCURRENCY} at a time, or {FETCH} per transaction)")
    print("| handler | events/s | CPU ms per event |")
    print("|---|---|---|")
    for name, (rate, cpu) in rates.items():
        print(f"| {name} | {rate:,.0f} | {cpu:.3f} |")

def small_fetches(count: int, senders: int, sizes: list[int], only: str | None = None) -> None:
    """CPU per event at each fetch size, the do-nothing floor and profile's handler."""
    events = envelopes(count, senders)
    warm = envelopes(64, 64, address=lambda n: f"+86138{n:08d}")
    runs = {
        "floor": HandlerMap().on_batch(MessageReceived, nothing_batched, reads_first=True),
        "profile": build_handlers(),
    }
    print(f"{count:,} message.received from {senders:,} senders, fetches of N, reads first")
    print("| fetch | handler | events/s | CPU ms per event |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="sb-bench-resolve-") as tmp:
        for size in sizes:
            for name, handlers in runs.items():
                if only not in (None, name):
                    continue
                path = Path(tmp) / f"{size}-{name}.db"
                upgrade("switchboard.profile", f"sqlite+aiosqlite:///{path}")
                rate, cpu = asyncio.run(drain(path, handlers, events, True, size, warm))
                print(f"| {size} | {name} | {rate:,.0f} | {cpu:.3f} |", flush=True)


if __name__ == "__main__":
    main()
