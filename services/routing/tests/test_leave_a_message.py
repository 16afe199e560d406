"""Leave-a-message: a contact leaves the live queue for the queue's message backlog, which agents
work in order of arrival after every live contact; counted apart from abandons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing_scenarios import identified, message

from switchboard.common.events.ingest import CallEnded, CallStarted, ConversationClosed
from switchboard.routing.engine.engine import Engine, Task
from switchboard.routing.engine.escalation import EscalationPolicy, should_divert_to_message
from switchboard.routing.models import Task as TaskRow
from switchboard.routing.stats import QueueFigures


def test_the_message_threshold_counts_from_arrival_and_is_off_when_unset() -> None:
    policy = EscalationPolicy(message_after_seconds=90)
    assert not should_divert_to_message(policy, 89.9) and should_divert_to_message(policy, 90)
    assert not should_divert_to_message(EscalationPolicy(), 10_000)


def test_messages_wait_in_a_line_of_their_own_behind_no_live_contact() -> None:
    engine = Engine(clock=lambda: 100.0)
    engine.enqueue(Task("left-a-message", "q", "sms", enqueued_at=1.0, message=True))
    engine.enqueue(Task("live", "q", "sms", enqueued_at=50.0))
    assert sorted(engine.lines()) == [("q", "sms"), ("q", "sms:message")]
    head = engine.head("q", "sms")
    assert head is not None and head.task_id == "live", "the older message does not head the live line"


def test_a_message_counts_as_a_message_not_an_answer_or_an_abandon() -> None:
    def row(status: str, **facts: object) -> TaskRow:
        return TaskRow(status=status, transfers=0, facts=facts, wait_seconds=300.0, accepted_at=None)

    figures = QueueFigures()
    for task in (row("message", message_reason="escalation"),
                 row("completed", message_reason="after_hours"), row("abandoned")):
        figures.add(task, sla_seconds=20, short_abandon=5)
    summary = figures.summary()
    assert (summary["offered"], summary["messages"], summary["messages_handled"]) == (3, 2, 1)
    assert (summary["abandoned"], summary["answered"], summary["abandon_rate"]) == (1, 0, 1.0)


async def contact(routing, conversation: str) -> None:
    await routing.send(message(conversation, text="hi"), subject=conversation)
    await routing.send(identified(conversation, customer=f"k-{conversation}"), subject=conversation)


async def queue(api, **settings) -> dict:
    return await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms", "voice"],
                                                          "is_default": True, **settings})


async def sign_in(api, agent_id: str = "ann", capacity: dict | None = None) -> None:
    await api.ok("POST", "/v1/agents", 201, json={"id": agent_id, "name": agent_id,
                                                  "capacity": capacity or {"sms": 1, "voice": 1}})
    await api.ok("POST", f"/v1/agents/{agent_id}/sign-in", json={})


async def test_a_contact_waiting_past_the_threshold_leaves_a_message_that_an_agent_works_later(
        api, routing) -> None:
    await queue(api, max_wait_seconds=300, escalation={"message_after_seconds": 60})
    await contact(routing, "a")
    await routing.tick(datetime.now(UTC) + timedelta(seconds=30))
    assert await routing.events("task.diverted_to_message") == []
    await routing.tick(datetime.now(UTC) + timedelta(seconds=61))
    [diverted] = await routing.events("task.diverted_to_message")
    assert (diverted.conversation_id, diverted.reason) == ("a", "escalation") and diverted.wait_seconds >= 60

    # Out of the live queue: the maximum wait and the customer leaving no longer end it.
    await routing.tick(datetime.now(UTC) + timedelta(seconds=400))
    await routing.send(ConversationClosed(conversation_id="a", channel="sms", reason="inactivity",
                                          closed_at=datetime.now(UTC)), subject="a")
    assert await routing.events("task.abandoned") == []
    task = await api.ok("GET", f"/v1/tasks/{diverted.task_id}")
    assert (task["status"], task["message"], task["message_reason"]) == ("message", True, "escalation")
    [row] = (await api.ok("GET", "/v1/stats/live"))["queues"]
    assert (row["waiting"], row["messages_waiting"], row["messages"], row["abandoned"]) == (0, 1, 1, 0)

    await sign_in(api)
    [offered] = await routing.events("task.offered")
    assert offered.task_id == diverted.task_id
    assert (await api.as_agent("ann", "POST", f"/v1/tasks/{offered.task_id}/accept")).status_code == 200
    done = await api.as_agent("ann", "POST", f"/v1/tasks/{offered.task_id}/complete",
                              json={"disposition": "called back"})
    assert done.status_code == 200, done.text
    [row] = (await api.ok("GET", "/v1/stats/live"))["queues"]
    assert (row["messages"], row["messages_handled"], row["answered"], row["abandoned"]) == (1, 1, 0, 0)
    [interval] = await api.ok("GET", "/v1/stats/intervals", params={"of": "queues"})
    assert (interval["messages"], interval["messages_handled"], interval["abandoned"]) == (1, 1, 0)


async def test_every_live_contact_goes_before_the_older_messages(api, routing) -> None:
    await queue(api, escalation={"message_after_seconds": 60})
    await contact(routing, "old")
    await routing.tick(datetime.now(UTC) + timedelta(seconds=61))
    await contact(routing, "live")
    await sign_in(api, capacity={"sms": 1})
    assert [e.conversation_id for e in await routing.events("task.offered")] == ["live"]

    [live] = await routing.events("task.offered")
    await api.as_agent("ann", "POST", f"/v1/tasks/{live.task_id}/accept")
    await api.as_agent("ann", "POST", f"/v1/tasks/{live.task_id}/complete", json={"disposition": "ok"})
    assert [e.conversation_id for e in await routing.events("task.offered")] == ["live", "old"]


async def test_a_rejected_message_goes_back_to_the_backlog_behind_live_contacts(api, routing) -> None:
    await queue(api, escalation={"message_after_seconds": 60})
    await contact(routing, "old")
    await routing.tick(datetime.now(UTC) + timedelta(seconds=61))
    await sign_in(api, capacity={"sms": 1})
    [offered] = await routing.events("task.offered")
    await contact(routing, "live")  # waits: ann's one slot holds the message's offer
    assert (await api.as_agent("ann", "POST", f"/v1/tasks/{offered.task_id}/reject")).status_code == 200
    # Back in the live line the older task would go first; in the backlog it waits for "live".
    assert [e.conversation_id for e in await routing.events("task.offered")] == ["old", "live"]
    task = await api.ok("GET", f"/v1/tasks/{offered.task_id}")
    assert (task["status"], task["message"]) == ("message", True)


async def test_after_hours_a_queue_can_take_messages_instead_of_holding_contacts(api, routing) -> None:
    today = datetime.now(UTC).date().isoformat()
    both = await api.call("POST", "/v1/queues", json={
        "name": "x", "channels": ["sms"],
        "business_hours": {"holidays": [today], "after_hours_queue_id": "q",
                           "after_hours_action": "message"}})
    assert both.status_code == 422 and "not both" in both.text, both.text
    await queue(api, business_hours={"holidays": [today], "after_hours_action": "message"})
    await contact(routing, "a")
    [diverted] = await routing.events("task.diverted_to_message")
    assert diverted.reason == "after_hours" and await routing.events("task.queued") == []


async def test_a_full_queue_and_the_maximum_wait_can_take_messages_instead_of_ending_contacts(
        api, routing) -> None:
    await queue(api, max_size=1, max_wait_seconds=120, limit_action="message")
    await contact(routing, "a")
    await contact(routing, "b")
    await routing.tick(datetime.now(UTC) + timedelta(seconds=121))
    reasons = {e.conversation_id: e.reason for e in await routing.events("task.diverted_to_message")}
    assert reasons == {"b": "queue_full", "a": "max_wait"}
    assert await routing.events("task.abandoned") == []
    assert (await api.call("POST", "/v1/queues", json={"name": "y", "channels": ["sms"],
                                                       "limit_action": "voicemail"})).status_code == 422


async def test_a_callers_voice_message_keeps_its_recording_for_the_agent(api, routing) -> None:
    await queue(api, escalation={"message_after_seconds": 30})
    call = {"call_id": "call-1", "conversation_id": "v1", "from_address": "+8613800138000",
            "to_address": "+8610086"}
    await routing.send(CallStarted(**call, at=datetime.now(UTC)), subject="v1")
    await routing.send(identified("v1", customer="k-v1"), subject="v1")
    await routing.tick(datetime.now(UTC) + timedelta(seconds=31))
    await routing.send(CallEnded(**call, at=datetime.now(UTC), recording_ref="vm/2026/v1.wav"), subject="v1")
    assert await routing.events("task.abandoned") == []

    await sign_in(api)
    [task] = (await api.as_agent("ann", "GET", "/v1/agents/ann/tasks")).json()
    assert (task["message"], task["recording_ref"], task["channel"]) == (True, "vm/2026/v1.wav", "voice")
