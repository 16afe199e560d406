"""End to end: an accepted inbound SMS webhook to the offer at an agent, at a steady arrival rate.

Starts a private nats-server and real ingest, profile and routing processes (SQLite by
default, PostgreSQL with SB_TEST_DATABASE=postgres), one default queue and enough agent
slots that no contact waits for an agent, then posts signed webhooks at `--rate` per second
for `--seconds`. Reported per contact, from ingest's commit of the message: the time to the
task opening in routing (the bus hop, the baseline of the same run) and to the offer (bus
hops, profile, the routing decision), as p50/p95/p99/max. The bench also listens on the bus
(core NATS) for profile's `contact.identified` and routing's `task.offered` and times their
arrival: the offer event on the bus is the offer committed and relayed, what an agent's
desktop can be told of; the decision's own timestamp (`offered_at`) is taken before the commit.

    .venv/bin/python bench/routing_e2e.py --rate 50 --seconds 10

`--from-bus` leaves ingest out: the bench publishes each `ingest.message.received` to JetStream
itself, at the rate, as ingest's outbox relay does after its commit, and times from the
broker's acknowledgement of that publish. That measures the profile and routing share of the
path at rates ingest's webhooks do not reach on this machine yet.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from switchboard.common.testing import Platform, TestDatabases, wait_until
from switchboard.ingest.signatures import sign_generic


def setup(platform: Platform, agents: int, slots: int) -> tuple[str, str]:
    secret = f"secret-{uuid.uuid4().hex}"
    with platform.client("ingest", "acme", "admin") as admin:
        channel = admin.post("/v1/channels", json={"kind": "sms", "provider": "generic",
                                                   "address": "+8610086", "name": "Hotline",
                                                   "signing_secret": secret}).json()
    setup_routing(platform, agents, slots)
    return f"{platform.url('ingest')}/v1/webhooks/sms/generic/{channel['id']}", secret


def setup_routing(platform: Platform, agents: int, slots: int) -> None:
    with platform.client("routing", "acme", "admin") as admin:
        assert admin.post("/v1/queues", json={"name": "general", "channels": ["sms"],
                                              "is_default": True}).status_code == 201
        for index in range(agents):
            agent_id = f"agent-{index}"
            admin.post("/v1/agents", json={"id": agent_id, "name": agent_id, "capacity": {"sms": slots}})
            assert admin.post(f"/v1/agents/{agent_id}/sign-in", json={}).status_code == 200


async def post_steadily(url: str, secret: str, rate: float, seconds: float, clock: BusClock,
                        settle: Any) -> int:
    """The webhooks are posted from a process of their own: posting 200 a second from the event
    loop that also reads the desktop feeds and listens on the bus made that loop lag, and the
    arrival times it took were its own lag (contact.identified seen seconds after the decision
    that needed it)."""
    count = int(rate * seconds)
    await clock.start()
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as poster:
            codes = await asyncio.get_running_loop().run_in_executor(
                poster, post_all, url, secret, rate, count, time.time() + 1.0)
            await settle(clock)
    finally:
        await clock.stop()
    assert set(codes) == {200}, sorted(set(codes))
    return count


def post_all(url: str, secret: str, rate: float, count: int, start: float) -> list[int]:
    """`count` signed webhooks, the n-th at `start + n / rate` (wall clock), in this process."""

    async def run() -> list[int]:
        async with httpx.AsyncClient(timeout=60) as client:

            async def one(index: int) -> int:
                await asyncio.sleep(max(0.0, start + index / rate - time.time()))
                body = json.dumps({"message_id": str(uuid.uuid4()), "from": f"+86139{index:08d}",
                                   "to": "+8610086", "text": "我的话费不对"}).encode()
                stamp = str(int(time.time()))
                headers = {"Content-Type": "application/json", "X-Signature-Timestamp": stamp,
                           "X-Signature": sign_generic(secret, stamp, body)}
                return (await client.post(url, content=body, headers=headers)).status_code

            return list(await asyncio.gather(*(one(i) for i in range(count))))

    return asyncio.run(run())


async def publish_steadily(nats_url: str, rate: float, seconds: float, clock: BusClock,
                           settle: Any) -> dict[str, datetime]:
    """MessageReceived straight to the bus at `rate`, from a process of its own (as the webhooks
    are posted); conversation id -> the broker's ack."""
    count = int(rate * seconds)
    await clock.start()
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as publisher:
            acked = await asyncio.get_running_loop().run_in_executor(
                publisher, publish_all, nats_url, rate, count, time.time() + 1.0)
            await settle(clock)
    finally:
        await clock.stop()
    return acked


def publish_all(nats_url: str, rate: float, count: int, start: float) -> dict[str, datetime]:
    """`count` MessageReceived, the n-th at `start + n / rate` (wall clock), in this process."""
    import nats

    from switchboard.common.events.base import make_envelope
    from switchboard.common.events.ingest import MessageReceived

    async def run() -> dict[str, datetime]:
        acked: dict[str, datetime] = {}
        connection = await nats.connect(nats_url)
        stream = connection.jetstream()

        async def one(index: int) -> None:
            await asyncio.sleep(max(0.0, start + index / rate - time.time()))
            conversation = str(uuid.uuid4())
            payload = MessageReceived(message_id=str(uuid.uuid4()), conversation_id=conversation,
                                      channel="sms", channel_id="bench", from_address=f"+86139{index:08d}",
                                      to_address="+8610086", text="我的话费不对",
                                      received_at=datetime.now(UTC))
            envelope = make_envelope(payload, tenant="acme", source="ingest", subject=conversation)
            await stream.publish(envelope.nats_subject, envelope.model_dump_json().encode(),
                                 headers={"Nats-Msg-Id": envelope.id})
            acked[conversation] = datetime.now(UTC)

        try:
            await asyncio.gather(*(one(i) for i in range(count)))
        finally:
            await connection.close()
        return acked

    return asyncio.run(run())


class BusClock:
    """Arrival time of each conversation's first event of a subject, listened to on core NATS, and
    of its first task in an agent's desktop feed (`/v1/agents/{id}/stream`, as a desktop reads it)."""

    def __init__(self, nats_url: str, subjects: dict[str, str], desktops: list[str] | None = None,
                 routing_url: str = "", token: str = "") -> None:
        self.nats_url, self.subjects = nats_url, subjects
        self.desktops, self.routing_url, self.token = desktops or [], routing_url, token
        self.seen: dict[str, dict[str, datetime]] = {label: {} for label in [*subjects, "desktop"]}
        self._connection: Any = None
        self._feeds: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        import nats

        self._connection = await nats.connect(self.nats_url)
        for label, subject in self.subjects.items():
            seen = self.seen[label]

            async def arrived(msg: Any, seen: dict[str, datetime] = seen) -> None:
                subject_of = json.loads(msg.data)["data"]["conversation_id"]
                seen.setdefault(subject_of, datetime.now(UTC))

            await self._connection.subscribe(subject, cb=arrived)
        await self._connection.flush()
        opened = [asyncio.Event() for _ in self.desktops]
        self._feeds = [asyncio.create_task(self._read_feed(agent, ready))
                       for agent, ready in zip(self.desktops, opened, strict=True)]
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in opened)), 30)

    async def _read_feed(self, agent_id: str, opened: asyncio.Event) -> None:
        seen = self.seen["desktop"]
        headers = {"Authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(timeout=600) as client, client.stream(
                "GET", f"{self.routing_url}/v1/agents/{agent_id}/stream", headers=headers) as response:
            async for line in response.aiter_lines():
                opened.set()
                if line.startswith("data: "):
                    now = datetime.now(UTC)
                    for task in json.loads(line[6:])["tasks"]:
                        seen.setdefault(task["conversation_id"], now)

    async def stop(self) -> None:
        for feed in self._feeds:
            feed.cancel()
        await asyncio.gather(*self._feeds, return_exceptions=True)
        await self._connection.close()


def rows(url: str, sql: str) -> list[tuple[str, datetime]]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def run() -> list[tuple[str, datetime]]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            result = [(r[0], _utc(r[1])) for r in await conn.execute(text(sql))]
        await engine.dispose()
        return result

    return asyncio.run(run())


def _utc(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def handle_time(url: str) -> str:
    """Mean time one handler transaction took, and the relay's publish batches, from the service's
    own Prometheus metrics."""
    metrics = httpx.get(f"{url}/metrics", timeout=10).text
    names = ("sb_event_handle_seconds_sum", "sb_event_handle_seconds_count", "sb_outbox_batch_seconds_sum",
             "sb_outbox_batch_seconds_count", "sb_outbox_published_total", "process_cpu_seconds_total",
             "sb_routing_decision_passes_total", "sb_routing_state_reads_total")
    values = {line.split(" ")[0].split("{")[0]: float(line.split(" ")[-1]) for line in metrics.splitlines()
              if line.startswith(names)}
    count = values.get("sb_event_handle_seconds_count", 0)
    mean = values.get("sb_event_handle_seconds_sum", 0) / count * 1000 if count else 0
    batches = values.get("sb_outbox_batch_seconds_count", 0)
    published = values.get("sb_outbox_published_total", 0)
    publish = values.get("sb_outbox_batch_seconds_sum", 0) / batches * 1000 if batches else 0
    return (f"{count:.0f} handler transactions, {mean:.1f} ms each on average; relay: {published:.0f} "
            f"events in {batches:.0f} batches, {publish:.1f} ms each to publish; "
            f"{values.get('process_cpu_seconds_total', 0):.1f} s of CPU since start"
            + (f"; {values['sb_routing_decision_passes_total']:.0f} decision passes, "
               f"{values.get('sb_routing_state_reads_total', 0):.0f} of them reading the agents and tasks"
               if "sb_routing_decision_passes_total" in values else ""))


def describe(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return (f"| {label} | {statistics.median(ordered) * 1000:.0f} ms | {pick(0.95):.0f} ms "
            f"| {pick(0.99):.0f} ms | {ordered[-1] * 1000:.0f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--from-bus", action="store_true", help="publish ingest's events; no webhooks")
    parser.add_argument("--slots", type=int, default=50,
                        help="sms slots per agent (agents enough for every contact to find one)")
    parser.add_argument("--desktops", type=int, default=-1,
                        help="agents whose desktop feed the bench reads (default: every agent)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the services (e.g. ROUTING_TICK_SECONDS=1)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sb-routing-e2e-"))
    platform = Platform(workdir, TestDatabases(workdir))
    try:
        # Nobody accepts in the bench: offers must not time out (agents would go not-ready).
        platform.start(["profile", "routing"] if args.from_bus else ["ingest", "profile", "routing"],
                       extra_env={"ROUTING_OFFER_TIMEOUT_SECONDS": "3600",
                                  **dict(pair.split("=", 1) for pair in args.env)})
        count = int(args.rate * args.seconds)
        assert platform.nats is not None
        agents = max(10, -(-count // args.slots))
        clock = BusClock(platform.nats.url, {"identified": "sb.acme.profile.contact.identified",
                                             "offer_event": "sb.acme.routing.task.offered"},
                         desktops=[f"agent-{n}" for n in range(agents if args.desktops < 0
                                                               else args.desktops)],
                         routing_url=platform.url("routing"), token=platform.token("acme", "supervisor"))

        async def settle(clock: BusClock) -> None:
            deadline = time.monotonic() + 300
            # with feeds read for only some agents, every contact is seen on the bus but not on a desktop
            desktops = clock.seen["desktop"] if len(clock.desktops) == agents else clock.seen["offer_event"]
            while min(len(clock.seen["offer_event"]), len(desktops)) < count:
                assert time.monotonic() < deadline, "every contact offered"
                await asyncio.sleep(0.2)

        if args.from_bus:
            setup_routing(platform, agents=agents, slots=args.slots)
            accepted = asyncio.run(publish_steadily(platform.nats.url, args.rate, args.seconds,
                                                    clock, settle))
        else:
            url, secret = setup(platform, agents=agents, slots=args.slots)
            asyncio.run(post_steadily(url, secret, args.rate, args.seconds, clock, settle))
        wait_until(lambda: platform.scalar("routing", "SELECT count(*) FROM reservations") >= count,
                   300, "every contact offered")
        if not args.from_bus:
            accepted = dict(rows(platform.database_url("ingest"),
                                 "SELECT conversation_id, created_at FROM messages"))
        opened = dict(rows(platform.database_url("routing"), "SELECT conversation_id, created_at FROM tasks"))
        offered = dict(rows(platform.database_url("routing"),
                            "SELECT t.conversation_id, r.offered_at FROM reservations r "
                            "JOIN tasks t ON t.id = r.task_id"))
        origin = "the broker's ack of the publish" if args.from_bus else "ingest's commit"
        print(f"{count} contacts at {args.rate:.0f}/s for {args.seconds:.0f} s\n")
        print(f"| from {origin} to | p50 | p95 | p99 | max |\n|---|---|---|---|---|")
        print(describe("task opened in routing (baseline: one bus hop)",
                       [(opened[c] - accepted[c]).total_seconds() for c in opened]))
        print(describe("contact.identified on the bus (profile)",
                       [(at - accepted[c]).total_seconds() for c, at in clock.seen["identified"].items()]))
        print(describe("offer decided (`offered_at`, before the commit)",
                       [(offered[c] - accepted[c]).total_seconds() for c in offered]))
        print(describe("task.offered on the bus (routing's commit and relay)",
                       [(at - accepted[c]).total_seconds() for c, at in clock.seen["offer_event"].items()]))
        if clock.seen["desktop"]:
            print(describe(f"offer at an agent (in the desktop feeds of {len(clock.desktops)} agents)",
                           [(at - accepted[c]).total_seconds() for c, at in clock.seen["desktop"].items()]))
        for service in ("profile", "routing"):
            print(f"\n{service}: {handle_time(platform.url(service))}")
    finally:
        platform.stop()


if __name__ == "__main__":
    main()
