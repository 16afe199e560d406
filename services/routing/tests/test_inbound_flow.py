"""A contact becomes a task, waits for its profile (briefly), finds its queue and its agent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from routing_scenarios import identified, message, setup_center

from switchboard.common.events.campaign import DialAnswered
from switchboard.common.events.ingest import CallEnded


async def test_a_message_with_its_profile_is_queued_by_rule_and_offered_to_an_agent(api, routing) -> None:
    queues = await setup_center(api)
    await routing.send(message(text="Why is my BILL so high?"))
    [created] = await routing.events("task.created")
    assert await routing.events("task.queued") == [], "pending: waits for the profile first"

    await routing.send(identified(tier="vip"), subject="c1")
    [queued] = await routing.events("task.queued")
    [offered] = await routing.events("task.offered")
    assert (queued.task_id, queued.queue_id) == (created.task_id, queues["billing"])
    assert queued.customer_id == "cust-1"
    assert queued.priority == 5 + 100, "rule priority plus the VIP bonus"
    assert (offered.task_id, offered.agent_id) == (created.task_id, "ann")
    task = await api.ok("GET", f"/v1/tasks/{created.task_id}")
    assert (task["status"], task["agent_id"], task["tier"]) == ("offered", "ann", "vip")


async def test_without_a_profile_the_task_is_routed_with_defaults_after_the_grace(api, routing) -> None:
    queues = await setup_center(api, agents=())
    await routing.send(message(text="hello"))
    await routing.tick(datetime.now(UTC) + timedelta(seconds=1))
    assert await routing.events("task.queued") == [], "still inside the grace period"
    await routing.tick(datetime.now(UTC) + timedelta(seconds=3))
    [queued] = await routing.events("task.queued")
    assert (queued.queue_id, queued.priority, queued.customer_id) == (queues["general"], 0, None)

    await routing.send(identified(tier="vip"))  # late: re-prioritizes the waiting task
    task = await api.ok("GET", f"/v1/tasks/{queued.task_id}")
    assert (task["status"], task["priority"], task["customer_id"]) == ("queued", 100, "cust-1")


async def test_the_profile_overtaking_the_message_still_makes_one_routed_task(api, routing) -> None:
    await setup_center(api)
    await routing.send(identified())
    assert await routing.events("task.queued") == [], "no contact yet"
    await routing.send(message())
    assert len(await routing.events("task.created")) == 1
    [offered] = await routing.events("task.offered")
    assert offered.agent_id == "ann"


async def test_the_same_event_delivered_twice_opens_one_task(api, routing) -> None:
    await setup_center(api)
    event = message()
    envelope = await routing.send(event)
    assert await routing.consumer.handle(envelope) is False
    await routing.send(message())  # a second message of the same conversation: same task
    assert len(await routing.events("task.created")) == 1


async def test_an_agent_gets_no_more_tasks_than_capacity(api, routing) -> None:
    await setup_center(api, capacity={"sms": 2})
    for index in range(4):
        conversation = f"c{index}"
        await routing.send(message(conversation, text="hi"), subject=conversation)
        await routing.send(identified(conversation, customer=f"k{index}"), subject=conversation)
    offered = await routing.events("task.offered")
    assert len(offered) == 2 and {o.agent_id for o in offered} == {"ann"}
    waiting = await api.ok("GET", "/v1/tasks", params={"status": "queued"})
    assert len(waiting) == 2
    agent = await api.ok("GET", "/v1/agents/ann")
    assert (agent["state"], agent["load"]) == ("busy", {"sms": 2})


async def test_a_caller_hanging_up_while_waiting_abandons_the_task(api, routing) -> None:
    await setup_center(api, agents=())
    await routing.send(message(text="hello"))
    await routing.send(identified())
    await routing.send(CallEnded(call_id="x", conversation_id="c1", from_address="a", to_address="b",
                                 at=datetime.now(UTC), abandoned=True))
    [abandoned] = await routing.events("task.abandoned")
    task = await api.ok("GET", f"/v1/tasks/{abandoned.task_id}")
    assert task["status"] == "abandoned" and abandoned.wait_seconds >= 0


async def test_an_answered_outbound_call_goes_before_every_waiting_inbound_contact(api, routing) -> None:
    await setup_center(api, agents=())
    await routing.send(message(text="hi"))
    await routing.send(identified())
    await routing.send(DialAnswered(attempt_id="a1", campaign_id="camp", call_id="call-1",
                                    conversation_id="out-1", at=datetime.now(UTC)), subject="out-1")
    await api.ok("POST", "/v1/agents", 201,
                 json={"id": "bob", "name": "Bob", "capacity": {"sms": 1, "voice": 1}})
    await api.ok("POST", "/v1/agents/bob/sign-in", json={})
    [offered] = await routing.events("task.offered")
    assert offered.conversation_id == "out-1"


async def test_a_task_waiting_past_the_overflow_threshold_moves_to_the_overflow_queue(api, routing) -> None:
    await api.ok("POST", "/v1/skills", 201, json={"name": "tier2"})
    backup = await api.ok("POST", "/v1/queues", 201, json={"name": "backup", "channels": ["sms"]})
    await api.ok("POST", "/v1/queues", 201, json={
        "name": "experts", "channels": ["sms"], "is_default": True, "required_skills": {"tier2": 8},
        "escalation": {"overflow_after_seconds": 60, "overflow_queue_id": backup["id"]}})
    await api.ok("POST", "/v1/agents", 201, json={"id": "kim", "name": "Kim", "capacity": {"sms": 1}})
    await api.ok("POST", "/v1/agents/kim/sign-in", json={})
    await routing.send(message(text="hello"))
    await routing.send(identified())
    assert await routing.events("task.offered") == [], "nobody holds tier2 at 8"
    await routing.tick(datetime.now(UTC) + timedelta(seconds=61))
    [moved] = await routing.events("task.transferred")
    [offered] = await routing.events("task.offered")
    assert moved.to_queue_id == backup["id"]
    assert (offered.queue_id, offered.agent_id) == (backup["id"], "kim")


async def test_widening_lets_lower_proficiency_agents_take_an_old_task(api, routing) -> None:
    await api.ok("POST", "/v1/skills", 201, json={"name": "tier2"})
    await api.ok("POST", "/v1/queues", 201, json={
        "name": "experts", "channels": ["sms"], "is_default": True, "required_skills": {"tier2": 8},
        "escalation": {"widen_after_seconds": 30, "widen_to": 2}})
    await api.ok("POST", "/v1/agents", 201, json={"id": "kim", "name": "Kim", "capacity": {"sms": 1},
                                                 "skills": {"tier2": 3}})
    await api.ok("POST", "/v1/agents/kim/sign-in", json={})
    await routing.send(message(text="hello"))
    await routing.send(identified())
    await routing.tick(datetime.now(UTC) + timedelta(seconds=10))
    assert await routing.events("task.offered") == []
    await routing.tick(datetime.now(UTC) + timedelta(seconds=31))
    [offered] = await routing.events("task.offered")
    assert offered.agent_id == "kim"


async def test_a_profile_arriving_after_the_task_ended_opens_nothing(api, routing) -> None:
    await setup_center(api, agents=())
    await routing.send(message(text="hello"))
    await routing.send(CallEnded(call_id="x", conversation_id="c1", from_address="a", to_address="b",
                                 at=datetime.now(UTC), abandoned=True))
    await routing.send(identified())
    assert len(await routing.events("task.created")) == 1
    assert await api.ok("GET", "/v1/tasks") == [], "no task left open"


async def test_a_profile_whose_contact_never_comes_is_dropped_after_ten_minutes(api, routing) -> None:
    await setup_center(api, agents=())
    await routing.send(identified())
    await routing.tick(datetime.now(UTC) + timedelta(seconds=30))
    assert len(await api.ok("GET", "/v1/tasks")) == 1, "still waiting for its contact"
    await routing.tick(datetime.now(UTC) + timedelta(seconds=601))
    assert await api.ok("GET", "/v1/tasks") == []


async def test_a_returning_customer_is_held_for_the_agent_who_served_them_last(api, routing) -> None:
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms"], "is_default": True,
                                                  "wrap_up_seconds": 30,
                                                  "escalation": {"preferred_agent_seconds": 60}})
    for agent_id in ("ann", "bob"):
        await api.ok("POST", "/v1/agents", 201,
                     json={"id": agent_id, "name": agent_id, "capacity": {"sms": 1}})
        await api.ok("POST", f"/v1/agents/{agent_id}/sign-in", json={})
    await routing.send(message("c1", text="hi"), subject="c1")
    await routing.send(identified("c1", customer="cust-1"), subject="c1")
    [first] = await routing.events("task.offered")
    served_by, other = first.agent_id, "bob" if first.agent_id == "ann" else "ann"
    await api.as_agent(served_by, "POST", f"/v1/tasks/{first.task_id}/accept")
    await api.as_agent(served_by, "POST", f"/v1/tasks/{first.task_id}/complete", json={"disposition": "ok"})

    await routing.send(message("c2", text="me again"), subject="c2")
    await routing.send(identified("c2", customer="cust-1"), subject="c2")
    assert len(await routing.events("task.offered")) == 1, f"held for {served_by}, in wrap-up; not {other}"
    await routing.tick(datetime.now(UTC) + timedelta(seconds=31))
    second = (await routing.events("task.offered"))[-1]
    assert second.agent_id == served_by
    await api.as_agent(served_by, "POST", f"/v1/tasks/{second.task_id}/accept")  # busy from now on

    await routing.send(message("c3", text="and again"), subject="c3")
    await routing.send(identified("c3", customer="cust-1"), subject="c3")
    await routing.tick(datetime.now(UTC) + timedelta(seconds=10))
    assert (await routing.events("task.offered"))[-1].conversation_id == "c2", f"c3 held for busy {served_by}"
    await routing.tick(datetime.now(UTC) + timedelta(seconds=61))
    last = (await routing.events("task.offered"))[-1]
    assert (last.conversation_id, last.agent_id) == ("c3", other), "the hold time ran out"


async def test_a_contact_only_goes_to_a_queue_serving_its_channel(api, routing) -> None:
    voice = await api.ok("POST", "/v1/queues", 201, json={"name": "voice only", "channels": ["voice"],
                                                          "is_default": True})
    chat = await api.ok("POST", "/v1/queues", 201, json={"name": "texts", "channels": ["sms"]})
    await api.ok("POST", "/v1/rules", 201, json={"name": "vip voice", "position": 1, "queue_id": voice["id"],
                                                 "conditions": {"tiers": ["vip"]}})
    await api.ok("POST", "/v1/rules", 201, json={"name": "texts", "position": 2, "queue_id": chat["id"]})
    await routing.send(message(text="hi"))
    await routing.send(identified(tier="vip"))
    [queued] = await routing.events("task.queued")
    assert queued.queue_id == chat["id"], "the vip rule's queue takes no sms: the next rule wins"


async def test_a_customer_is_not_held_for_a_last_agent_who_lacks_the_queues_skills(api, routing) -> None:
    await api.ok("POST", "/v1/skills", 201, json={"name": "billing"})
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms"], "is_default": True,
                                                  "escalation": {"preferred_agent_seconds": 60}})
    await api.ok("POST", "/v1/agents", 201, json={"id": "ann", "name": "ann", "capacity": {"sms": 1}})
    await api.ok("POST", "/v1/agents/ann/sign-in", json={})
    await routing.send(message("c1", text="hi"), subject="c1")
    await routing.send(identified("c1", customer="cust-1"), subject="c1")
    [first] = await routing.events("task.offered")
    await api.as_agent("ann", "POST", f"/v1/tasks/{first.task_id}/accept")
    await api.as_agent("ann", "POST", f"/v1/tasks/{first.task_id}/complete", json={"disposition": "ok"})
    billing = await api.ok("POST", "/v1/queues", 201, json={
        "name": "bills", "channels": ["sms"], "required_skills": {"billing": 5},
        "escalation": {"preferred_agent_seconds": 60}})
    await api.ok("POST", "/v1/rules", 201, json={"name": "b", "position": 1, "queue_id": billing["id"]})
    await api.ok("POST", "/v1/agents", 201, json={"id": "bob", "name": "bob", "capacity": {"sms": 1},
                                                  "skills": {"billing": 7}})
    await api.ok("POST", "/v1/agents/bob/sign-in", json={})
    await routing.send(message("c2", text="bill"), subject="c2")
    await routing.send(identified("c2", customer="cust-1"), subject="c2")
    assert (await routing.events("task.offered"))[-1].agent_id == "bob", "ann cannot take billing"


@pytest.mark.parametrize("strategy", ["longest_idle", "round_robin"])
async def test_agents_with_several_slots_share_new_contacts_in_turn(api, routing, strategy) -> None:
    await api.ok("POST", "/v1/queues", 201, json={"name": "chat", "channels": ["sms"], "is_default": True,
                                                  "strategy": strategy})
    for agent_id in ("ann", "bob", "cy"):
        await api.ok("POST", "/v1/agents", 201,
                     json={"id": agent_id, "name": agent_id, "capacity": {"sms": 3}})
        await api.ok("POST", f"/v1/agents/{agent_id}/sign-in", json={})
    for index in range(6):
        conversation = f"c{index}"
        await routing.send(message(conversation, text="hi"), subject=conversation)
        await routing.send(identified(conversation, customer=f"k{index}"), subject=conversation)
    offered = [o.agent_id for o in await routing.events("task.offered")]
    assert offered == ["ann", "bob", "cy", "ann", "bob", "cy"]
