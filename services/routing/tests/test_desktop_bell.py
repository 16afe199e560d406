"""Desktop feeds: woken by the commit that changed their agent, read together per tenant."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from conftest import Consumer
from routing_scenarios import identified, message

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.streams import BusPolicy
from switchboard.common.uow import UnitOfWork
from switchboard.routing.consumers import build_handlers
from switchboard.routing.desktops import DesktopBell
from switchboard.routing.models import Agent, Task, backbone


def render(agent: Agent, held: list[Task]) -> str:
    return json.dumps({"agent": agent.id, "tasks": [task.conversation_id for task in held]})


def bell_on(sessions, snapshots: ThreadedSqlite | None = None) -> DesktopBell:
    bell = DesktopBell()
    bell.attach(lambda: UnitOfWork(sessions, backbone, "routing"), render, snapshots)
    return bell


async def sign_in(api, agent_id: str) -> None:
    await api.ok("POST", "/v1/agents", 201, json={"id": agent_id, "name": agent_id, "capacity": {"sms": 1}})
    await api.ok("POST", f"/v1/agents/{agent_id}/sign-in", json={})


async def next_snapshot(feed: asyncio.Queue) -> dict:
    return json.loads(await asyncio.wait_for(feed.get(), 5))


@pytest.mark.parametrize("thread_hop", [False, True], ids=["aiosqlite", "one thread hop"])
@pytest.mark.parametrize("snapshot_reads", [False, True], ids=["feeds on the unit of work",
                                                               "feeds on a snapshot connection"])
async def test_an_offer_reaches_its_agents_feed_once_committed_and_no_other(
        api, sessions, settings, thread_hop, snapshot_reads) -> None:
    url = settings.resolved_database_url()
    snapshots = ThreadedSqlite(url, begin="DEFERRED") if snapshot_reads else None
    bell = bell_on(sessions, snapshots)
    threaded = ThreadedSqlite(url, hold=sessions.kw["bind"]) if thread_hop else None
    bus = Bus("nats://127.0.0.1:1", "routing", BusPolicy(), [])
    routing = Consumer(EventConsumer("routing", bus, sessions, backbone, build_handlers(settings, bell),
                                     max_deliver=5, batches_in_thread=threaded), sessions, settings)
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms"], "is_default": True})
    await sign_in(api, "ann")
    await sign_in(api, "bob")
    try:
        with bell.listen("acme", "ann") as ann, bell.listen("acme", "bob") as bob, \
                bell.listen("other", "ann") as other_tenant:
            assert await next_snapshot(ann) == {"agent": "ann", "tasks": []}, "a first snapshot at once"
            assert (await next_snapshot(bob))["tasks"] == []
            assert await asyncio.wait_for(other_tenant.get(), 5) is None, "no such agent in that tenant"
            await routing.send_batch([(message("a", text="hi"), "a")])
            await routing.send_batch([(identified("a", customer="k-a"), "a")])
            [offer] = await routing.events("task.offered")
            offered, other = (ann, bob) if offer.agent_id == "ann" else (bob, ann)
            assert await next_snapshot(offered) == {"agent": offer.agent_id, "tasks": ["a"]}
            await asyncio.sleep(0.1)
            assert other.empty() and other_tenant.empty(), "only the agent offered to was read again"
    finally:
        for engine in (threaded, snapshots):
            if engine is not None:
                engine.close()


async def test_a_ring_from_another_thread_reads_the_feed_again(api, sessions) -> None:
    await sign_in(api, "ann")
    bell = bell_on(sessions)
    bell.ring("acme", ["ann"])  # no feed open yet: nothing to wake, no error
    with bell.listen("acme", "ann") as ann:
        await next_snapshot(ann)
        thread = threading.Thread(target=bell.ring, args=("acme", ["ann"]))
        thread.start()
        thread.join()
        assert (await next_snapshot(ann))["agent"] == "ann"
    await asyncio.sleep(0.05)
    assert not bell._readers, "the tenant's reader ends with its last feed"


@pytest.mark.parametrize("snapshot_reads", [False, True], ids=["feeds on the unit of work",
                                                               "feeds on a snapshot connection"])
async def test_a_round_renders_an_agent_again_only_when_its_rows_changed(
        api, sessions, settings, snapshot_reads) -> None:
    rendered: list[tuple[str, str]] = []

    def counting(agent, held) -> str:
        rendered.append((agent.id, agent.state))
        return render(agent, held)

    snapshots = ThreadedSqlite(settings.resolved_database_url(), begin="DEFERRED") if snapshot_reads else None
    bell = DesktopBell()
    bell.attach(lambda: UnitOfWork(sessions, backbone, "routing"), counting, snapshots)
    bus = Bus("nats://127.0.0.1:1", "routing", BusPolicy(), [])
    routing = Consumer(EventConsumer("routing", bus, sessions, backbone, build_handlers(settings, bell),
                                     max_deliver=5), sessions, settings)
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms"], "is_default": True})
    await sign_in(api, "ann")
    try:
        with bell.listen("acme", "ann") as ann:
            first = await next_snapshot(ann)
            bell.ring("acme", ["ann"])  # as the feed's timer does: nothing changed
            assert await next_snapshot(ann) == first
            assert rendered == [("ann", "available")], "the same rows: the last snapshot, not rendered again"
            await routing.send_batch([(message("a", text="hi"), "a")])
            await routing.send_batch([(identified("a", customer="k-a"), "a")])
            assert await next_snapshot(ann) == {"agent": "ann", "tasks": ["a"]}
            assert rendered == [("ann", "available")] * 2, "a task offered: rendered again"
            await api.ok("PUT", "/v1/agents/ann/state", json={"state": "not_ready", "reason": "break"})
            bell.ring("acme", ["ann"])  # the agent's own row changed, its tasks did not
            await next_snapshot(ann)
            assert rendered[-1] == ("ann", "not_ready"), "the agent's new row rendered, read as a row"
            bell.ring("acme", ["ann"])
            await next_snapshot(ann)
            assert len(rendered) == 3, "and not again while it stays the same"
    finally:
        if snapshots is not None:
            snapshots.close()


async def test_the_feeds_polls_are_gathered_into_one_round(api, sessions) -> None:
    await sign_in(api, "ann")
    await sign_in(api, "bob")
    rounds: list[set[str]] = []

    class CountingBell(DesktopBell):
        async def _read_round(self, tenant: str, agent_ids: set[str]) -> None:
            rounds.append(set(agent_ids))
            await super()._read_round(tenant, agent_ids)

    bell = CountingBell()
    bell.attach(lambda: UnitOfWork(sessions, backbone, "routing"), render)
    with bell.listen("acme", "ann") as ann, bell.listen("acme", "bob") as bob:
        await next_snapshot(ann), await next_snapshot(bob)
        rounds.clear()
        bell.poll("acme", "ann")
        await asyncio.sleep(0.02)
        bell.poll("acme", "bob")
        assert (await next_snapshot(ann))["agent"] == "ann" and (await next_snapshot(bob))["agent"] == "bob"
        assert rounds == [{"ann", "bob"}], "two timers' polls, one round"
