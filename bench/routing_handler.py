"""Routing's own share of webhook to offer: its handlers, in-process, on a real SQLite file.

Feeds `--contacts` contacts (an `ingest.message.received` and its `profile.contact.identified`)
through the real consumer wrapper (inbox, tenant lock, handler, outbox, commit) of routing,
with agent slots for every contact, as the bus would deliver them, `--concurrency` at a time.
The baseline of the same run is the same wrapper with a handler that does nothing (the inbox
row and the commit alone). Reports events/s and per-event time.

    .venv/bin/python bench/routing_handler.py --contacts 1000
    .venv/bin/python bench/routing_handler.py --contacts 1000 --fetch 64   # as batches
    .venv/bin/python bench/routing_handler.py --contacts 1000 --fetch 64 --threaded   # as the service
    .venv/bin/python -m pyinstrument bench/routing_handler.py --contacts 300   # where the time goes
    .venv/bin/python bench/routing_handler.py --contacts 2000 --fetch 32 --threaded --slots 5 --only memory
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer, EventContext, HandlerMap
from switchboard.common.db import create_engine, session_factory
from switchboard.common.events.base import Envelope, make_envelope
from switchboard.common.events.ingest import MessageReceived
from switchboard.common.events.profile import ContactIdentified
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.streams import BusPolicy
from switchboard.common.uow import UnitOfWork
from switchboard.routing.config import RoutingSettings
from switchboard.routing.consumers import build_handlers
from switchboard.routing.flow.generations import track_generations
from switchboard.routing.flow.hot import HotStates
from switchboard.routing.models import Agent, Base, Queue, backbone


def contact_events(index: int) -> list[Envelope]:
    conversation = f"conv-{index}"
    now = datetime.now(UTC)
    payloads = [
        MessageReceived(message_id=str(uuid.uuid4()), conversation_id=conversation, channel="sms",
                        channel_id="ch", from_address=f"+86139{index:08d}", to_address="+8610086",
                        text="我的话费不对", received_at=now),
        ContactIdentified(customer_id=f"cust-{index}", conversation_id=conversation, channel="sms",
                          tier="standard", language="zh"),
    ]
    return [make_envelope(p, tenant="acme", source=p.service, subject=conversation, correlation_id="c")
            for p in payloads]


async def routing_database(prefix: str) -> tuple[str, Any, Any]:
    """A fresh SQLite file with routing's tables: its URL, engine and session factory."""
    url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix=prefix))}/routing.db"
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return url, engine, session_factory(engine)


async def seed(units: Callable[[], UnitOfWork], agents: int, slots: int) -> None:
    now = datetime.now(UTC)
    async with units() as uow:
        uow.scope_to("acme")
        uow.session.add(Queue(id=str(uuid.uuid4()), tenant_id="acme", name="general", channels=["sms"],
                              strategy="longest_idle", required_skills={}, sla_target=0.8, sla_seconds=20,
                              wrap_up_seconds=0, escalation={}, is_default=True, limit_action="abandon",
                              created_at=now))
        for n in range(agents):
            uow.session.add(Agent(tenant_id="acme", id=f"agent-{n}", name=f"agent-{n}", skills={},
                                  capacity={"sms": slots}, voice_exclusive=True, blended=False,
                                  state="available", state_since=now, idle_since=now, missed_offers=0,
                                  created_at=now))
        await uow.commit()


async def run(handlers: HandlerMap, contacts: int, concurrency: int, batch: int = 0, threaded: bool = False,
              slots: int = 50, memory: bool = True) -> tuple[float, list[float], float]:
    url, engine, sessions = await routing_database("sb-routing-handler-")
    track_generations()
    # as the service: each tenant's agents and tasks kept in memory between passes (flow/hot.py)
    hot = HotStates.keep_for(url) if memory else None
    await seed(lambda: UnitOfWork(sessions, backbone, "routing"), max(10, contacts // slots), slots)
    bus = Bus("nats://127.0.0.1:1", "routing", BusPolicy(), [])  # never started: handle() needs no bus
    # --threaded: a batch's transaction in one worker-thread hop on a synchronous session, as the
    # service runs its batches on SQLite (Runtime.build)
    in_thread = ThreadedSqlite(url, hold=engine) if threaded else None
    consumer = EventConsumer("routing", bus, sessions, backbone, handlers, max_deliver=5,
                             batches_in_thread=in_thread)
    gate = asyncio.Semaphore(concurrency)
    times: list[float] = []

    async def one(index: int) -> None:
        async with gate:  # a contact's two events in order, as the consumer keeps a subject's order
            for envelope in contact_events(index):
                began = time.perf_counter()
                await consumer.handle(envelope)
                times.append(time.perf_counter() - began)

    async def fetch(first: int) -> None:
        """A fetch of messages, then a fetch of their profiles, each in one transaction."""
        events = [contact_events(n) for n in range(first, min(contacts, first + batch))]
        for kind in (0, 1):
            began = time.perf_counter()
            await consumer.handle_batch([pair[kind] for pair in events])
            times.extend([time.perf_counter() - began] * len(events))

    began, cpu = time.perf_counter(), time.process_time()
    if batch:
        await asyncio.gather(*(fetch(n) for n in range(0, contacts, batch)))
    else:
        await asyncio.gather(*(one(n) for n in range(contacts)))
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    consumer.close()
    await engine.dispose()
    del hot
    return elapsed, times, cpu


def nothing() -> HandlerMap:
    async def ignore(event: Any, ctx: EventContext) -> None:
        return None
    return HandlerMap().on(MessageReceived, ignore).on(ContactIdentified, ignore)


def nothing_batched() -> HandlerMap:
    async def ignore(batch: list[Any], uow: UnitOfWork) -> None:
        return None
    return HandlerMap().on_batch(MessageReceived, ignore).on_batch(ContactIdentified, ignore)


def line(label: str, elapsed: float, times: list[float], cpu: float) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000
    return (f"| {label} | {len(times) / elapsed:,.0f} | {statistics.median(ordered) * 1000:.1f} ms "
            f"| {p99:.1f} ms | {elapsed / len(times) * 1000:.2f} ms | {cpu / len(times) * 1000:.3f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--fetch", type=int, default=0,
                        help="deliver fetches of this many events per transaction (batch handlers)")
    parser.add_argument("--slots", type=int, default=50,
                        help="sms slots per agent; contacts / slots agents (at least 10)")
    parser.add_argument("--threaded", action="store_true",
                        help="run each fetch's transaction in a worker thread, as the service does on SQLite")
    parser.add_argument("--only", choices=("reading", "memory"), default=None,
                        help="the baseline and this one of the handlers' runs (e.g. under a profiler)")
    args = parser.parse_args()
    settings = RoutingSettings()
    runs: list[tuple[str, Callable[[], Coroutine[Any, Any, tuple[float, list[float]]]]]] = [
        ("baseline: inbox and commit, no handler",
         lambda: run(nothing_batched() if args.fetch else nothing(), args.contacts, args.concurrency,
                     args.fetch, args.threaded, args.slots)),
        ("routing's handlers, every pass reading the agents and tasks",
         lambda: run(build_handlers(settings), args.contacts, args.concurrency, args.fetch, args.threaded,
                     args.slots, memory=False)),
        ("routing's handlers, agents and tasks kept in memory (the service)",
         lambda: run(build_handlers(settings), args.contacts, args.concurrency, args.fetch, args.threaded,
                     args.slots)),
    ]
    if args.only is not None:
        runs = [runs[0], runs[1 if args.only == "reading" else 2]]
    how = f"fetches of {args.fetch}" if args.fetch else f"{args.concurrency} at a time"
    how += ", each in a worker thread" if args.threaded else ""
    print(f"{args.contacts} contacts (2 events each), {how}\n")
    print("| consumer | events/s | p50 (queueing incl.) | p99 | wall time per event | CPU per event |\n"
          "|---|---|---|---|---|---|")
    results = [(label, asyncio.run(make())) for label, make in runs]
    for label, (elapsed, times, cpu) in results:
        print(line(label, elapsed, times, cpu))
    base = results[0][1]
    for label, (elapsed, _, cpu) in results[1:]:
        print(f"\n{label} / baseline: wall time {elapsed / base[0]:.1f}x, CPU {cpu / base[2]:.1f}x")


if __name__ == "__main__":
    main()
