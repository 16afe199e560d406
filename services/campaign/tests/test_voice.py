"""Voice campaigns: pacing against the agents routing reports free, answered dials handed to
routing, outcomes, the 72-hour rule after an abandoned call, and agents' dispositions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from switchboard.campaign.models import Attempt, Consent, Contact
from switchboard.common.events.campaign import AttemptDispositioned, AttemptRequested, DialAnswered
from switchboard.common.events.ingest import CallAnswered, CallEnded, CallStarted
from switchboard.common.events.routing import AgentAvailabilityChanged, TaskAccepted

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NUMBERS = [f"+86138001380{n:02d}" for n in range(10)]


async def voice_campaign(api, sessions, kind: str = "progressive", numbers: list[str] = NUMBERS,
                         **extra) -> str:
    admin = api()
    campaign = (await admin.post("/v1/campaigns", json={"name": "Renewals", "kind": kind, **extra})).json()
    csv = "phone,plan\n" + "".join(f"{n},gold\n" for n in numbers)
    listed = await admin.post(f"/v1/campaigns/{campaign['id']}/lists", content=csv.encode())
    assert listed.status_code == 201
    assert (await admin.post(f"/v1/campaigns/{campaign['id']}/start")).status_code == 200
    async with sessions() as session:
        await session.execute(update(Contact).where(Contact.campaign_id == campaign["id"])
                              .values(next_attempt_at=NOW))
        await session.commit()
    return str(campaign["id"])


async def free_agents(deliver, n: int) -> None:
    await deliver(AgentAvailabilityChanged(available_agents=n, at=datetime.now(UTC)), source="routing")


async def attempts(sessions) -> list[Attempt]:
    async with sessions() as session:
        return list(await session.scalars(select(Attempt).order_by(Attempt.requested_at, Attempt.id)))


def call(event_type, attempt: Attempt, at: datetime = NOW, **extra):
    return event_type(call_id=f"call-{attempt.id}", conversation_id=f"conv-{attempt.id}",
                      from_address="+8610086", to_address=attempt.address, direction="outbound",
                      at=at, attempt_id=attempt.id, **extra)


async def test_progressive_dials_one_call_per_free_agent(api, scheduler, sessions, deliver, emitted) -> None:
    await voice_campaign(api, sessions)
    assert (await scheduler.run_once()).requested == 0  # nobody free yet
    await free_agents(deliver, 2)
    assert (await scheduler.run_once()).requested == 2
    assert (await scheduler.run_once()).requested == 0  # both calls still ringing
    first = (await attempts(sessions))[0]
    await deliver(call(CallStarted, first))
    await deliver(call(CallEnded, first, outcome="busy"))
    assert (await scheduler.run_once()).requested == 1
    assert {(e.channel, e.ring_seconds) for e in await emitted(AttemptRequested)} == {("voice", 20.0)}


async def information_message(api) -> None:
    saved = await api().put("/v1/settings", json={"information_message": "This was Acme, call us on 95555"})
    assert saved.status_code == 200


async def test_predictive_dials_ahead_of_free_agents(api, scheduler, sessions, deliver) -> None:
    campaign_id = await voice_campaign(api, sessions, kind="predictive")
    await free_agents(deliver, 2)
    # no information message for a call it abandons yet: the dialer stays progressive, and says why
    assert (await scheduler.run_once()).requested == 2
    held = (await api().get(f"/v1/campaigns/{campaign_id}/pacing")).json()
    assert held["dialing"] == "progressive" and "information message" in held["dialing_held_back"]
    await information_message(api)
    pacing = (await api().get(f"/v1/campaigns/{campaign_id}/pacing")).json()
    assert (pacing["dialing"], pacing["dialing_held_back"]) == ("predictive", None)
    await free_agents(deliver, 4)
    dialled = (await scheduler.run_once()).requested
    assert 2 < dialled <= len(NUMBERS) - 2


async def test_an_answered_dial_goes_to_routing_and_the_agent_disposes_it(
    api, scheduler, sessions, deliver, emitted
) -> None:
    cid = await voice_campaign(api, sessions, numbers=NUMBERS[:1])
    await free_agents(deliver, 1)
    await scheduler.run_once()
    [attempt] = await attempts(sessions)
    await deliver(call(CallStarted, attempt))
    await deliver(call(CallAnswered, attempt, answered_by="customer"))
    [answered] = await emitted(DialAnswered)
    assert (answered.attempt_id, answered.call_id) == (attempt.id, f"call-{attempt.id}")
    await deliver(TaskAccepted(task_id="t1", conversation_id=f"conv-{attempt.id}", queue_id="q",
                               channel="voice", agent_id="agent-7", wait_seconds=1.0, at=NOW),
                  source="routing")
    await deliver(call(CallEnded, attempt, at=NOW + timedelta(minutes=3), talk_seconds=170.0))

    someone_else = await api("acme", "agent", subject="agent-8").post(
        f"/v1/attempts/{attempt.id}/disposition", json={"code": "not_interested"})
    assert someone_else.status_code == 403
    agent = api("acme", "agent", subject="agent-7")
    response = await agent.post(f"/v1/attempts/{attempt.id}/disposition", json={"code": "sale"})
    assert response.status_code == 200, response.text
    assert (response.json()["outcome"], response.json()["agent_id"]) == ("connected", "agent-7")
    again = await agent.post(f"/v1/attempts/{attempt.id}/disposition", json={"code": "sale"})
    assert again.status_code == 409
    results = (await api().get(f"/v1/campaigns/{cid}/results")).json()
    assert results["funnel"]["converted"] == 1 and results["funnel"]["connected"] == 1
    assert results["by_agent"] == [{"agent_id": "agent-7", "attempts": 1, "connected": 1, "converted": 1,
                                    "completion_rate": 1.0}]


async def test_an_abandoned_number_is_not_dialled_again_within_72_hours(
    api, scheduler, clock, sessions, deliver
) -> None:
    await voice_campaign(api, sessions, numbers=NUMBERS[:1])
    await free_agents(deliver, 1)
    await scheduler.run_once()
    [attempt] = await attempts(sessions)
    await deliver(call(CallAnswered, attempt, answered_by="customer"))
    await deliver(call(CallEnded, attempt, abandoned=True, outcome="abandoned"))
    async with sessions() as session:
        contact = await session.get(Contact, attempt.contact_id)
    assert contact is not None and contact.next_attempt_at == NOW + timedelta(hours=72)
    campaign_id = attempt.campaign_id
    floor = (await api().get(f"/v1/campaigns/{campaign_id}/pacing")).json()
    assert (floor["free_agents"], floor["answered_calls"], floor["abandon_rate"]) == (1, 1, 1.0)
    assert floor["abandon_target"] == 0.03 and floor["answer_rate"] is None

    other = await voice_campaign(api, sessions, numbers=NUMBERS[:1])
    clock.now = NOW + timedelta(hours=1)
    assert (await scheduler.run_once()).requested == 0
    async with sessions() as session:
        waiting = await session.scalar(select(Contact).where(Contact.campaign_id == other))
    assert waiting is not None and waiting.suppressed_reason == "abandoned_72h"
    assert waiting.next_attempt_at == NOW + timedelta(hours=72)


async def test_dispositions_do_not_call_and_callback(api, scheduler, sessions, deliver, emitted) -> None:
    await voice_campaign(api, sessions, numbers=NUMBERS[:2])
    await free_agents(deliver, 2)
    await scheduler.run_once()
    first, second = await attempts(sessions)
    agent = api("acme", "agent", subject="agent-1")
    bad = await agent.post(f"/v1/attempts/{first.id}/disposition", json={"code": "maybe"})
    assert bad.status_code == 422 and "unknown code" in bad.json()["detail"]
    no_time = await agent.post(f"/v1/attempts/{first.id}/disposition", json={"code": "callback"})
    assert no_time.status_code == 422 and "callback_at" in no_time.json()["detail"]

    dnc_response = await agent.post(f"/v1/attempts/{first.id}/disposition", json={"code": "do_not_call"})
    assert dnc_response.status_code == 200
    [dnc] = await emitted(AttemptDispositioned)
    assert (dnc.effect, dnc.channel, dnc.address) == ("do_not_call", "voice", first.address)
    async with sessions() as session:
        consent = await session.scalar(select(Consent).where(Consent.address == first.address))
        contact = await session.get(Contact, first.contact_id)
    assert consent is not None and (consent.purpose, consent.granted) == ("dnc", False)
    assert contact is not None
    assert (contact.status, contact.suppressed_reason) == ("suppressed", "do_not_contact")

    due = datetime.now(UTC) + timedelta(days=1)
    response = await agent.post(f"/v1/attempts/{second.id}/disposition",
                                json={"code": "callback", "callback_at": due.isoformat()})
    assert response.status_code == 200, response.text
    async with sessions() as session:
        contact = await session.get(Contact, second.contact_id)
    assert contact is not None and (contact.status, contact.callback_due, contact.callback_agent_id) == (
        "pending", due, "agent-1")
    [owed] = (await agent.get("/v1/callbacks")).json()
    assert (owed["reason"], owed["agent_id"], owed["overdue"]) == ("promised", "agent-1", False)
    assert (await api("globex", "agent").post(f"/v1/attempts/{second.id}/disposition",
                                              json={"code": "sale"})).status_code == 404


async def test_preview_shows_the_record_first_then_dials_what_the_agent_chooses(
    api, sessions, emitted
) -> None:
    all_day = {"window": {"start": "00:00", "end": "00:00"}}
    cid = await voice_campaign(api, sessions, kind="preview", numbers=NUMBERS[:2], schedule=all_day)
    agent, other_agent = api("acme", "agent", subject="a1"), api("acme", "agent", subject="a2")
    shown = (await agent.post(f"/v1/campaigns/{cid}/preview/next")).json()
    assert shown["fields"] == {"plan": "gold"} and "*" in shown["address_masked"]
    assert await emitted(AttemptRequested) == []  # nothing dialled by just looking
    again = (await agent.post(f"/v1/campaigns/{cid}/preview/next")).json()
    assert again["contact_id"] == shown["contact_id"]
    theirs = (await other_agent.post(f"/v1/campaigns/{cid}/preview/next")).json()
    assert theirs["contact_id"] != shown["contact_id"]
    stolen = await other_agent.post(f"/v1/campaigns/{cid}/preview/{shown['contact_id']}/dial")
    assert stolen.status_code == 404

    dialled = await agent.post(f"/v1/campaigns/{cid}/preview/{shown['contact_id']}/dial")
    assert dialled.status_code == 200, dialled.text
    assert dialled.json()["agent_id"] == "a1"
    [requested] = await emitted(AttemptRequested)
    assert requested.channel == "voice" and requested.attempt_id == dialled.json()["id"]
    skipped = await other_agent.post(f"/v1/campaigns/{cid}/preview/{theirs['contact_id']}/skip")
    assert skipped.status_code == 204
    assert (await other_agent.post(f"/v1/campaigns/{cid}/preview/next")).json() is None


async def test_calls_never_reported_on_stop_holding_agents_back(
    api, scheduler, clock, sessions, deliver
) -> None:
    await voice_campaign(api, sessions)
    await free_agents(deliver, 2)
    assert (await scheduler.run_once()).requested == 2
    clock.now = NOW + timedelta(minutes=1)
    assert (await scheduler.run_once()).requested == 0
    clock.now = NOW + timedelta(minutes=3)  # no report from the dialer for three minutes
    assert (await scheduler.run_once()).requested == 2


async def test_the_agent_reads_a_filled_script_and_records_the_return_visit_sheet(api, sessions) -> None:
    questions = [{"id": "satisfied", "text": "How satisfied are you (0-10)?", "kind": "score"},
                 {"id": "renew", "text": "Will you renew?", "kind": "choice", "choices": ["yes", "no"]},
                 {"id": "notes", "text": "Notes", "kind": "text"}]
    admin = api()
    bad = await admin.post("/v1/campaigns", json={"name": "x", "kind": "preview", "questions": [
        {"id": "a", "text": "?", "kind": "choice", "choices": ["only"]},
        {"id": "a", "text": "?", "kind": "text"}]})
    assert bad.status_code == 422
    assert "questions.a: a choice question" in bad.json()["detail"] and "used twice" in bad.json()["detail"]

    cid = await voice_campaign(api, sessions, kind="preview", numbers=NUMBERS[:1], questions=questions,
                               message_template="Hello, this is Acme about your $plan plan",
                               schedule={"window": {"start": "00:00", "end": "00:00"}})
    agent = api("acme", "agent", subject="a1")
    shown = (await agent.post(f"/v1/campaigns/{cid}/preview/next")).json()
    assert shown["script"] == "Hello, this is Acme about your gold plan"
    assert [q["id"] for q in shown["questions"]] == ["satisfied", "renew", "notes"]
    attempt = (await agent.post(f"/v1/campaigns/{cid}/preview/{shown['contact_id']}/dial")).json()
    sheet = (await agent.get(f"/v1/attempts/{attempt['id']}/script")).json()
    assert sheet["script"] == shown["script"] and sheet["answers"] is None

    other = api("acme", "agent", subject="a2")
    assert (await other.post(f"/v1/attempts/{attempt['id']}/answers",
                             json={"answers": {"renew": "no"}})).status_code == 403
    wrong = await agent.post(f"/v1/attempts/{attempt['id']}/answers",
                             json={"answers": {"satisfied": "11", "renew": "maybe", "age": "40"}})
    assert wrong.status_code == 422
    detail = wrong.json()["detail"]
    assert "answers.satisfied" in detail and "answers.renew: must be one of yes, no" in detail
    assert "answers.age: not a question" in detail
    await agent.post(f"/v1/attempts/{attempt['id']}/answers", json={"answers": {"satisfied": "9"}})
    saved = await agent.post(f"/v1/attempts/{attempt['id']}/answers",
                             json={"answers": {"renew": "yes", "notes": "wants a call in June"}})
    assert saved.json()["answers"] == {"satisfied": "9", "renew": "yes", "notes": "wants a call in June"}
    [listed] = (await admin.get(f"/v1/campaigns/{cid}/contacts")).json()
    assert listed["answers"]["renew"] == "yes"
    assert (await api("globex", "agent").get(f"/v1/attempts/{attempt['id']}/script")).status_code == 404


async def test_a_complaint_callback_is_dialled_at_its_time_for_the_same_agent_and_tracked_as_made(
    api, scheduler, clock, sessions, deliver, emitted
) -> None:
    all_day = {"window": {"start": "00:00", "end": "00:00"}}
    cid = await voice_campaign(api, sessions, numbers=NUMBERS[:1], schedule=all_day, weekly_cap=1,
                               retry={"max_attempts": 5})
    await free_agents(deliver, 1)
    await scheduler.run_once()
    [first] = await attempts(sessions)
    real_now = datetime.now(UTC)
    await deliver(call(CallAnswered, first, answered_by="customer"))
    await deliver(TaskAccepted(task_id="t1", conversation_id=f"conv-{first.id}", queue_id="q",
                               channel="voice", agent_id="agent-7", wait_seconds=1.0, at=NOW),
                  source="routing")
    await deliver(call(CallEnded, first, talk_seconds=60.0))
    due = real_now + timedelta(days=1)
    agent = api("acme", "agent", subject="agent-7")
    disposed = await agent.post(f"/v1/attempts/{first.id}/disposition",
                                json={"code": "complaint", "callback_at": due.isoformat()})
    assert disposed.status_code == 200, disposed.text

    # A marketing campaign's own complaint rest (30 days) and weekly cap do not hold back the
    # callback the complaint is owed; it is dialled at its time and offered to the same agent.
    clock.now = due - timedelta(minutes=1)
    assert (await scheduler.run_once()).requested == 0
    clock.now = due
    await free_agents(deliver, 1)
    assert (await scheduler.run_once()).requested == 1
    busy = (await attempts(sessions))[-1]
    assert busy.agent_id == "agent-7" and busy.number == 2
    assert "; callback due " in busy.allowed_by and "cap" not in busy.allowed_by.replace("(no cap)", "")
    await deliver(call(CallEnded, busy, at=due, outcome="busy"))
    assert len((await agent.get("/v1/callbacks")).json()) == 1  # still owed
    results = (await api().get(f"/v1/campaigns/{cid}/results")).json()
    assert results["funnel"]["connected"] == 1  # the first call connected; a busy line does not undo it

    clock.now = due + timedelta(minutes=30)  # busy: again after the rule's 30 minutes
    assert (await scheduler.run_once()).requested == 1
    callback_call = (await attempts(sessions))[-1]
    assert callback_call.agent_id == "agent-7" and callback_call.number == 3
    await deliver(call(CallAnswered, callback_call, at=due, answered_by="customer"))
    assert (await emitted(DialAnswered))[-1].reserved_agent_id == "agent-7"
    await deliver(call(CallEnded, callback_call, at=due + timedelta(minutes=4), talk_seconds=200.0))

    [made] = (await agent.get("/v1/callbacks", params={"status": "done"})).json()
    assert (made["reason"], made["on_time"]) == ("complaint", True)
    assert (await agent.get("/v1/callbacks")).json() == []  # nothing left owed, nothing overdue
    async with sessions() as session:
        contact = await session.get(Contact, first.contact_id)
    assert contact is not None and (contact.status, contact.callback_due) == ("done", None)
    assert (await api().get(f"/v1/campaigns/{cid}/results")).json()["funnel"]["connected"] == 1


async def test_an_agents_own_call_makes_a_callback_owed_outside_campaigns(api, deliver) -> None:
    from switchboard.common.events.ingest import ConversationOpened
    from switchboard.common.events.routing import TaskCompleted

    now = datetime.now(UTC)
    await deliver(ConversationOpened(conversation_id="c-in", channel="voice", channel_id="pbx",
                                     customer_address=NUMBERS[3], opened_at=now))
    await deliver(TaskCompleted(task_id="t", conversation_id="c-in", queue_id="q", channel="voice",
                                agent_id="agent-2", disposition="complaint", at=now), source="routing")
    manual = CallEnded(call_id="pbx-1", conversation_id="c-out", from_address="+8610086",
                       to_address=NUMBERS[3], direction="outbound", at=now + timedelta(hours=5))
    await deliver(manual.model_copy(update={"outcome": "no_answer"}))
    assert len((await api().get("/v1/callbacks")).json()) == 1  # not reached: still owed
    await deliver(manual.model_copy(update={"call_id": "pbx-2", "talk_seconds": 120.0}))
    [made] = (await api().get("/v1/callbacks", params={"status": "done"})).json()
    assert made["on_time"] is True


async def test_preview_may_redial_within_72_hours_and_a_late_callback_goes_to_any_agent(
    api, scheduler, sessions, deliver
) -> None:
    await voice_campaign(api, sessions, numbers=NUMBERS[:1])
    await free_agents(deliver, 1)
    await scheduler.run_once()
    [dialled] = await attempts(sessions)
    await deliver(call(CallAnswered, dialled, answered_by="customer"))
    await deliver(call(CallEnded, dialled, at=datetime.now(UTC), abandoned=True, outcome="abandoned"))

    all_day = {"window": {"start": "00:00", "end": "00:00"}}
    cid = await voice_campaign(api, sessions, kind="preview", numbers=NUMBERS[:3], schedule=all_day)
    async with sessions() as session:
        listed = await session.scalars(select(Contact).where(Contact.campaign_id == cid))
        rows = {c.address: c for c in listed}
        now = datetime.now(UTC)
        for address, late in ((NUMBERS[1], timedelta(minutes=5)), (NUMBERS[2], timedelta(minutes=20))):
            rows[address].callback_due, rows[address].callback_agent_id = now - late, "a1"
            rows[address].next_attempt_at = now - late
        rows[NUMBERS[0]].priority = -1  # the abandoned number last, after both callbacks
        await session.commit()
    a2 = api("acme", "agent", subject="a2")
    shown = (await a2.post(f"/v1/campaigns/{cid}/preview/next")).json()
    assert shown["contact_id"] == rows[NUMBERS[2]].id  # 20 minutes late: a1 is away, a2 takes it
    assert (await a2.post(f"/v1/campaigns/{cid}/preview/{shown['contact_id']}/skip")).status_code == 204
    # the abandoned number: the agent previewing is on the line, so the 72-hour rule lets it through
    shown = (await a2.post(f"/v1/campaigns/{cid}/preview/next")).json()
    assert shown["contact_id"] == rows[NUMBERS[0]].id
    assert shown["allowed_by"].endswith("; abandoned <72 h: agent reserved")
    assert (await a2.post(f"/v1/campaigns/{cid}/preview/{shown['contact_id']}/dial")).status_code == 200
    a1 = api("acme", "agent", subject="a1")
    assert (await a1.post(f"/v1/campaigns/{cid}/preview/next")).json()["contact_id"] == rows[NUMBERS[1]].id


async def test_predictive_counts_agents_talking_on_its_calls_as_soon_free(
    api, scheduler, sessions, deliver
) -> None:
    numbers = [f"+86139001390{n:02d}" for n in range(40)]
    await voice_campaign(api, sessions, kind="predictive", numbers=numbers)
    await information_message(api)
    await free_agents(deliver, 3)
    await scheduler.run_once()
    for n, attempt in enumerate(await attempts(sessions)):
        if n < 3:
            await deliver(call(CallAnswered, attempt, answered_by="customer"))
        else:
            await deliver(call(CallEnded, attempt, outcome="no_answer"))
    await free_agents(deliver, 0)
    # nobody free, three agents talking (180 s mean): one of them is expected free within the
    # ring time, so the dialer places a call for them
    assert (await scheduler.run_once()).requested >= 1


async def test_a_callback_disposed_before_the_calls_end_is_reported_stands(
    api, scheduler, sessions, deliver
) -> None:
    await voice_campaign(api, sessions, numbers=NUMBERS[:1])
    await free_agents(deliver, 1)
    await scheduler.run_once()
    [attempt] = await attempts(sessions)
    await deliver(call(CallAnswered, attempt, answered_by="customer"))
    due = datetime.now(UTC) + timedelta(days=2)
    agent = api("acme", "agent", subject="agent-1")
    disposed = await agent.post(f"/v1/attempts/{attempt.id}/disposition",
                                json={"code": "callback", "callback_at": due.isoformat()})
    assert disposed.status_code == 200, disposed.text
    await deliver(call(CallEnded, attempt, at=NOW + timedelta(minutes=2), talk_seconds=100.0))
    async with sessions() as session:
        contact = await session.get(Contact, attempt.contact_id)
    assert contact is not None
    assert (contact.status, contact.next_attempt_at, contact.last_outcome) == ("pending", due, "connected")
    assert len((await agent.get("/v1/callbacks")).json()) == 1
