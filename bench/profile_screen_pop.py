"""Screen-pop latency at 1,000,000 customers, against the same lookups at 10,000.

Each database is migrated with profile's real migrations (so it has exactly the
production indexes), then filled with bulk inserts: per customer one phone
identity, one conversation, two timeline entries, and a consent record for one
in ten. Then random callers are looked up two ways, in the same run:

- `service`: `screen_pop()` on the ordinary async unit of work (aiosqlite), reads only;
- `http`: `GET /v1/screen-pop` through the real app in-process (auth, routing,
  validation, serialization, the access record and its commit; no network), which
  on SQLite runs on one worker thread per pop (`sqlite_reader.py`).

The baseline is the same measurement on a 10,000-customer database: with the
right indexes the ratio stays near 1 however large the tenant grows.

`--resolving N` measures the http path while the app's own consumer resolves N
contacts a second on the same file (a fetch of 64 per transaction), as the
service runs at the same time. `--only resolution` runs that consumer alone,
unpaced, on `--events` contacts: the rate it reaches at each size, its CPU per
contact, and how long each fetch's transaction took (what a pop's access record
may wait for). `--callers known` draws the contacts from the file's own
customers (each with a history), `new` (the default) from numbers the file does
not hold yet (each a new customer on the first run; later runs on a kept file
find them).

    .venv/bin/python bench/profile_screen_pop.py [--customers 1000000] [--lookups 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from profile_resolution import FETCH, envelopes
from prometheus_client import REGISTRY

from switchboard.common.auth import mint_token
from switchboard.common.consumer import EventConsumer
from switchboard.common.db import BackboneTables, create_engine, session_factory
from switchboard.common.migrations import upgrade
from switchboard.common.serve import settle_the_heap
from switchboard.common.uow import UnitOfWork
from switchboard.profile.config import ProfileSettings
from switchboard.profile.identities import IdentityKey
from switchboard.profile.main import create_app
from switchboard.profile.models import backbone
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.screen_pop import screen_pop
from switchboard.profile.screen_pop_repository import ScreenPopRepository

TENANT = "bench"
BATCH = 50_000
SENDERS = 200_000  # contacts resolved meanwhile (--resolving) come from these numbers in turn
# CPU time of the whole process per lookup (both threads): steadier than latency on a shared machine
CPU_MS: dict[tuple[str, int], float] = {}
RESOLUTION: dict[int, float] = {}  # contacts a second, by size (--only resolution)


def phone_of(n: int) -> str:
    return f"+86138{n:08d}"


def _stamp(at: datetime) -> str:
    """How SQLAlchemy stores an instant in SQLite (UTC, no offset)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def fill(path: Path, customers: int) -> None:
    """Bulk-insert the tenant's data with plain executemany in large transactions."""
    db = sqlite3.connect(path)
    # generation only: no journal, and a cache big enough that random-key index inserts stay in memory
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-2000000")
    now = datetime.now(UTC)
    rng = random.Random(7)
    db.execute("INSERT INTO tiers (tenant_id, name, rank, description) VALUES (?, 'vip', 10, 'gold')",
               (TENANT,))
    for start in range(0, customers, BATCH):
        rows_c, rows_i, rows_v, rows_t, rows_k = [], [], [], [], []
        for n in range(start, min(start + BATCH, customers)):
            cid, conv = str(uuid.uuid4()), str(uuid.uuid4())
            first = now - timedelta(minutes=rng.randrange(60, 60 * 24 * 90))
            last = first + timedelta(minutes=rng.randrange(1, 50))
            rows_c.append((cid, TENANT, f"Customer {n}", "vip" if n % 20 == 0 else "standard",
                           "zh-CN", "Asia/Shanghai", '["broadband"]', '{"plan": "A"}',
                           _stamp(last), _stamp(first)))
            rows_i.append((str(uuid.uuid4()), TENANT, cid, "phone", phone_of(n), _stamp(first)))
            rows_v.append((TENANT, conv, cid, "sms", _stamp(first), _stamp(last), None))
            for at, kind in ((first, "message.received"), (last, "message.sent")):
                rows_t.append((str(uuid.uuid4()), TENANT, cid, str(uuid.uuid4()), kind, "sms", conv,
                               "话费查询", _stamp(at)))
            if n % 10 == 0:
                rows_k.append((str(uuid.uuid4()), TENANT, cid, "sms", phone_of(n), "marketing",
                               n % 20 == 0, "web-form", _stamp(first)))
        db.executemany(
            "INSERT INTO customers (id, tenant_id, name, tier, language, time_zone, tags, attributes,"
            " last_contact_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)", rows_c)
        db.executemany(
            "INSERT INTO identities (id, tenant_id, customer_id, kind, value, verified, created_at)"
            " VALUES (?,?,?,?,?,0,?)", rows_i)
        db.executemany(
            "INSERT INTO conversations (tenant_id, id, customer_id, channel, opened_at, last_contact_at,"
            " closed_at, resolved) VALUES (?,?,?,?,?,?,?,0)", rows_v)
        db.executemany(
            "INSERT INTO timeline (id, tenant_id, customer_id, event_id, kind, channel, conversation_id,"
            " summary, occurred_at) VALUES (?,?,?,?,?,?,?,?,?)", rows_t)
        db.executemany(
            "INSERT INTO consents (id, tenant_id, customer_id, channel, address, purpose, granted,"
            " source, updated_at) VALUES (?,?,?,?,?,?,?,?,?)", rows_k)
        db.commit()
    db.commit()  # no ANALYZE: the service never runs it, so the plans measured are its plans
    db.execute("PRAGMA journal_mode=WAL")  # as the service runs it
    db.close()


def planned_batches() -> str:
    """How the consumer's reads-first batches went (none on code without them)."""
    counts = {outcome: int(REGISTRY.get_sample_value(
        "sb_batches_planned_total", {"service": "profile", "outcome": outcome}) or 0)
        for outcome in ("committed", "conflict", "not plannable")}
    return ", ".join(f"{n} {outcome}" for outcome, n in counts.items())


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


async def measure_service(url: str, customers: int, lookups: int, tables: BackboneTables) -> list[float]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    rng, samples = random.Random(1), []
    for index in range(lookups + 100):
        if index == 100:
            CPU_MS[("service", customers)] = time.process_time()
        key = IdentityKey("phone", phone_of(rng.randrange(customers)))
        started = time.perf_counter()
        async with UnitOfWork(sessions, tables, "profile") as uow:
            uow.scope_to(TENANT)
            repo = ProfileRepository(uow.session)
            settings = await repo.tenant_settings(TENANT)
            customer = await ScreenPopRepository(uow.session).customer(TENANT, key)
            assert customer is not None
            await screen_pop(repo, settings, customer)
        if index >= 100:  # the first lookups warm the caches
            samples.append(time.perf_counter() - started)
    CPU_MS[("service", customers)] = (time.process_time() - CPU_MS[("service", customers)]) * 1000 / lookups
    await engine.dispose()
    return samples


def callers(kind: str, customers: int) -> Callable[[int], str] | None:
    """The number of the n-th contact resolved: `new` ones (None: profile_resolution's own
    numbers, which the file does not hold), or `known` customers of the file, drawn at random."""
    if kind == "new":
        return None
    rng = random.Random(3)
    return lambda _n: phone_of(rng.randrange(customers))


async def resolve_meanwhile(
    consumer: EventConsumer, rate: int, stop: asyncio.Event, address: Callable[[int], str] | None = None
) -> int:
    """Contacts resolved by the app's own consumer (a fetch of 64 per transaction, on the same
    file, connection and event loop as the pops, as the service runs), paced to `rate` a second."""
    done = 0
    while not stop.is_set():
        started = time.perf_counter()
        outcomes = await consumer.handle_batch(envelopes(FETCH, SENDERS, first=done, address=address))
        assert all(outcome is True for outcome in outcomes), outcomes
        done += FETCH
        await asyncio.sleep(max(0.0, FETCH / rate - (time.perf_counter() - started)))
    return done


async def measure_resolution(url: str, customers: int, events: int, kind: str) -> None:
    """The app's consumer alone, unpaced: contacts a second, CPU per contact, fetch durations."""
    settings = ProfileSettings(database_url=url, log_level="WARNING")
    app = create_app(settings)
    settle_the_heap(settings)  # as the service's process does before it serves
    consumer = app.state.runtime.consumer
    address = callers(kind, customers)
    fetches = [envelopes(FETCH, SENDERS, first=start, address=address) for start in range(0, events, FETCH)]
    await consumer.handle_batch(envelopes(FETCH, SENDERS, first=events))  # warms imports and caches
    durations, started, cpu = [], time.perf_counter(), time.process_time()
    for fetch in fetches:
        began = time.perf_counter()
        outcomes = await consumer.handle_batch(fetch)
        durations.append(time.perf_counter() - began)
        assert all(outcome is True for outcome in outcomes), outcomes
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    p50, p99 = percentiles(durations)
    print(f"  resolution alone ({kind} callers): {events:,} contacts in {seconds:.1f} s, "
          f"{events / seconds:,.0f}/s, {cpu * 1000 / events:.3f} ms of CPU each; "
          f"a fetch of {FETCH} took p50 {p50:.1f} / p99 {p99:.1f} / max {max(durations) * 1000:.1f} ms; "
          f"batches read first: {planned_batches()}")
    RESOLUTION[customers] = events / seconds
    await app.state.runtime.engine.dispose()


async def measure_http(
    url: str, customers: int, lookups: int, resolving: int = 0, kind: str = "new", pop_rate: int = 0
) -> list[float]:
    settings = ProfileSettings(database_url=url, log_level="WARNING")
    app = create_app(settings)
    settle_the_heap(settings)  # as the service's process does before it serves
    stop = asyncio.Event()
    resolver = (asyncio.create_task(resolve_meanwhile(app.state.runtime.consumer, resolving, stop,
                                                      callers(kind, customers)))
                if resolving else None)
    resolving_since = time.perf_counter()
    token = mint_token(settings, tenant=TENANT, subject="bench", roles=["agent"])
    rng, samples = random.Random(2), []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://profile",
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        for index in range(lookups + 100):
            if index == 100:
                CPU_MS[("http", customers)] = time.process_time()
            phone = phone_of(rng.randrange(customers))
            started = time.perf_counter()
            response = await client.get("/v1/screen-pop", params={"phone": phone})
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            if index >= 100:
                samples.append(elapsed)
            if pop_rate:  # an agents' floor asking at this rate, not pops back to back
                await asyncio.sleep(max(0.0, 1 / pop_rate - (time.perf_counter() - started)))
    CPU_MS[("http", customers)] = (time.process_time() - CPU_MS[("http", customers)]) * 1000 / lookups
    if resolver is not None:
        stop.set()
        resolved, seconds = await resolver, time.perf_counter() - resolving_since
        print(f"  meanwhile {resolved:,} contacts resolved in {seconds:.1f} s "
              f"({resolved / seconds:,.0f}/s, paced to at most {resolving:,}/s); "
              f"batches read first: {planned_batches()}")
    await app.state.runtime.engine.dispose()
    return samples


def run(
    workdir: Path, customers: int, args: argparse.Namespace
) -> dict[str, tuple[float, float]]:
    lookups, only = args.lookups, args.only
    path = workdir / f"profile-{customers}.db"
    url = f"sqlite+aiosqlite:///{path}"
    if path.exists():  # a database kept from an earlier run (--keep): migrate, do not refill
        upgrade("switchboard.profile", url)
        print(f"  {customers:,} customers reused from {path} ({path.stat().st_size / 2**20:.0f} MiB)")
    else:
        upgrade("switchboard.profile", url)
        started = time.perf_counter()
        fill(path, customers)
        print(f"  {customers:,} customers generated in {time.perf_counter() - started:.0f} s "
              f"({path.stat().st_size / 2**20:.0f} MiB)")
    figures = {"service": (float("nan"), float("nan")), "http": (float("nan"), float("nan"))}
    if only in (None, "service"):
        figures["service"] = percentiles(asyncio.run(measure_service(url, customers, lookups, backbone)))
    if only in (None, "http"):
        figures["http"] = percentiles(asyncio.run(
            measure_http(url, customers, lookups, args.resolving, args.callers, args.pop_rate)))
    if only == "resolution":
        asyncio.run(measure_resolution(url, customers, args.events, args.callers))
    return figures


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the generated databases in this folder and reuse them next run "
                             "(the 1,000,000-customer one takes minutes to build)")
    parser.add_argument("--only", choices=("service", "http", "resolution"), default=None,
                        help="measure one of the two paths only, or resolution alone (no pops)")
    parser.add_argument("--events", type=int, default=20_000,
                        help="contacts resolved by --only resolution")
    parser.add_argument("--callers", choices=("new", "known"), default="new",
                        help="contacts resolved from numbers the file does not hold, or from its "
                             "customers (--resolving and --only resolution)")
    parser.add_argument("--resolving", type=int, default=0, metavar="EVENTS_PER_S",
                        help="meanwhile resolve this many contacts a second through the consumer, "
                             "a fetch per transaction, on the same file (the http path; the CPU "
                             "per pop then includes theirs)")
    parser.add_argument("--pop-rate", type=int, default=0, metavar="POPS_PER_S",
                        help="pace the pops to this many a second (default: back to back, so a "
                             "faster pop also takes more of the CPU the resolution shares)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sb-bench-profile-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results = {}
        for size in (args.baseline, args.customers):
            print(f"{size:,} customers")
            results[size] = run(workdir, size, args)
    if args.only == "resolution":
        big, small = RESOLUTION[args.customers], RESOLUTION[args.baseline]
        print(f"\nresolution rate {args.customers:,} / {args.baseline:,}: {big / small:.2f}x")
        return
    print(f"\nscreen pop, {args.lookups} random callers, milliseconds")
    print("| customers | service p50 | service p99 | http p50 | http p99 | http CPU per pop |")
    print("|---|---|---|---|---|---|")
    for size, figures in results.items():
        (sp50, sp99), (hp50, hp99) = figures["service"], figures["http"]
        cpu = CPU_MS.get(("http", size), float("nan"))
        print(f"| {size:,} | {sp50:.2f} | {sp99:.2f} | {hp50:.2f} | {hp99:.2f} | {cpu:.2f} |")
    big, small = results[args.customers]["http"], results[args.baseline]["http"]
    print(f"\nhttp p99 ratio {args.customers:,} / {args.baseline:,}: {big[1] / small[1]:.2f}x")


if __name__ == "__main__":
    main()
