"""Routing's timers on a busy floor, in-process, on a real SQLite file: what one round costs.

Seeds `--agents` agents of `--slots` sms slots and offers them `--contacts` contacts through
the real consumer (batches of 64 in one thread hop each, as the service runs them), so that
every open offer keeps the tenant's timers running (`tenants_with_timed_work`) while nothing is
due: offers do not expire for an hour, nobody is in wrap-up, nothing waits in a queue. Then runs
`--rounds` rounds of `Ticker.tick_all`, as the service does twice a second, and reports the wall
time of a round (while it runs, the service's one SQLite connection is held: every batch of
contacts waits for it) and the CPU of a round.

    .venv/bin/python bench/routing_timers.py
    .venv/bin/python bench/routing_timers.py --aiosqlite   # the rounds' work alone, without the hop
    PYTHONPATH=/tmp/before-routing/services/routing .venv/bin/python bench/routing_timers.py
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import statistics
import time
from typing import Any

from routing_handler import contact_events, routing_database, seed

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.streams import BusPolicy
from switchboard.common.uow import UnitOfWork
from switchboard.routing.config import RoutingSettings
from switchboard.routing.consumers import build_handlers
from switchboard.routing.flow import timers
from switchboard.routing.models import backbone


def ticker_for(url: str, engine: Any, sessions: Any, settings: RoutingSettings,
               aiosqlite: bool) -> tuple[Any, str]:
    """The ticker as the service builds it on SQLite: in one thread hop where the code has one."""
    units = lambda: UnitOfWork(sessions, backbone, "routing")  # noqa: E731
    hop_class = getattr(timers, "ThreadHop", None)
    if aiosqlite or hop_class is None or "hop" not in inspect.signature(timers.Ticker).parameters:
        return timers.Ticker(units, settings), "aiosqlite"
    threaded = ThreadedSqlite(url, hold=engine)
    hop = hop_class(threaded, lambda emitted: UnitOfWork(threaded.sessions, backbone, "routing", emitted),
                    lambda: None)
    return timers.Ticker(units, settings, hop=hop), "one thread hop"


async def run(args: argparse.Namespace) -> None:
    url, engine, sessions = await routing_database("sb-routing-timers-")
    await seed(lambda: UnitOfWork(sessions, backbone, "routing"), args.agents, args.slots)
    settings = RoutingSettings(offer_timeout_seconds=3600)
    bus = Bus("nats://127.0.0.1:1", "routing", BusPolicy(), [])  # never started: handle() needs no bus
    in_thread = ThreadedSqlite(url, hold=engine)
    consumer = EventConsumer("routing", bus, sessions, backbone, build_handlers(settings), max_deliver=5,
                             batches_in_thread=in_thread)
    for first in range(0, args.contacts, 64):
        events = [contact_events(n) for n in range(first, min(args.contacts, first + 64))]
        for kind in (0, 1):
            assert all(await consumer.handle_batch([pair[kind] for pair in events]))
    ticker, how = ticker_for(url, engine, sessions, settings, args.aiosqlite)
    walls, cpus = [], []
    for _ in range(args.rounds):
        began, cpu = time.perf_counter(), time.process_time()
        await ticker.tick_all()
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    print(f"{args.contacts} offers held by {args.agents} agents; {args.rounds} rounds of the timers ({how}, "
          f"{timers.__file__})\n")
    print("| per round | median | min | max |\n|---|---|---|---|")
    for label, samples in (("wall (the connection held)", walls), ("CPU", cpus)):
        print(f"| {label} | {statistics.median(samples) * 1000:.1f} ms | {min(samples) * 1000:.1f} ms "
              f"| {max(samples) * 1000:.1f} ms |")
    consumer.close()
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--slots", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--aiosqlite", action="store_true",
                        help="the timers on the async session even where the code has a thread hop")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
