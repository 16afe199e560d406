"""A fetch of messages or profiles is handled in one transaction and one decision pass, with the
same outcome as one event at a time."""

from __future__ import annotations

from datetime import UTC, datetime

from routing_scenarios import identified, message
from sqlalchemy import event
from sqlalchemy.engine import Engine

from switchboard.common.events.ingest import ConversationClosed


async def sign_in(api, agent_id: str, slots: int) -> None:
    await api.ok("POST", "/v1/agents", 201,
                 json={"id": agent_id, "name": agent_id, "capacity": {"sms": slots}})
    await api.ok("POST", f"/v1/agents/{agent_id}/sign-in", json={})


async def test_a_batch_routes_every_contact_and_offers_the_best_first(api, batched) -> None:
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms"], "is_default": True})
    await sign_in(api, "ann", 2)
    messages = await batched.send_batch([(message(c, text="hi"), c) for c in ("a", "b", "c")])
    assert len(await batched.events("task.created")) == 3 and await batched.events("task.offered") == []
    tiers = {"a": "standard", "b": "standard", "c": "vip"}
    await batched.send_batch([(identified(c, tier=tiers[c], customer=f"k-{c}"), c) for c in tiers])
    assert [e.conversation_id for e in await batched.events("task.queued")] == ["a", "b", "c"]
    assert [e.conversation_id for e in await batched.events("task.offered")] == ["c", "a"], "vip, then oldest"
    # Each event answers its own cause, not the batch's first or last.
    created = {e.subject: e.causationid for e in await batched.envelopes("task.created")}
    assert created == {e.subject: e.id for e in messages}


async def test_a_batch_into_a_queue_with_a_maximum_size_sees_the_offers_made_before_each_contact(
        api, batched) -> None:
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms"], "is_default": True,
                                                  "max_size": 1})
    await sign_in(api, "ann", 3)
    await batched.send_batch([(message(c, text="hi"), c) for c in ("a", "b", "c")])
    await batched.send_batch([(identified(c, customer=f"k-{c}"), c) for c in ("a", "b", "c")])
    assert await batched.events("task.abandoned") == [], "each was offered before the next was admitted"
    assert len(await batched.events("task.offered")) == 3


async def test_two_messages_of_one_conversation_in_a_batch_make_one_task(api, batched) -> None:
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms"], "is_default": True})
    await batched.send_batch([(message(c, text="hi"), c) for c in ("a", "a", "b")])
    assert sorted(e.conversation_id for e in await batched.events("task.created")) == ["a", "b"]
    await batched.send_batch([(identified(c, customer=f"k-{c}"), c) for c in ("a", "b")])
    [queued_a] = [e for e in await batched.envelopes("task.queued") if e.subject == "a"]
    assert queued_a.correlationid == "corr-a", "the profile of conversation a caused its queueing"


async def test_a_batch_of_profiles_learns_in_one_read_which_contacts_were_handled_before(
        api, batched) -> None:
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms"], "is_default": True})
    await batched.send_batch([(message("a", text="hi"), "a")])
    await batched.send(ConversationClosed(conversation_id="a", channel="sms", reason="customer",
                                          closed_at=datetime.now(UTC)), subject="a")
    assert [e.conversation_id for e in await batched.events("task.abandoned")] == ["a"]
    reads: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM tasks" in statement:
            reads.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:  # a late profile for "a" (its task closed), profiles overtaking their contacts for the others
        await batched.send_batch([(identified(c, customer=f"k-{c}"), c) for c in ("a", "b", "c", "d")])
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    created = [e.conversation_id for e in await batched.events("task.created")]
    assert created == ["a", "b", "c", "d"], "no second task for the closed contact"
    history = [r for r in reads if "DISTINCT" in r or "LIMIT" in r]
    assert len(history) == 1, history
