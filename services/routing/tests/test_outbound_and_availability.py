"""Outbound: answered dials first, to the reserved agent when free; availability for the dialer's pacing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing_scenarios import identified, message

from switchboard.common.events.campaign import DialAnswered
from switchboard.common.events.ingest import CallEnded, CallStarted


def answered(conversation: str = "out-1", reserved: str | None = None) -> DialAnswered:
    return DialAnswered(attempt_id="a1", campaign_id="camp", call_id=f"call-{conversation}",
                        conversation_id=conversation, reserved_agent_id=reserved, at=datetime.now(UTC))


async def voice_center(api, *agents: tuple[str, bool]) -> None:
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms", "voice"],
                                                  "is_default": True})
    for agent_id, blended in agents:
        await api.ok("POST", "/v1/agents", 201, json={"id": agent_id, "name": agent_id, "blended": blended,
                                                      "capacity": {"voice": 1, "sms": 1},
                                                      "voice_exclusive": False})
        await api.ok("POST", f"/v1/agents/{agent_id}/sign-in", json={})


async def test_an_answered_dial_goes_to_the_reserved_agent_when_free(api, routing) -> None:
    await voice_center(api, ("amy", False), ("bo", False), ("cy", False))
    await routing.send(answered(reserved="cy"), subject="out-1")
    [offered] = await routing.events("task.offered")
    assert (offered.conversation_id, offered.agent_id) == ("out-1", "cy")
    await routing.send(answered("out-2", reserved="cy"), subject="out-2")  # cy is busy now
    second = (await routing.events("task.offered"))[-1]
    assert second.conversation_id == "out-2" and second.agent_id in ("amy", "bo")


async def test_availability_counts_free_voice_agents_and_lends_blended_ones_only_when_nobody_waits(
    api, routing
) -> None:
    await voice_center(api, ("amy", True), ("bo", False))
    changes = await routing.events("agent.availability_changed")
    published = [(e.available_agents, e.blended_agents) for e in changes]
    assert published == [(1, 1), (2, 1)], "each sign-in changed the count once"

    await api.ok("PUT", "/v1/agents/amy/state", json={"state": "not_ready", "reason": "meeting"})
    await api.ok("PUT", "/v1/agents/bo/state", json={"state": "not_ready", "reason": "meeting"})
    await routing.send(message(text="hi"))
    await routing.send(identified())  # queued: nobody available
    await api.ok("PUT", "/v1/agents/amy/state", json={"state": "available"})  # takes the sms task
    last = (await routing.events("agent.availability_changed"))[-1]
    assert (last.available_agents, last.blended_agents) == (1, 1), "sms task held, voice still free"
    await routing.send(message("c2", text="hi"), subject="c2")
    await routing.send(identified("c2", customer="k2"), subject="c2")
    last = (await routing.events("agent.availability_changed"))[-1]
    assert (last.available_agents, last.blended_agents) == (1, 0), "a waiting inbound task reclaims amy"


async def test_a_long_waiting_caller_gets_a_callback_that_keeps_the_place_after_hanging_up(
    api, routing
) -> None:
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["voice"], "is_default": True,
                                                  "max_wait_seconds": 300,
                                                  "escalation": {"callback_after_seconds": 60}})
    started = datetime.now(UTC)
    await routing.send(CallStarted(call_id="k1", conversation_id="v1", from_address="+8613800138000",
                                   to_address="+8610086", at=started), subject="v1")
    await routing.send(identified("v1"), subject="v1")
    await routing.tick(started + timedelta(seconds=61))
    [scheduled] = await routing.events("task.callback_scheduled")
    assert scheduled.wait_seconds >= 60
    await routing.send(CallEnded(call_id="k1", conversation_id="v1", from_address="a", to_address="b",
                                 at=datetime.now(UTC), abandoned=True), subject="v1")
    await routing.tick(started + timedelta(seconds=400))
    assert await routing.events("task.abandoned") == [], "neither the hang-up nor the maximum wait ends it"
    await api.ok("POST", "/v1/agents", 201, json={"id": "amy", "name": "Amy"})
    await api.ok("POST", "/v1/agents/amy/sign-in", json={})
    [task] = (await api.as_agent("amy", "GET", "/v1/agents/amy/tasks")).json()
    assert (task["id"], task["status"], task["callback"]) == (scheduled.task_id, "offered", True)


async def test_a_queue_lends_blended_agents_up_to_its_waiting_threshold_and_reclaims_them_past_it(
    api, routing
) -> None:
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms", "voice"],
                                                  "is_default": True,
                                                  "blending": {"lend_while_waiting_at_most": 1}})
    await api.ok("POST", "/v1/agents", 201, json={"id": "amy", "name": "amy", "blended": True,
                                                  "capacity": {"voice": 1, "sms": 1},
                                                  "voice_exclusive": False})
    await api.ok("POST", "/v1/agents/amy/sign-in", json={})
    for conversation in ("c1", "c2"):  # c1 takes amy's chat slot, c2 waits: one waiting is allowed
        await routing.send(message(conversation, text="hi"), subject=conversation)
        await routing.send(identified(conversation, customer=f"k-{conversation}"), subject=conversation)
    last = (await routing.events("agent.availability_changed"))[-1]
    assert (last.available_agents, last.blended_agents) == (1, 1)
    await routing.send(message("c3", text="hi"), subject="c3")
    await routing.send(identified("c3", customer="k-c3"), subject="c3")
    last = (await routing.events("agent.availability_changed"))[-1]
    assert (last.available_agents, last.blended_agents) == (1, 0), "two waiting: amy is reclaimed"


async def test_a_queue_below_its_service_level_plus_margin_keeps_blended_agents_inbound(api, routing) -> None:
    bad = await api.call("POST", "/v1/queues", json={"name": "x", "channels": ["sms"],
                                                      "blending": {"sla_margin": 2}})
    assert bad.status_code == 422 and "sla_margin" in bad.text
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms", "voice"],
                                                  "is_default": True, "max_wait_seconds": 1,
                                                  "blending": {"sla_margin": 0.1}})
    await routing.send(message("a", text="hi"), subject="a")
    await routing.send(identified("a", customer="k-a"), subject="a")
    await routing.tick(datetime.now(UTC) + timedelta(seconds=30))  # a long abandon: service level 0
    await api.ok("POST", "/v1/agents", 201, json={"id": "amy", "name": "amy", "blended": True,
                                                  "capacity": {"voice": 1}})
    await api.ok("POST", "/v1/agents/amy/sign-in", json={})
    last = (await routing.events("agent.availability_changed"))[-1]
    assert (last.available_agents, last.blended_agents) == (1, 0)
