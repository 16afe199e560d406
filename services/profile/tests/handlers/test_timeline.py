"""Every service's events land on the customer's timeline, in order, paged by cursor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from switchboard.common.events.campaign import AttemptCompleted, SurveyResponseRecorded
from switchboard.common.events.ingest import (
    CallEnded,
    CallStarted,
    ConversationClosed,
    MessageReceived,
    MessageSent,
)
from switchboard.common.events.qa import EvaluationCompleted
from switchboard.common.events.routing import TaskCompleted

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
PHONE = "+8613800138000"


def message(at: datetime, conversation: str = "conv-1", sender: str = PHONE) -> MessageReceived:
    return MessageReceived(message_id=str(uuid.uuid4()), conversation_id=conversation, channel="sms",
                           channel_id="ch", from_address=sender, to_address="+8610086", text="话费",
                           received_at=at)


async def test_one_customers_history_from_every_service_in_one_ordered_list(deliver, api) -> None:
    await deliver(message(T0))
    [customer] = (await api.get("/v1/customers", params={"phone": PHONE})).json()
    cid = customer["id"]
    await deliver(MessageSent(message_id="m2", conversation_id="conv-1", channel="sms", to_address=PHONE,
                              sent_by="agent-7", sent_at=T0 + timedelta(minutes=1)))
    await deliver(TaskCompleted(task_id="t1", conversation_id="conv-1", queue_id="billing", channel="sms",
                                at=T0 + timedelta(minutes=2), agent_id="agent-7", disposition="resolved",
                                wait_seconds=12, talk_seconds=90, wrap_seconds=20))
    await deliver(CallStarted(call_id="call-1", conversation_id="conv-2", from_address=PHONE,
                              to_address="+8610086", at=T0 + timedelta(minutes=3), ivr_selection="2"))
    await deliver(CallEnded(call_id="call-1", conversation_id="conv-2", from_address=PHONE,
                            to_address="+8610086", at=T0 + timedelta(minutes=4), talk_seconds=61))
    await deliver(SurveyResponseRecorded(survey_id="s1", conversation_id="conv-1", question="CSAT",
                                         score=5, at=T0 + timedelta(minutes=5)))
    await deliver(EvaluationCompleted(evaluation_id="e1", conversation_id="conv-1", agent_id="agent-7",
                                      scorecard_id="sc", scorecard_version=1, score=92.5,
                                      at=T0 + timedelta(minutes=6)))
    await deliver(AttemptCompleted(attempt_id="a1", campaign_id="renewal", customer_id=cid,
                                   outcome="answered", disposition="renewed", at=T0 + timedelta(minutes=7)))
    await deliver(TaskCompleted(task_id="t9", conversation_id="unknown-conv", queue_id="q", channel="sms",
                                at=T0, agent_id="a"))

    items = (await api.get(f"/v1/customers/{cid}/timeline")).json()["items"]
    assert [i["kind"] for i in items] == [
        "campaign.attempt", "qa.evaluation", "survey.response", "call.ended", "call.inbound",
        "task.completed", "message.sent", "message.received"]
    task = items[5]
    assert (task["agent_id"], task["detail"]["disposition"], task["detail"]["talk_seconds"]) == (
        "agent-7", "resolved", 90)
    assert items[2]["channel"] == "sms" and items[2]["summary"] == "CSAT: 5"
    assert items[3]["detail"]["talk_seconds"] == 61


async def test_pages_follow_the_cursor_without_losing_entries_at_the_same_instant(deliver, api) -> None:
    for n in range(7):
        await deliver(message(T0 if n < 5 else T0 + timedelta(seconds=n), conversation=f"c{n}"))
    [customer] = (await api.get("/v1/customers", params={"phone": PHONE})).json()
    path, seen, cursor = f"/v1/customers/{customer['id']}/timeline", [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await api.get(path, params=params)).json()
        seen += [i["conversation_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7 and len(set(seen)) == 7
    assert seen[:2] == ["c6", "c5"]
    assert (await api.get(path, params={"cursor": "garbage!"})).status_code == 422


async def test_open_items_close_and_a_resolving_disposition_clears_unresolved(deliver, api) -> None:
    now = datetime.now(UTC)
    await deliver(message(now - timedelta(minutes=30), conversation="conv-1"))
    pop = (await api.get("/v1/screen-pop", params={"phone": PHONE})).json()
    assert [o["conversation_id"] for o in pop["open_items"]] == ["conv-1"]
    assert pop["repeat"]["last_unresolved"] is True
    await deliver(TaskCompleted(task_id="t1", conversation_id="conv-1", queue_id="q", channel="sms",
                                at=now - timedelta(minutes=20), agent_id="a", disposition="resolved"))
    await deliver(ConversationClosed(conversation_id="conv-1", channel="sms", reason="agent",
                                     closed_at=now - timedelta(minutes=19)))
    pop = (await api.get("/v1/screen-pop", params={"phone": PHONE})).json()
    assert pop["open_items"] == []
    assert pop["repeat"]["last_unresolved"] is False
