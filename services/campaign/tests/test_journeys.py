"""Event-triggered journeys (CSAT after a completed task, SMS and callback after an abandon,
callback after a complaint) and survey replies matched back to conversation and agent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from switchboard.campaign.models import Callback, Contact
from switchboard.common.events.campaign import AttemptRequested, CallbackScheduled, SurveyResponseRecorded
from switchboard.common.events.ingest import ConversationOpened, MessageReceived
from switchboard.common.events.routing import TaskAbandoned, TaskCompleted

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
CUSTOMER = "+8613800138000"


async def journey(api, trigger: str, **extra) -> str:
    admin = api()
    body = {"name": f"after {trigger}", "kind": "journey", "journey_trigger": trigger, "purpose": "service",
            "message_template": "How did we do? Reply 1-5", **extra}
    campaign = (await admin.post("/v1/campaigns", json=body)).json()
    assert (await admin.post(f"/v1/campaigns/{campaign['id']}/start")).status_code == 200
    return str(campaign["id"])


async def conversation(deliver, conversation_id: str, address: str = CUSTOMER) -> None:
    await deliver(ConversationOpened(conversation_id=conversation_id, channel="sms", channel_id="ch",
                                     customer_address=address, opened_at=NOW))


def completed(conversation_id: str, agent: str = "agent-1", disposition: str | None = None) -> TaskCompleted:
    return TaskCompleted(task_id=f"task-{conversation_id}", conversation_id=conversation_id, queue_id="q",
                         channel="sms", agent_id=agent, disposition=disposition, at=NOW)


async def due_now(sessions) -> None:
    async with sessions() as session:
        await session.execute(update(Contact).where(Contact.status == "pending").values(next_attempt_at=NOW))
        await session.commit()


async def test_a_csat_survey_follows_a_completed_task_and_the_reply_is_matched_back(
    api, scheduler, sessions, deliver, emitted
) -> None:
    cid = await journey(api, "task_completed", survey_kind="csat")
    await conversation(deliver, "conv-1")
    await deliver(completed("conv-1"), source="routing")
    await deliver(completed("conv-1"), source="routing")  # a second completion of the same contact
    await due_now(sessions)
    assert (await scheduler.run_once()).requested == 1
    [survey] = await emitted(AttemptRequested)
    assert (survey.to_address, survey.purpose) == (CUSTOMER, "service")
    assert survey.text == "How did we do? Reply 1-5"

    def reply(text: str, minutes: int) -> MessageReceived:
        return MessageReceived(message_id=f"m{minutes}", conversation_id="conv-2", channel="sms",
                               channel_id="ch",
                               from_address=CUSTOMER, to_address="+8610086", text=text,
                               received_at=NOW + timedelta(minutes=minutes))

    await deliver(reply("thanks!", 5))
    assert await emitted(SurveyResponseRecorded) == []
    await deliver(reply(" 5 ", 6))
    [answer] = await emitted(SurveyResponseRecorded)
    assert (answer.conversation_id, answer.agent_id) == ("conv-1", "agent-1")
    assert (answer.score, answer.question) == (5, "csat")
    await deliver(reply("4", 7))  # the survey is answered: a later number is an ordinary message
    assert len(await emitted(SurveyResponseRecorded)) == 1
    results = (await api().get(f"/v1/campaigns/{cid}/results")).json()
    assert results["survey"] == {"responses": 1, "average": 5.0, "satisfied_percent": 100.0}


async def test_a_journeys_frequency_cap_holds_over_a_week(api, scheduler, sessions, deliver) -> None:
    await journey(api, "task_completed", survey_kind="csat", weekly_cap=1)
    for conv in ("conv-a", "conv-b"):
        await conversation(deliver, conv)
        await deliver(completed(conv), source="routing")
    await due_now(sessions)
    result = await scheduler.run_once()
    assert (result.requested, result.deferred) == (1, 1)


async def test_an_abandoned_contact_gets_an_sms_and_a_callback_only_when_the_journey_runs(
    api, scheduler, sessions, deliver, emitted
) -> None:
    abandoned = TaskAbandoned(task_id="t", conversation_id="conv-x", queue_id="q", channel="voice",
                              wait_seconds=95.0, at=NOW)
    await conversation(deliver, "conv-x")
    await deliver(abandoned, source="routing")
    assert await emitted(CallbackScheduled) == []

    await journey(api, "task_abandoned", message_template="Sorry we missed you: https://cb.example/r")
    await deliver(abandoned.model_copy(update={"task_id": "t2"}), source="routing")
    [owed] = await emitted(CallbackScheduled)
    assert (owed.reason, owed.due_at, owed.deadline_at) == ("abandoned", NOW, NOW + timedelta(hours=24))
    await due_now(sessions)
    assert (await scheduler.run_once()).requested == 1


async def test_a_complaint_disposition_owes_a_callback_within_three_days(api, deliver, sessions) -> None:
    await conversation(deliver, "conv-c")
    await deliver(completed("conv-c", disposition="complaint"), source="routing")
    async with sessions() as session:
        [callback] = await session.scalars(select(Callback))
    assert (callback.reason, callback.deadline_at, callback.agent_id) == (
        "complaint", NOW + timedelta(days=3), "agent-1")
    [listed] = (await api("acme", "agent").get("/v1/callbacks")).json()
    assert listed["overdue"] is (datetime.now(UTC) > NOW + timedelta(days=3))
    done = await api("acme", "supervisor").post(f"/v1/callbacks/{callback.id}/done")
    assert done.json()["status"] == "done"
    assert (await api("acme", "agent").get("/v1/callbacks")).json() == []
