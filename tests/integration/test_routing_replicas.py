"""Two routing replicas on one database never double-assign, and one survives the other's death.

Both replicas consume events, run the timers and serve the desktop API; every decision
takes the tenant's routing lock first (an advisory lock on PostgreSQL, the write lock on
SQLite). Agents work through both replicas at once; one replica is SIGKILLed mid-run and
the other carries on. A sampler checks the invariants on the database the whole time.
"""

from __future__ import annotations

import asyncio
import threading

import httpx

from switchboard.common.launcher import ServiceProcess, free_port
from switchboard.common.testing import Platform, wait_until

CONTACTS = 40
AGENTS = 8
CAPACITY = 2  # OVER_CAPACITY below says the same

OVER_CAPACITY = ("SELECT count(*) FROM (SELECT agent_id FROM tasks WHERE status IN ('offered', 'accepted') "
                 "GROUP BY agent_id HAVING count(*) > 2) AS over")
OFFERED_TWICE = ("SELECT count(*) FROM (SELECT task_id FROM reservations WHERE outcome = 'pending' "
                 "GROUP BY task_id HAVING count(*) > 1) AS twice")
ACCEPTED_TWICE = ("SELECT count(*) FROM (SELECT task_id FROM reservations WHERE outcome = 'accepted' "
                  "GROUP BY task_id HAVING count(*) > 1) AS twice")


def completed(platform: Platform) -> int:
    return int(platform.scalar("routing", "SELECT count(*) FROM tasks WHERE status = 'completed'"))


async def work(platform: Platform, urls: list[str], stop: threading.Event) -> None:
    """Each agent accepts its offers and completes its tasks, through whichever replica is up."""

    async def agent(index: int) -> None:
        agent_id = f"agent-{index}"
        headers = {"Authorization": f"Bearer {platform.token('acme', 'agent', subject=agent_id)}"}
        async with httpx.AsyncClient(headers=headers, timeout=10) as client:
            turn = index
            while not stop.is_set():
                turn += 1
                base = urls[turn % len(urls)]
                try:
                    tasks = (await client.get(f"{base}/v1/agents/{agent_id}/tasks")).json()
                    for task in tasks:
                        action = "accept" if task["status"] == "offered" else "complete"
                        await client.post(f"{base}/v1/tasks/{task['id']}/{action}",
                                          json={"disposition": "done"} if action == "complete" else None)
                except httpx.TransportError:
                    pass  # that replica is gone: the next turn uses the other
                await asyncio.sleep(0.05)

    await asyncio.gather(*(agent(i) for i in range(AGENTS)))


def test_two_replicas_never_double_assign_and_one_survives_the_others_death(
    platform: Platform, sms_channel
) -> None:
    platform.start(["ingest", "routing"], extra_env={"ROUTING_PROFILE_GRACE_SECONDS": "0.2",
                                                     "ROUTING_OFFER_TIMEOUT_SECONDS": "3"})
    first = platform.services["routing"]
    log = platform.workdir / "logs" / "routing-2.log"
    second = ServiceProcess("routing", free_port(), dict(first.env), log)
    platform.services["routing-2"] = second.start()
    second.wait_ready(60)

    gateway = sms_channel(platform, "acme")
    with platform.client("routing", "acme", "admin") as admin:
        assert admin.post("/v1/queues", json={"name": "general", "channels": ["sms"],
                                              "is_default": True}).status_code == 201
        for index in range(AGENTS):
            agent_id = f"agent-{index}"
            assert admin.post("/v1/agents", json={"id": agent_id, "name": agent_id,
                                                  "capacity": {"sms": CAPACITY}}).status_code == 201
            assert admin.post(f"/v1/agents/{agent_id}/sign-in", json={}).status_code == 200

    violations: list[str] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for name, sql in (("over capacity", OVER_CAPACITY), ("offered twice", OFFERED_TWICE)):
                if platform.scalar("routing", sql):
                    violations.append(name)

    sampler = threading.Thread(target=sample)
    workers = threading.Thread(target=lambda: asyncio.run(work(platform, [first.url, second.url], stop)))
    sampler.start()
    workers.start()
    try:
        senders = [(f"+86139{index:08d}", f"contact {index}") for index in range(CONTACTS)]
        assert set(asyncio.run(gateway.send_many(senders))) == {200}
        # Every message consumed first: a killed consumer's unacknowledged events would only
        # come back after the ack wait (30 s), which proves the bus, not routing.
        wait_until(lambda: platform.scalar("routing", "SELECT count(*) FROM inbox") == CONTACTS, 60,
                   "every message consumed")
        wait_until(lambda: completed(platform) >= CONTACTS // 3, 60, "a third of the contacts handled")
        first.kill()  # SIGKILL one replica mid-run: the other decides alone from now on
        wait_until(lambda: completed(platform) >= CONTACTS, 90, "every contact handled by the survivor")
    finally:
        stop.set()
        workers.join(30)
        sampler.join(30)

    assert violations == [], f"invariant broken: {sorted(set(violations))}"
    assert completed(platform) == CONTACTS, "each contact is one task, completed once"
    assert platform.scalar("routing", ACCEPTED_TWICE) == 0
    assert platform.scalar("routing", "SELECT count(DISTINCT conversation_id) FROM tasks") == CONTACTS
