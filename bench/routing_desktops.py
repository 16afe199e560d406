"""Routing's desktop feeds on a quiet floor: the CPU their reads take, in-process, on a SQLite file.

`--agents` agents, each holding `--held` offered tasks, each with a desktop feed open on the
process's `DesktopBell`, as `GET /v1/agents/{id}/stream` opens it; every feed's timer asks for a
read every `--every` seconds (nothing changes, so no snapshot is sent). Reports the rounds the
reader made and the process's CPU per second of feeds, against the baseline of the same run:
the same time with the feeds open and no timer at all.

    .venv/bin/python bench/routing_desktops.py --agents 200 --held 5 --seconds 10
    PYTHONPATH=<tree>/services/routing .venv/bin/python bench/routing_desktops.py   # another tree
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import time
import uuid
from datetime import UTC, datetime, timedelta

from routing_handler import routing_database

from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.uow import UnitOfWork
from switchboard.routing.api.agents import DesktopSnapshots
from switchboard.routing.desktops import DesktopBell
from switchboard.routing.models import Agent, Queue, Task, backbone


async def seed(units: UnitOfWork, agents: int, held: int) -> None:
    now = datetime.now(UTC)
    async with units as uow:
        uow.scope_to("acme")
        queue = Queue(id=str(uuid.uuid4()), tenant_id="acme", name="general", channels=["sms"],
                      strategy="longest_idle", required_skills={}, sla_target=0.8, sla_seconds=20,
                      wrap_up_seconds=0, escalation={}, is_default=True, limit_action="abandon",
                      created_at=now)
        uow.session.add(queue)
        for n in range(agents):
            uow.session.add(Agent(tenant_id="acme", id=f"agent-{n}", name=f"agent-{n}", skills={},
                                  capacity={"sms": held}, voice_exclusive=True, blended=False,
                                  state="available", state_since=now, idle_since=now, missed_offers=0,
                                  created_at=now))
            for k in range(held):
                uow.session.add(Task(
                    id=str(uuid.uuid4()), tenant_id="acme", conversation_id=f"conv-{n}-{k}", channel="sms",
                    direction="inbound", status="offered", queue_id=queue.id, priority=0, rule_priority=0,
                    required_skills={}, facts={"has_contact": True, "language": "zh", "segments": []},
                    profile_known=True, escalation_level=0, transfers=0, agent_id=f"agent-{n}",
                    offer_expires_at=now + timedelta(hours=1), customer_id=f"cust-{n}-{k}",
                    tier="standard", created_at=now, queued_at=now))
        await uow.commit()


def attach(bell: DesktopBell, units: object, url: str) -> ThreadedSqlite | None:
    """The tree's own way: a snapshot connection where its bell takes one."""
    if "snapshots" in inspect.signature(bell.attach).parameters:
        snapshots = ThreadedSqlite(url, begin="DEFERRED")
        bell.attach(units, DesktopSnapshots(), snapshots)  # type: ignore[arg-type]
        return snapshots
    bell.attach(units, DesktopSnapshots())  # type: ignore[arg-type]
    return None


async def run(agents: int, held: int, seconds: float, every: float | None) -> tuple[int, float]:
    url, engine, sessions = await routing_database("sb-routing-desktops-")
    await seed(UnitOfWork(sessions, backbone, "routing"), agents, held)
    rounds = 0

    class CountingBell(DesktopBell):
        async def _read_round(self, tenant: str, agent_ids: set[str]) -> None:
            nonlocal rounds
            rounds += 1
            await super()._read_round(tenant, agent_ids)

    bell = CountingBell()
    snapshots = attach(bell, lambda: UnitOfWork(sessions, backbone, "routing"), url)
    ask = getattr(bell, "poll", None) or (lambda tenant, agent: bell.ring(tenant, [agent]))

    async def feed(agent_id: str) -> None:
        """As `_agent_feed` does: wait for a snapshot, and ask again after `every` of quiet."""
        with bell.listen("acme", agent_id) as queue:
            await queue.get()
            while True:
                try:
                    await asyncio.wait_for(queue.get(), every)
                except TimeoutError:
                    ask("acme", agent_id)

    async def open_only(agent_id: str) -> None:
        with bell.listen("acme", agent_id) as queue:
            await queue.get()
            await asyncio.Event().wait()

    feeds = [asyncio.create_task(feed(f"agent-{n}") if every else open_only(f"agent-{n}"))
             for n in range(agents)]
    await asyncio.sleep(1.0)  # every feed's first snapshot
    rounds, cpu = 0, time.process_time()
    await asyncio.sleep(seconds)
    cpu = time.process_time() - cpu
    for task in feeds:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*feeds)
    if snapshots is not None:
        snapshots.close()
    await engine.dispose()
    return rounds, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--held", type=int, default=5, help="offered tasks each agent holds")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=0.5, help="a feed's timer, as the stream's `every`")
    args = parser.parse_args()
    print(f"{args.agents} feeds, {args.held} held tasks each, timers every {args.every} s, "
          f"{args.seconds:.0f} s\n")
    print("| feeds | read rounds/s | CPU per second |\n|---|---|---|")
    for label, every in (("baseline: open, no timer", None), ("timers", args.every)):
        rounds, cpu = asyncio.run(run(args.agents, args.held, args.seconds, every))
        print(f"| {label} | {rounds / args.seconds:,.1f} | {cpu / args.seconds * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
