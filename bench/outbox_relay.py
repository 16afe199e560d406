"""Outbox relay throughput: the relay's windowed publish_async vs awaiting each ack.

Both sides drain the same number of ~300-byte events from a SQLite outbox into
a private nats-server, in the same run, on the same machine; the ratio is what
to read (this machine is shared and noisy). Run against both JetStream sync
settings: `sync_interval: always` (the single-node default) and NATS's own
default (fsync every 2 minutes).

    .venv/bin/python bench/outbox_relay.py [--events 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import MetaData, delete, insert, select

from switchboard.common.bus import Bus
from switchboard.common.db import BackboneTables, create_engine, session_factory
from switchboard.common.events.base import make_envelope
from switchboard.common.events.ingest import MessageReceived
from switchboard.common.launcher import NatsServer
from switchboard.common.outbox import OutboxRelay
from switchboard.common.streams import BusPolicy


async def fill_outbox(sessions, backbone: BackboneTables, count: int) -> None:
    payload = MessageReceived(
        message_id="m", conversation_id="c", channel="sms", channel_id="ch",
        from_address="+8613800138000", to_address="+8610086", text="x" * 40,
        received_at=datetime.now(UTC),
    )
    rows = []
    for _ in range(count):
        envelope = make_envelope(payload, tenant="bench", source="bench")
        rows.append({"event_id": envelope.id, "subject": envelope.nats_subject,
                     "envelope": envelope.model_dump_json(), "headers": {},
                     "created_at": datetime.now(UTC), "attempts": 0})
    async with sessions() as session, session.begin():
        await session.execute(insert(backbone.outbox), rows)


async def drain_with_relay(relay: OutboxRelay) -> None:
    while await relay.publish_batch():
        pass


async def drain_awaiting_each_ack(sessions, backbone: BackboneTables, bus: Bus) -> None:
    """The baseline: one publish, wait for its ack, the next one."""
    outbox = backbone.outbox
    while True:
        async with sessions() as session:
            async with session.begin():
                rows = (await session.execute(select(outbox).order_by(outbox.c.seq).limit(1000))).all()
            if not rows:
                return
            for row in rows:
                await bus.js.publish(row.subject, row.envelope.encode(),
                                     headers={"Nats-Msg-Id": row.event_id})
            async with session.begin():
                await session.execute(delete(outbox).where(outbox.c.seq.in_([r.seq for r in rows])))


async def measure(sync_always: bool, events: int, workdir: Path) -> dict[str, float]:
    label = "always" if sync_always else "default"
    nats = NatsServer(workdir / f"nats-{label}", sync_always=sync_always).start()
    metadata = MetaData()
    backbone = BackboneTables.define(metadata)
    engine = create_engine(f"sqlite+aiosqlite:///{workdir}/outbox-{label}.db")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    bus = Bus(nats.url, "ingest", BusPolicy(), [], publish_window=1000)
    bus.start()
    await bus.wait_ready()
    relay = OutboxRelay("ingest", engine, sessions, backbone, bus, batch_size=1000)
    results: dict[str, float] = {}
    try:
        for name, drain in (
            ("awaiting each ack", lambda: drain_awaiting_each_ack(sessions, backbone, bus)),
            ("relay, publish_async window 1000", lambda: drain_with_relay(relay)),
        ):
            await fill_outbox(sessions, backbone, events)
            started = time.perf_counter()
            await drain()
            results[name] = events / (time.perf_counter() - started)
    finally:
        await bus.close()
        await engine.dispose()
        nats.stop()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{args.events} events, ~300-byte envelopes, SQLite outbox, one relay\n")
        print("| JetStream sync | awaiting each ack | relay (window 1000) | ratio |")
        print("|---|---|---|---|")
        for sync_always in (True, False):
            result = await measure(sync_always, args.events, Path(tmp))
            baseline, relay = result.values()
            setting = "`sync_interval: always`" if sync_always else "default (2 min)"
            print(f"| {setting} | {baseline:,.0f} ev/s | {relay:,.0f} ev/s | {relay / baseline:.1f}x |")


if __name__ == "__main__":
    asyncio.run(main())
