"""QA builds each contact's redacted transcript from the bus and raises alerts in the same commit."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from switchboard.common.events.base import Envelope, Payload, make_envelope, parse_payload
from switchboard.common.events.ingest import ConversationClosed, MessageReceived, MessageSent
from switchboard.common.events.qa import AlertRaised
from switchboard.common.events.routing import TaskAccepted, TaskCompleted
from switchboard.qa.models import Alert, Contact, TenantRules, TranscriptMessage, backbone

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CARD = "4111 1111 1111 1111"


def envelope_of(event: Payload, conversation: str = "c1", tenant: str = "acme") -> Envelope:
    return make_envelope(event, tenant=tenant, source="test", subject=conversation)


def customer(
    text: str, seconds: float = 0, conversation: str = "c1", channel: str = "chat"
) -> MessageReceived:
    return MessageReceived(message_id=str(uuid.uuid4()), conversation_id=conversation, channel=channel,
                           channel_id="ch", from_address="visitor-1", to_address="web",
                           text=text, received_at=T0 + timedelta(seconds=seconds))


def agent(text: str, seconds: float = 0, conversation: str = "c1", sent_by: str | None = None) -> MessageSent:
    return MessageSent(message_id=str(uuid.uuid4()), conversation_id=conversation, channel="chat",
                       to_address="visitor-1", sent_by=sent_by, text=text,
                       sent_at=T0 + timedelta(seconds=seconds))


def accepted(agent_id: str = "agent-7", conversation: str = "c1") -> TaskAccepted:
    return TaskAccepted(task_id="t1", conversation_id=conversation, queue_id="billing", channel="chat",
                        at=T0, agent_id=agent_id, wait_seconds=3)


async def alerts_emitted(sessions) -> list[AlertRaised]:
    async with sessions() as session:
        rows = await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))
        return [parse_payload(Envelope.model_validate_json(r.envelope)) for r in rows]  # type: ignore[misc]


async def stored(sessions, model, **where) -> list:
    async with sessions() as session:
        query = select(model).filter_by(**where)
        return list(await session.scalars(query))


async def test_messages_become_a_transcript_with_the_agent_checks_and_sentiment(sessions, qa) -> None:
    await qa.handle(envelope_of(customer("我的宽带又断了", 0)))
    await qa.handle(envelope_of(accepted()))
    await qa.handle(envelope_of(agent("您好，请问您的账号是？", 20)))
    await qa.handle(envelope_of(agent("已处理。请问还有什么可以帮到您？", 80)))
    [contact] = await stored(sessions, Contact)
    messages = await stored(sessions, TranscriptMessage)
    assert (contact.tenant_id, contact.agent_id, contact.queue_id, contact.message_count) == (
        "acme", "agent-7", "billing", 3)
    assert sorted((m.role, m.agent_id) for m in messages) == [
        ("agent", "agent-7"), ("agent", "agent-7"), ("customer", None)]
    assert {c["check"]: c["passed"] for c in contact.checks} == {
        "greeting": True, "closing": True, "forbidden_phrases": True, "sensitive_data": True,
        "first_response": True, "response_time": True}
    assert all(m.language == "zh" for m in messages)
    assert contact.sentiment is not None and contact.sentiment < 0  # a broken line is bad news
    assert await alerts_emitted(sessions) == []


async def test_a_card_number_is_redacted_before_storage_and_raises_a_critical_alert(sessions, qa) -> None:
    incoming = envelope_of(customer(f"please charge {CARD} now"))
    assert await qa.handle(incoming) is True
    [message] = await stored(sessions, TranscriptMessage)
    assert message.text == "please charge [card ending 1111] now"
    assert message.redactions == {"card_number": 1}
    [alert] = await stored(sessions, Alert)
    [event] = await alerts_emitted(sessions)
    assert (event.alert_id, event.kind, event.severity, event.conversation_id) == (
        alert.id, "sensitive_data", "critical", "c1")
    assert "4111" not in event.detail and "card number" in event.detail
    [contact] = await stored(sessions, Contact)
    assert contact.sensitive_data is True
    assert await qa.handle(incoming) is False  # redelivery: no second message, no second alert
    assert len(await stored(sessions, Alert)) == 1
    assert _check(contact, "sensitive_data") is None  # the customer gave it; no agent line yet
    await qa.handle(envelope_of(agent(f"Hello, I will charge {CARD}", 5)))  # read back in clear
    [contact] = await stored(sessions, Contact)
    assert _check(contact, "sensitive_data") is False  # a rule answers "customer data disclosed"


def _check(contact: Contact, name: str) -> bool | None:
    return next(c["passed"] for c in contact.checks if c["check"] == name)


async def test_an_email_is_transcribed_with_its_subject_and_checked_untimed(sessions, qa) -> None:
    email = MessageReceived(message_id="m-email", conversation_id="e1", channel="email", channel_id="ch",
                            from_address="li@example.com", to_address="help@acme.example",
                            subject="Charged twice", text=f"My card {CARD} was charged twice.",
                            received_at=T0)
    await qa.handle(envelope_of(email, conversation="e1"))
    reply = MessageSent(message_id="m-reply", conversation_id="e1", channel="email",
                        to_address="li@example.com", sent_by="a3", sent_at=T0 + timedelta(hours=5),
                        text="Dear Mr Li, we refunded the second charge. Is there anything else we can do?")
    await qa.handle(envelope_of(reply, conversation="e1"))
    [contact] = await stored(sessions, Contact)
    lines = await stored(sessions, TranscriptMessage)
    assert sorted(m.role for m in lines) == ["agent", "customer"]
    customer_line = next(m for m in lines if m.role == "customer")
    assert customer_line.text == "Charged twice\nMy card [card ending 1111] was charged twice."
    checks = {c["check"]: c["passed"] for c in contact.checks}
    assert (checks["greeting"], checks["closing"], checks["first_response"]) == (True, True, None)
    assert contact.agent_id == "a3" and contact.sensitive_data is True


async def test_a_forbidden_phrase_from_the_agent_raises_an_alert_naming_it(sessions, qa) -> None:
    await qa.handle(envelope_of(accepted()))
    await qa.handle(envelope_of(agent("Calm down, that is not my problem", 5)))
    [event] = await alerts_emitted(sessions)
    assert (event.kind, event.agent_id) == ("forbidden_phrase", "agent-7")
    assert "'not my problem'" in event.detail and "'calm down'" in event.detail


async def test_a_customer_growing_angrier_is_flagged_and_alerted_once(sessions, qa) -> None:
    await qa.handle(envelope_of(customer("Hi, I have a quick question about my bill, thanks", 0)))
    await qa.handle(envelope_of(agent("Hello, sure", 10, sent_by="agent-2")))
    await qa.handle(envelope_of(customer("This is ridiculous, I am furious, terrible service!", 30)))
    await qa.handle(envelope_of(customer("Awful. I hate this, worst company ever", 40)))
    [contact] = await stored(sessions, Contact)
    assert contact.growing_angrier is True
    assert contact.agent_id == "agent-2"
    kinds = [e.kind for e in await alerts_emitted(sessions)]
    assert kinds == ["sentiment_drop"]


async def test_tenant_rules_decide_what_is_forbidden(sessions, qa) -> None:
    async with sessions() as session:
        session.add(TenantRules(tenant_id="acme", rules={"forbidden_phrases": ["稍等"]}, updated_at=T0))
        await session.commit()
    await qa.handle(envelope_of(agent("您好，稍等", 1)))
    await qa.handle(envelope_of(agent("Calm down", 2), tenant="other", conversation="c9"))
    events = await alerts_emitted(sessions)
    assert [(e.kind, e.detail) for e in events] == [("forbidden_phrase", "the agent said '稍等'"),
                                                    ("forbidden_phrase", "the agent said 'calm down'")]


async def test_completion_and_close_record_handle_time_and_disposition(sessions, qa) -> None:
    await qa.handle(envelope_of(customer("hello", 0, channel="sms")))
    await qa.handle(envelope_of(TaskCompleted(
        task_id="t1", conversation_id="c1", queue_id="q", channel="sms", at=T0, agent_id="a9",
        customer_id="cust-1", disposition="resolved", talk_seconds=200, wrap_seconds=30)))
    await qa.handle(envelope_of(ConversationClosed(conversation_id="c1", channel="sms", reason="agent",
                                                   closed_at=T0 + timedelta(minutes=5))))
    [contact] = await stored(sessions, Contact)
    assert (contact.agent_id, contact.disposition, contact.handle_seconds, contact.customer_id) == (
        "a9", "resolved", 230, "cust-1")
    assert contact.closed_at == T0 + timedelta(minutes=5)
    assert contact.channel == "sms"


async def test_marketing_sends_and_sends_without_text_are_not_transcribed(sessions, qa) -> None:
    await qa.handle(envelope_of(MessageSent(message_id="m1", conversation_id="c1", channel="sms",
                                            to_address="+8613800138000", purpose="marketing",
                                            text="双十一大促", sent_at=T0)))
    await qa.handle(envelope_of(agent("x").model_copy(update={"text": None})))
    await qa.handle(envelope_of(agent("a new outbound message").model_copy(update={"conversation_id": ""})))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(TranscriptMessage)) == 0


async def _sampling_on(sessions, **rules) -> str:
    from switchboard.qa.models import SamplingConfig, Scorecard, ScorecardVersion

    form = {"name": "f", "sections": [{"title": "s", "questions": [
        {"key": "greeting", "text": "greeted?", "auto_check": "greeting"}]}]}
    async with sessions() as session:
        session.add(Scorecard(id="sc", tenant_id="acme", name="f", current_version=1, created_at=T0))
        session.add(ScorecardVersion(id="sv1", tenant_id="acme", scorecard_id="sc", version=1,
                                     definition=form, created_by="x", created_at=T0))
        session.add(SamplingConfig(tenant_id="acme", updated_at=T0, config={
            "enabled": True, "scorecard_id": "sc", "evaluator_ids": ["e1", "e2"], "random_share": 0,
            **rules}))
        await session.commit()
    return "sc"


def completed(conversation: str, disposition: str = "resolved", agent_id: str = "a1") -> TaskCompleted:
    return TaskCompleted(task_id=f"t-{conversation}", conversation_id=conversation, queue_id="q",
                         channel="chat", at=T0, agent_id=agent_id, disposition=disposition,
                         talk_seconds=100)


async def test_a_completed_complaint_is_assigned_to_the_least_loaded_evaluator(sessions, qa) -> None:
    from switchboard.qa.models import Evaluation

    await _sampling_on(sessions, new_agent_weeks=0)
    await qa.handle(envelope_of(agent("Hello there", 1, conversation="c1"), conversation="c1"))
    await qa.handle(envelope_of(completed("c1", "complaint"), conversation="c1"))
    await qa.handle(envelope_of(completed("c2", "complaint"), conversation="c2"))
    await qa.handle(envelope_of(completed("c3"), conversation="c3"))  # ordinary: not sampled
    rows = sorted(await stored(sessions, Evaluation), key=lambda e: e.conversation_id)
    assert [(e.conversation_id, e.reason, e.evaluator_id) for e in rows] == [
        ("c1", "complaint", "e1"), ("c2", "complaint", "e2")]
    assert rows[0].answers["greeting"]["value"] == "yes"  # pre-filled from the automatic check
    await qa.handle(envelope_of(completed("c1", "complaint"), conversation="c1"))  # a second task
    assert len(await stored(sessions, Evaluation)) == 2


async def test_a_complaint_in_the_customers_words_is_sampled_whatever_the_disposition(sessions, qa) -> None:
    from switchboard.qa.models import Evaluation

    await _sampling_on(sessions, new_agent_weeks=0, negative_sentiment_at_most=-1)
    await qa.handle(envelope_of(customer("网速很慢，我要投诉", 0, conversation="c1"), conversation="c1"))
    await qa.handle(envelope_of(customer("What plans do you have?", 0, conversation="c2"), conversation="c2"))
    await qa.handle(envelope_of(completed("c1", "resolved"), conversation="c1"))  # not marked a complaint
    await qa.handle(envelope_of(completed("c2", "resolved"), conversation="c2"))
    [evaluation] = await stored(sessions, Evaluation)
    assert (evaluation.conversation_id, evaluation.reason) == ("c1", "complaint")


async def test_a_new_agents_contacts_are_all_sampled(sessions, qa) -> None:
    from switchboard.qa.models import Evaluation

    await _sampling_on(sessions)
    await qa.handle(envelope_of(completed("c1", agent_id="rookie"), conversation="c1"))
    [evaluation] = await stored(sessions, Evaluation)
    assert (evaluation.reason, evaluation.agent_id) == ("new_agent", "rookie")


async def test_each_agent_gets_the_random_share_of_their_weeks_contacts(sessions, qa) -> None:
    from switchboard.qa.models import Evaluation

    await _sampling_on(sessions, random_share=0.1, new_agent_weeks=0)
    for n in range(30):
        for agent_id in ("a1", "a2"):
            contact = f"{agent_id}-c{n}"
            await qa.handle(envelope_of(completed(contact, agent_id=agent_id), conversation=contact))
    evaluations = await stored(sessions, Evaluation)
    assert {e.reason for e in evaluations} == {"random"}
    assert sorted(e.agent_id for e in evaluations) == ["a1"] * 3 + ["a2"] * 3


async def test_survey_answers_are_kept_per_agent_and_a_very_low_one_is_a_complaint(sessions, qa) -> None:
    from switchboard.common.events.campaign import SurveyResponseRecorded
    from switchboard.qa.models import Evaluation, SurveyResponse

    await _sampling_on(sessions, new_agent_weeks=0)
    await qa.handle(envelope_of(accepted("a7", conversation="c1"), conversation="c1"))
    for score in (5, 1):
        await qa.handle(envelope_of(SurveyResponseRecorded(
            survey_id="csat", conversation_id="c1", question="How satisfied were you?", score=score,
            at=T0), conversation="c1"))
    responses = await stored(sessions, SurveyResponse)
    assert sorted((r.agent_id, r.queue_id, r.score) for r in responses) == [
        ("a7", "billing", 1), ("a7", "billing", 5)]
    [evaluation] = await stored(sessions, Evaluation)
    assert (evaluation.conversation_id, evaluation.reason) == ("c1", "complaint")


async def test_an_erased_customers_words_are_deleted_but_the_agents_scores_stay(sessions, qa) -> None:
    from switchboard.common.events.profile import ContactIdentified, CustomerErased

    await qa.handle(envelope_of(customer("my name is Li Lei, card 4111111111111111", 0)))
    await qa.handle(envelope_of(
        ContactIdentified(customer_id="cust-9", conversation_id="c1", channel="chat")))
    await qa.handle(envelope_of(customer("other customer", 0, conversation="c2"), conversation="c2"))
    await qa.handle(envelope_of(CustomerErased(customer_id="cust-9", at=T0), conversation="cust-9"))
    remaining = await stored(sessions, TranscriptMessage)
    assert [m.conversation_id for m in remaining] == ["c2"]
    contact = next(c for c in await stored(sessions, Contact) if c.conversation_id == "c1")
    assert contact.customer_id is None and contact.sensitive_data is True  # the finding stays
    assert len(await stored(sessions, Alert)) == 1


async def test_topics_are_counted_once_per_contact_and_forgotten_with_the_customer(sessions, qa) -> None:
    from switchboard.common.events.profile import ContactIdentified, CustomerErased
    from switchboard.qa.domain.sampling import SamplingRules
    from switchboard.qa.repository import QARepository

    await qa.handle(envelope_of(customer("宽带断了", 0)))
    await qa.handle(envelope_of(customer("宽带还是断的，路由器也坏了", 10)))
    await qa.handle(envelope_of(customer("宽带不通", 20, conversation="c2"), conversation="c2"))
    await qa.handle(envelope_of(agent("您好，宽带正在维修", 30)))  # the agent's words are no topic
    async with sessions() as session:
        counts = await QARepository(session).topic_counts("acme", T0, T0 + timedelta(days=1), None)
    assert counts["宽带"] == 2 and counts["路由器"] == 1 and "维修" not in counts
    await qa.handle(envelope_of(customer("宽带又坏了，我要投诉", 40, conversation="c3"), conversation="c3"))
    async with sessions() as session:
        complaints = await QARepository(session).topic_counts(
            "acme", T0, T0 + timedelta(days=1), SamplingRules())
    assert complaints["宽带"] == 1 and "路由器" not in complaints  # only c3 said it was a complaint
    await qa.handle(envelope_of(
        ContactIdentified(customer_id="cust-1", conversation_id="c2", channel="chat"), conversation="c2"))
    await qa.handle(envelope_of(CustomerErased(customer_id="cust-1", at=T0), conversation="cust-1"))
    async with sessions() as session:
        counts = await QARepository(session).topic_counts("acme", T0, T0 + timedelta(days=1), None)
    assert counts["宽带"] == 2  # c1 and c3


async def test_complaint_topics_come_from_contacts_sampling_would_call_complaints(sessions, qa) -> None:
    from switchboard.common.events.campaign import SurveyResponseRecorded
    from switchboard.qa.repository import QARepository
    from switchboard.qa.sampling_repository import SamplingRepository

    # phrases of several words, which never are one topic word: matched on the customer's line
    await _sampling_on(sessions, enabled=False, complaint_phrases=["找你们领导", "file a complaint"],
                       complaint_dispositions=["Complaint"])
    lines = {"c1": "宽带断了三天，找你们领导来", "c2": "Refund is late, I will file a complaint",
             "c3": "宽带断了，退款也没到", "c4": "退款什么时候到", "c5": "Refund please"}
    for conversation, text in lines.items():
        await qa.handle(envelope_of(customer(text, 0, conversation=conversation), conversation=conversation))
    await qa.handle(envelope_of(completed("c3", "complaint"), conversation="c3"))  # any case
    await qa.handle(envelope_of(SurveyResponseRecorded(
        survey_id="csat", conversation_id="c4", question="How satisfied were you?", score=1, at=T0),
        conversation="c4"))  # a score this low is a complaint too; c5 never complained
    async with sessions() as session:
        rules = await SamplingRepository(session).rules("acme")
        counts = await QARepository(session).topic_counts("acme", T0, T0 + timedelta(days=1), rules)
    assert (counts["宽带"], counts["退款"], counts["refund"]) == (2, 2, 1)


async def test_a_contact_sampled_before_its_last_lines_gets_their_checks_at_submission(sessions, qa) -> None:
    from switchboard.common.auth import Principal
    from switchboard.common.uow import UnitOfWork
    from switchboard.qa import evaluations as workflow
    from switchboard.qa.domain.scorecards import Answer
    from switchboard.qa.models import Evaluation

    await _sampling_on(sessions, new_agent_weeks=0)
    await qa.handle(envelope_of(completed("c1", "complaint"), conversation="c1"))  # routing's stream first
    [sampled] = await stored(sessions, Evaluation)
    assert sampled.answers == {}
    await qa.handle(envelope_of(agent("Hello, sorry for the wait", 5)))         # ingest's, later
    evaluator = Principal(subject="e1", tenant="acme", roles=frozenset({"evaluator"}))
    async with UnitOfWork(sessions, backbone, "qa") as uow:
        uow.scope_to("acme")
        evaluation = await uow.session.get(Evaluation, sampled.id)
        assert evaluation is not None
        await workflow.save_answers(uow, evaluator, evaluation, {}, None, submit=True)
        await uow.commit()
    [settled] = await stored(sessions, Evaluation)
    assert (settled.status, settled.score, settled.prefilled) == ("submitted", 100.0, ["greeting"])
    assert settled.answers["greeting"]["value"] == "yes"
    assert Answer.model_validate(settled.answers["greeting"]).comment.startswith("automatic check")


def transcribed(conversation: str, *lines: tuple[str, str], direction: str = "inbound"):
    from switchboard.common.events.ingest import CallTranscribed, TranscriptSegment

    return CallTranscribed(
        transcript_id=f"tr-{conversation}", call_id=f"call-{conversation}", conversation_id=conversation,
        direction=direction, transcribed_at=T0 + timedelta(minutes=5),  # type: ignore[arg-type]
        segments=[TranscriptSegment(segment_id=f"{conversation}-{n}", speaker=speaker, text=text,  # type: ignore[arg-type]
                                    start_seconds=5.0 * n, end_seconds=5.0 * n + 4,
                                    at=T0 + timedelta(seconds=5 * n))
                  for n, (speaker, text) in enumerate(lines)])


async def test_a_call_transcript_after_the_call_is_sampled_by_its_sentiment(sessions, qa) -> None:
    from switchboard.qa.models import Evaluation

    await _sampling_on(sessions, new_agent_weeks=0)
    await qa.handle(envelope_of(TaskCompleted(
        task_id="t-v1", conversation_id="v1", queue_id="q", channel="voice", at=T0, agent_id="a1",
        disposition="resolved", talk_seconds=100), conversation="v1"))
    assert await stored(sessions, Evaluation) == []  # no words yet: nothing to judge
    angry = transcribed("v1", ("agent", "Hello, this is Li."), ("customer", "Hi, I have a question."),
                        ("customer", "This is awful, terrible service, I am furious!"))
    await qa.handle(envelope_of(angry, conversation="v1"))
    [evaluation] = await stored(sessions, Evaluation)
    assert (evaluation.reason, evaluation.agent_id, evaluation.channel) == (
        "negative_sentiment", "a1", "voice")
    assert evaluation.answers["greeting"]["value"] == "yes"  # the transcript's checks pre-fill it
    await qa.handle(envelope_of(angry, conversation="v1"))  # the same transcript again
    assert len(await stored(sessions, Evaluation)) == 1


async def test_an_outbound_calls_words_are_checked_but_not_inbound_topics(sessions, qa) -> None:
    from switchboard.qa.repository import QARepository

    call = transcribed("v2", ("agent", "您好，这里是宽带客服"), ("customer", "宽带套餐不需要"),
                       direction="outbound")
    await qa.handle(envelope_of(call, conversation="v2"))
    [contact] = await stored(sessions, Contact)
    assert contact.message_count == 2 and contact.checks[0]["passed"] is True  # greeted
    async with sessions() as session:
        assert await QARepository(session).topic_counts("acme", T0, T0 + timedelta(days=1), None) == {}
