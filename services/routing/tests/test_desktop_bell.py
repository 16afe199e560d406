"""The desktop feed is woken by the commit that changed its agent, not only by its timer."""

from __future__ import annotations

import asyncio
import threading

import pytest
from conftest import Consumer
from routing_scenarios import identified, message

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.streams import BusPolicy
from switchboard.routing.consumers import build_handlers
from switchboard.routing.desktops import DesktopBell
from switchboard.routing.models import backbone


async def sign_in(api, agent_id: str) -> None:
    await api.ok("POST", "/v1/agents", 201, json={"id": agent_id, "name": agent_id, "capacity": {"sms": 1}})
    await api.ok("POST", f"/v1/agents/{agent_id}/sign-in", json={})


@pytest.mark.parametrize("thread_hop", [False, True], ids=["aiosqlite", "one thread hop"])
async def test_an_offer_rings_its_agents_desktop_once_committed(api, sessions, settings, thread_hop) -> None:
    bell = DesktopBell()
    threaded = ThreadedSqlite(settings.resolved_database_url(), hold=sessions.kw["bind"]) if thread_hop else None
    bus = Bus("nats://127.0.0.1:1", "routing", BusPolicy(), [])
    routing = Consumer(EventConsumer("routing", bus, sessions, backbone, build_handlers(settings, bell),
                                     max_deliver=5, batches_in_thread=threaded), sessions, settings)
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms"], "is_default": True})
    await sign_in(api, "ann")
    await sign_in(api, "bob")
    try:
        with bell.listen("acme", "ann") as ann, bell.listen("acme", "bob") as bob, \
                bell.listen("other", "ann") as other_tenant:
            await routing.send_batch([(message("a", text="hi"), "a")])
            await asyncio.sleep(0.05)
            assert not (ann.is_set() or bob.is_set()), "a task opened: nobody's desktop changed"
            await routing.send_batch([(identified("a", customer="k-a"), "a")])
            [offer] = await routing.events("task.offered")
            rung, quiet = (ann, bob) if offer.agent_id == "ann" else (bob, ann)
            await asyncio.wait_for(rung.wait(), 5)
            await asyncio.sleep(0.05)
            assert not quiet.is_set() and not other_tenant.is_set()
    finally:
        if threaded is not None:
            threaded.close()


async def test_a_ring_from_another_thread_wakes_the_feed_on_its_loop() -> None:
    bell = DesktopBell()
    bell.ring("acme", ["ann"])  # no feed open yet: nothing to wake, no error
    with bell.listen("acme", "ann") as ann:
        thread = threading.Thread(target=bell.ring, args=("acme", ["ann"]))
        thread.start()
        thread.join()
        await asyncio.wait_for(ann.wait(), 5)
