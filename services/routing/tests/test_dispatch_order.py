"""The order within a queue is strict per channel: a head nobody can take holds its channel's line only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing_scenarios import identified, message

from switchboard.common.events.ingest import CallStarted


async def call(routing, conversation: str) -> None:
    await routing.send(CallStarted(call_id=f"call-{conversation}", conversation_id=conversation,
                                   from_address="+8613800138000", to_address="+8610086",
                                   at=datetime.now(UTC)), subject=conversation)
    await routing.send(identified(conversation, customer=f"cust-{conversation}"), subject=conversation)


async def text(routing, conversation: str, words: str = "hi") -> None:
    await routing.send(message(conversation, text=words), subject=conversation)
    await routing.send(identified(conversation, customer=f"cust-{conversation}"), subject=conversation)


async def offered_conversations(routing) -> list[str]:
    return [o.conversation_id for o in await routing.events("task.offered")]


async def test_a_call_waiting_for_a_voice_slot_does_not_hold_the_chats_behind_it(api, routing) -> None:
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["voice", "sms"],
                                                  "is_default": True})
    for agent_id, capacity in (("vic", {"voice": 1}), ("cy", {"sms": 2})):
        await api.ok("POST", "/v1/agents", 201, json={"id": agent_id, "name": agent_id, "capacity": capacity})
        await api.ok("POST", f"/v1/agents/{agent_id}/sign-in", json={})
    await call(routing, "v0")
    [first] = await routing.events("task.offered")
    await api.as_agent("vic", "POST", f"/v1/tasks/{first.task_id}/accept")  # the only voice slot is taken

    await call(routing, "v1")  # the head of the queue from now on: oldest, same priority
    await text(routing, "c1")
    await call(routing, "v2")
    offered = await routing.events("task.offered")
    assert [(o.conversation_id, o.agent_id) for o in offered] == [("v0", "vic"), ("c1", "cy")], \
        "the chat goes to the free chat slot although the call before it waits"
    waiting = await api.ok("GET", "/v1/tasks", params={"status": "queued"})
    assert sorted(t["conversation_id"] for t in waiting) == ["v1", "v2"]

    await api.as_agent("vic", "POST", f"/v1/tasks/{first.task_id}/complete", json={"disposition": "ok"})
    offered = await routing.events("task.offered")
    assert [(o.conversation_id, o.agent_id) for o in offered[2:]] == [("v1", "vic")], \
        "the freed voice slot takes the call that waited longest, not the later one"
    [still_waiting] = await api.ok("GET", "/v1/tasks", params={"status": "queued"})
    assert still_waiting["conversation_id"] == "v2"


async def test_within_a_channel_a_head_nobody_qualifies_for_holds_the_line_until_it_widens(
    api, routing
) -> None:
    await api.ok("POST", "/v1/skills", 201, json={"name": "spanish"})
    main = await api.ok("POST", "/v1/queues", 201, json={
        "name": "main", "channels": ["sms"], "is_default": True,
        "escalation": {"widen_after_seconds": 30, "widen_to": 1}})
    await api.ok("POST", "/v1/rules", 201, json={
        "name": "spanish", "position": 1, "queue_id": main["id"],
        "conditions": {"keywords": ["hola"]}, "required_skills": {"spanish": 8}})
    await api.ok("POST", "/v1/agents", 201, json={"id": "kim", "name": "kim", "capacity": {"sms": 2},
                                                  "skills": {"spanish": 3}})
    await api.ok("POST", "/v1/agents/kim/sign-in", json={})
    await text(routing, "c1", "hola")
    await text(routing, "c2", "hi")
    await routing.tick(datetime.now(UTC) + timedelta(seconds=10))
    assert await offered_conversations(routing) == [], "c2 needs no skill but waits behind c1"

    await routing.tick(datetime.now(UTC) + timedelta(seconds=31))
    assert await offered_conversations(routing) == ["c1", "c2"], "widened, the head goes first, then the line"
