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


async def test_a_customer_who_refused_surveys_gets_no_csat(api, scheduler, sessions, deliver) -> None:
    from switchboard.common.events.profile import ConsentChanged

    await journey(api, "task_completed", survey_kind="csat")
    await deliver(ConsentChanged(channel="sms", address=CUSTOMER, purpose="survey", granted=False,
                                 source="customer", at=NOW - timedelta(days=1)), source="profile")
    await conversation(deliver, "conv-1")
    await deliver(completed("conv-1"), source="routing")
    await due_now(sessions)
    result = await scheduler.run_once()
    assert (result.requested, result.closed) == (0, 1)
    async with sessions() as session:
        [contact] = await session.scalars(select(Contact))
    assert (contact.status, contact.suppressed_reason) == ("suppressed", "consent")


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

    # given up at 22:30 in Shanghai: the callback is due when the window opens, 09:00 next morning
    await conversation(deliver, "conv-night", "+8613900139000")
    late = NOW + timedelta(hours=12, minutes=30)
    await deliver(abandoned.model_copy(update={"task_id": "t3", "conversation_id": "conv-night", "at": late}),
                  source="routing")
    morning = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    night = (await emitted(CallbackScheduled))[-1]
    assert (night.due_at, night.deadline_at) == (morning, morning + timedelta(hours=24))


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


async def test_a_journey_speaks_the_customers_language(api, scheduler, sessions, deliver, emitted) -> None:
    from switchboard.common.events.profile import ContactIdentified

    await journey(api, "task_completed", message_template="How did we do? Reply 1-5",
                  templates={"zh": "请为本次服务评分 回复1-5", "en": "Rate us 1-5"})
    for conv, number, language in (("c-zh", CUSTOMER, "zh-CN"), ("c-none", "+8613900139000", None)):
        await conversation(deliver, conv, number)
        await deliver(ContactIdentified(customer_id=f"cust-{conv}", conversation_id=conv, channel="sms",
                                        language=language), source="profile")
        await deliver(completed(conv), source="routing")
    await due_now(sessions)
    await scheduler.run_once()
    texts = {e.to_address: e.text for e in await emitted(AttemptRequested)}
    assert texts == {CUSTOMER: "请为本次服务评分 回复1-5", "+8613900139000": "How did we do? Reply 1-5"}


async def test_templates_per_language_are_checked_like_the_default(api) -> None:
    admin = api()
    base = {"name": "x", "kind": "sms_blast", "message_template": "Hi $name"}
    bad = await admin.post("/v1/campaigns", json={**base, "templates": {"en": "Hi $"}})
    assert bad.status_code == 422 and "templates.en" in bad.json()["detail"]
    not_a_language = await admin.post("/v1/campaigns", json={**base, "templates": {"English!": "x"}})
    assert not_a_language.status_code == 422
    body = {**base, "templates": {"zh": "$name 您好, $plan"}}
    campaign = (await admin.post("/v1/campaigns", json=body)).json()
    missing = await admin.post(f"/v1/campaigns/{campaign['id']}/lists",
                               content=b"phone,name\n+8613800138000,Li\n")
    assert missing.status_code == 422
    assert "templates.zh: undefined variable 'plan'" in missing.json()["detail"]


async def test_a_churn_risk_tag_starts_retention_outreach_once_a_week(
    api, scheduler, sessions, deliver, emitted
) -> None:
    from switchboard.common.events.profile import ContactIdentified, CustomerUpdated

    await journey(api, "churn_risk", purpose="marketing", message_template="We miss you: 30% off")
    await conversation(deliver, "c-1")
    await deliver(ContactIdentified(customer_id="cust-1", conversation_id="c-1", channel="sms"),
                  source="profile")
    for tags in (["vip"], ["churn_risk"], ["churn_risk", "vip"]):
        await deliver(CustomerUpdated(customer_id="cust-1", tags=tags, at=NOW), source="profile")
    await deliver(CustomerUpdated(customer_id="never-seen", tags=["churn_risk"], at=NOW), source="profile")
    await due_now(sessions)
    assert (await scheduler.run_once()).requested == 1
    [outreach] = await emitted(AttemptRequested)
    assert (outreach.to_address, outreach.customer_id) == (CUSTOMER, "cust-1")
    assert outreach.text == "We miss you: 30% off"


async def test_after_call_sms_and_csat_on_a_closed_conversation(
    api, scheduler, sessions, deliver, emitted
) -> None:
    from switchboard.common.events.ingest import CallEnded, ConversationClosed
    from switchboard.common.events.profile import ContactIdentified
    from switchboard.common.events.routing import TaskAccepted

    await journey(api, "call_ended", message_template="Thanks for calling: https://acme.example/help",
                  templates={"zh": "感谢来电: https://acme.example/help"})
    await journey(api, "conversation_closed", survey_kind="csat")

    def ended(call: str, abandoned: bool = False) -> CallEnded:
        return CallEnded(call_id=call, conversation_id=f"conv-{call}", from_address=CUSTOMER,
                         to_address="+8610086", at=NOW, abandoned=abandoned,
                         talk_seconds=0 if abandoned else 95)

    # the caller's language, as profile told it on the call's conversation, picks the after-call SMS
    await deliver(ConversationOpened(conversation_id="conv-call-1", channel="voice", channel_id="ch",
                                     customer_address=CUSTOMER, opened_at=NOW))
    await deliver(ContactIdentified(customer_id="cust-1", conversation_id="conv-call-1", channel="voice",
                                    language="zh-CN"), source="profile")
    await deliver(ended("call-1"))
    await deliver(ended("call-2", abandoned=True))  # an abandoned call gets the callback journey instead

    def accepted(conv: str, agent: str) -> TaskAccepted:
        return TaskAccepted(task_id=f"t-{conv}", conversation_id=conv, queue_id="q", channel="sms",
                            agent_id=agent, wait_seconds=3.0, at=NOW)

    # served by an agent: rated; a thread no agent served (a blast's, a survey reply) is not
    await conversation(deliver, "conv-sms", "+8613900139000")
    await deliver(accepted("conv-sms", "agent-2"), source="routing")
    await conversation(deliver, "conv-blast", "+8613700137000")
    # a chat: the survey goes by SMS to the number campaign knows for the customer
    await deliver(ConversationOpened(conversation_id="conv-chat", channel="chat", channel_id="web",
                                     customer_address="visitor-9", opened_at=NOW))
    await deliver(ContactIdentified(customer_id="cust-1", conversation_id="conv-chat", channel="chat"),
                  source="profile")
    await deliver(accepted("conv-chat", "agent-3"), source="routing")
    for conv, channel in (("conv-sms", "sms"), ("conv-blast", "sms"), ("never-opened", "sms"),
                          ("conv-chat", "chat")):
        await deliver(ConversationClosed(conversation_id=conv, channel=channel, reason="agent",  # type: ignore[arg-type]
                                         closed_at=NOW))
    await due_now(sessions)
    assert (await scheduler.run_once()).requested == 3
    sent = sorted((e.to_address, e.text) for e in await emitted(AttemptRequested))
    assert sent == [("+8613800138000", "How did we do? Reply 1-5"),
                    ("+8613800138000", "感谢来电: https://acme.example/help"),
                    ("+8613900139000", "How did we do? Reply 1-5")]

    await deliver(MessageReceived(message_id="r1", conversation_id="conv-r", channel="sms", channel_id="ch",
                                  from_address=CUSTOMER, to_address="+8610086", text="4",
                                  received_at=NOW + timedelta(minutes=3)))
    [answer] = await emitted(SurveyResponseRecorded)
    assert (answer.conversation_id, answer.agent_id, answer.score) == ("conv-chat", "agent-3", 4)
