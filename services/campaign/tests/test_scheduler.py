"""The scheduler pass: due contacts checked at the moment of contact, attempts requested with the
rule that allowed them, outcomes and retries from ingest's events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from switchboard.campaign.models import Attempt, Campaign, Contact
from switchboard.common.events.base import make_envelope
from switchboard.common.events.campaign import AttemptCompleted, AttemptRequested
from switchboard.common.events.ingest import ConsentOptedOut, MessageDeliveryUpdated, MessageSent
from switchboard.common.events.profile import ConsentChanged

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # the clock fixture's start: a Monday
SHANGHAI, NEW_YORK, LONDON = "+8613800138000", "+12125550123", "+442071838750"


async def blast(api, csv: str, sessions=None, at: datetime | None = None, **overrides) -> str:
    """A started SMS blast; with `sessions`, its contacts listed at `at` (the tests' fixed clock)."""
    admin = api()
    body = {"name": "Offer", "kind": "sms_blast", "message_template": "Hi $name, 20% off", **overrides}
    campaign = (await admin.post("/v1/campaigns", json=body)).json()
    listed = await admin.post(f"/v1/campaigns/{campaign['id']}/lists", content=csv.encode())
    assert listed.status_code == 201, listed.text
    started = await admin.post(f"/v1/campaigns/{campaign['id']}/start")
    assert started.status_code == 200, started.text
    if sessions is not None:
        async with sessions() as session:
            await session.execute(update(Contact).where(Contact.campaign_id == campaign["id"],
                                                        Contact.status == "pending")
                                  .values(next_attempt_at=at or NOW))
            await session.commit()
    return str(campaign["id"])


async def contacts(sessions, campaign_id: str) -> dict[str, Contact]:
    async with sessions() as session:
        rows = await session.scalars(select(Contact).where(Contact.campaign_id == campaign_id))
        return {c.address: c for c in rows}


async def attempts(sessions) -> list[Attempt]:
    async with sessions() as session:
        return list(await session.scalars(select(Attempt).order_by(Attempt.requested_at)))


async def test_each_recipient_is_contacted_only_inside_the_window_in_their_own_time_zone(
    api, scheduler, clock, sessions, emitted
) -> None:
    # 02:00 UTC: 10:00 in Shanghai, 21:00 (closed) in New York, 02:00 in London
    cid = await blast(api, f"phone,name\n{SHANGHAI},Li\n{NEW_YORK},Ann\n{LONDON},Bob\n", sessions)
    result = await scheduler.run_once()
    assert (result.requested, result.deferred) == (1, 2)
    [requested] = await emitted(AttemptRequested)
    assert (requested.to_address, requested.text, requested.channel) == (SHANGHAI, "Hi Li, 20% off", "sms")
    assert requested.allowed_by.startswith("window 09:00-21:00 Asia/Shanghai; consent ok; cap 1/3")
    waiting = await contacts(sessions, cid)
    assert waiting[NEW_YORK].next_attempt_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert waiting[LONDON].next_attempt_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert (await scheduler.run_once()).requested == 1
    clock.now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert (await scheduler.run_once()).requested == 1
    assert [a.address for a in await attempts(sessions)] == [SHANGHAI, LONDON, NEW_YORK]


async def test_quiet_hours_defer_to_their_end(api, scheduler, clock, sessions) -> None:
    cid = await blast(api, f"phone,name\n{SHANGHAI},Li\n", sessions,
                      schedule={"quiet_hours": [{"start": "12:00", "end": "14:00"}]})
    clock.now = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # 12:30 in Shanghai
    assert (await scheduler.run_once()).requested == 0
    assert (await contacts(sessions, cid))[SHANGHAI].next_attempt_at == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


async def test_an_opt_out_after_the_upload_is_honoured_at_the_moment_of_contact(
    api, scheduler, sessions, deliver, emitted
) -> None:
    cid = await blast(api, f"phone,name\n{SHANGHAI},Li\n+8613900139000,Wang\n", sessions)
    await deliver(ConsentChanged(channel="sms", address=SHANGHAI, purpose="marketing", granted=False,
                                 source="customer", at=datetime.now(UTC)), source="profile")
    await deliver(ConsentOptedOut(channel="sms", address="+8613900139000", keyword="STOP",
                                  at=datetime.now(UTC)))
    result = await scheduler.run_once()
    assert (result.requested, result.closed) == (0, 2)
    assert await emitted(AttemptRequested) == []
    states = {a: (c.status, c.suppressed_reason) for a, c in (await contacts(sessions, cid)).items()}
    assert states == {SHANGHAI: ("suppressed", "consent"), "+8613900139000": ("suppressed", "consent")}


async def test_the_weekly_marketing_cap_holds_across_campaigns(api, scheduler, sessions) -> None:
    await blast(api, f"phone,name\n{SHANGHAI},Li\n", sessions, weekly_cap=1)
    assert (await scheduler.run_once()).requested == 1
    second = await blast(api, f"phone,name\n{SHANGHAI},Li\n", sessions, weekly_cap=1, name="Second")
    result = await scheduler.run_once()
    assert (result.requested, result.deferred) == (0, 1)
    contact = (await contacts(sessions, second))[SHANGHAI]
    assert contact.suppressed_reason == "frequency_cap"
    assert contact.next_attempt_at is not None and contact.next_attempt_at > datetime(2026, 3, 8, tzinfo=UTC)


async def test_a_failed_receipt_retries_after_the_rule_delay_and_success_completes_the_campaign(
    api, scheduler, clock, sessions, deliver, emitted
) -> None:
    cid = await blast(api, f"phone,name\n{SHANGHAI},Li\n", sessions, retry={"max_attempts": 2})
    await scheduler.run_once()
    [first] = await attempts(sessions)
    await deliver(MessageSent(message_id="m1", conversation_id="conv", channel="sms", to_address=SHANGHAI,
                              attempt_id=first.id, sent_at=clock.now))
    assert (await contacts(sessions, cid))[SHANGHAI].status == "done"
    failed_at = clock.now + timedelta(seconds=30)
    await deliver(MessageDeliveryUpdated(message_id="m1", status="failed", attempt_id=first.id,
                                         updated_at=failed_at))
    contact = (await contacts(sessions, cid))[SHANGHAI]
    assert (contact.status, contact.next_attempt_at) == ("pending", failed_at + timedelta(hours=2))
    assert (await scheduler.run_once()).requested == 0

    clock.now = failed_at + timedelta(hours=2)
    assert (await scheduler.run_once()).requested == 1
    second = (await attempts(sessions))[-1]
    assert second.number == 2 and "attempt 2/2" in second.allowed_by
    await deliver(MessageDeliveryUpdated(message_id="m2", status="delivered", attempt_id=second.id,
                                         updated_at=clock.now))
    await scheduler.run_once()
    async with sessions() as session:
        campaign = await session.get(Campaign, cid)
    assert campaign is not None and campaign.status == "completed"
    assert [(e.outcome, e.attempt_id) for e in await emitted(AttemptCompleted)] == [
        ("failed", first.id), ("delivered", second.id)]

    results = (await api().get(f"/v1/campaigns/{cid}/results")).json()
    assert results["funnel"] == {"listed": 1, "suppressed": 0, "attempted": 1, "connected": 1, "converted": 0}


async def test_a_redelivered_receipt_changes_nothing(
    api, scheduler, clock, sessions, runtime, emitted
) -> None:
    await blast(api, f"phone,name\n{SHANGHAI},Li\n", sessions)
    await scheduler.run_once()
    [attempt] = await attempts(sessions)
    receipt = make_envelope(MessageDeliveryUpdated(message_id="m1", status="delivered", attempt_id=attempt.id,
                                                   updated_at=clock.now), tenant="acme", source="ingest")
    assert await runtime.consumer.handle(receipt) is True
    assert await runtime.consumer.handle(receipt) is False
    assert len(await emitted(AttemptCompleted)) == 1


async def test_a_paused_campaign_requests_nothing_and_other_tenants_are_untouched(
    api, scheduler, sessions, emitted
) -> None:
    cid = await blast(api, f"phone,name\n{SHANGHAI},Li\n", sessions)
    await api().post(f"/v1/campaigns/{cid}/pause")
    assert (await scheduler.run_once()).requested == 0
    other = api("globex")
    campaign = (await other.post("/v1/campaigns", json={"name": "G", "kind": "sms_blast",
                                                        "message_template": "hello"})).json()
    await other.post(f"/v1/campaigns/{campaign['id']}/lists", content=f"phone\n{SHANGHAI}\n".encode())
    await other.post(f"/v1/campaigns/{campaign['id']}/start")
    async with sessions() as session:
        await session.execute(update(Contact).values(next_attempt_at=NOW))
        await session.commit()
    assert (await scheduler.run_once()).requested == 1
    [requested] = await emitted(AttemptRequested)
    assert requested.campaign_id == campaign["id"]


async def test_an_email_blast_validates_addresses_and_sends_in_the_lists_time_zone(
    api, scheduler, sessions, emitted
) -> None:
    admin = api()
    body = {"name": "Newsletter", "kind": "email_blast", "message_template": "Dear $name, our news",
            "email_subject": "March news"}
    campaign = (await admin.post("/v1/campaigns", json=body)).json()
    csv = ("email,name,time_zone\nLi@Example.com,Li,Asia/Shanghai\nnot-an-email,X,\n"
           "li@example.com,Again,\nann@example.org,Ann,\n")
    listed = (await admin.post(f"/v1/campaigns/{campaign['id']}/lists", content=csv.encode())).json()
    assert listed["accepted"] == 2
    assert listed["rejected"] == [{"line": 3, "reason": "email: not a valid address"},
                                  {"line": 4, "reason": "email: duplicate of line 2"}]
    await admin.post(f"/v1/campaigns/{campaign['id']}/start")
    async with sessions() as session:
        await session.execute(update(Contact).values(next_attempt_at=NOW))
        await session.commit()
    result = await scheduler.run_once()
    assert (result.requested, result.closed) == (1, 1)  # Ann has no zone and the campaign none either
    [sent] = await emitted(AttemptRequested)
    assert (sent.channel, sent.to_address, sent.subject, sent.text) == (
        "email", "li@example.com", "March news", "Dear Li, our news")
    expired = (await contacts(sessions, campaign["id"]))["ann@example.org"]
    assert (expired.status, expired.suppressed_reason) == ("expired", "unknown_time_zone")


async def test_contacts_expire_after_the_end_date_and_holidays_are_skipped(
    api, scheduler, clock, sessions
) -> None:
    # Monday 2 March is a holiday; the campaign ends on Tuesday 3 March.
    schedule = {"holidays": ["2026-03-02"], "end_date": "2026-03-03"}
    cid = await blast(api, f"phone,name\n{SHANGHAI},Li\n", sessions, schedule=schedule)
    assert (await scheduler.run_once()).requested == 0
    contact = (await contacts(sessions, cid))[SHANGHAI]
    assert contact.next_attempt_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # Tuesday 09:00 Shanghai
    clock.now = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # Tuesday 22:00: the last window is over
    async with sessions() as session:
        await session.execute(update(Contact).values(next_attempt_at=clock.now))
        await session.commit()
    result = await scheduler.run_once()
    assert (result.requested, result.closed) == (0, 1)
    assert (await contacts(sessions, cid))[SHANGHAI].status == "expired"


async def test_a_recent_complaint_holds_marketing_back_for_thirty_days(
    api, scheduler, sessions, deliver
) -> None:
    from switchboard.common.events.ingest import ConversationOpened
    from switchboard.common.events.routing import TaskCompleted

    await deliver(ConversationOpened(conversation_id="c9", channel="sms", channel_id="ch",
                                     customer_address=SHANGHAI, opened_at=NOW))
    await deliver(TaskCompleted(task_id="t9", conversation_id="c9", queue_id="q", channel="sms",
                                agent_id="a1", disposition="complaint", at=NOW - timedelta(days=2)),
                  source="routing")
    cid = await blast(api, f"phone,name\n{SHANGHAI},Li\n+8613900139000,Wang\n", sessions)
    result = await scheduler.run_once()
    assert (result.requested, result.deferred) == (1, 1)
    held = (await contacts(sessions, cid))[SHANGHAI]
    assert held.suppressed_reason == "recent_complaint"
    assert held.next_attempt_at == NOW - timedelta(days=2) + timedelta(days=30)


async def test_tenant_quiet_hours_holidays_and_cap_apply_to_every_campaign(
    api, scheduler, clock, sessions, deliver, emitted
) -> None:
    from switchboard.common.events.routing import AgentAvailabilityChanged

    admin = api()
    bad = await admin.put("/v1/settings", json={"quiet_hours": [{"start": "14:00", "end": "12:00"}]})
    assert bad.status_code == 422 and "quiet_hours[0]" in bad.json()["detail"]
    assert (await api("acme", "supervisor").put("/v1/settings", json={})).status_code == 403
    rules = {"quiet_hours": [{"start": "09:00", "end": "11:00"}], "holidays": ["2026-03-03"],
             "weekly_marketing_cap": 1, "information_message": "This was Acme, call us on 95555"}
    saved = await admin.put("/v1/settings", json=rules)
    assert saved.status_code == 200 and saved.json()["weekly_marketing_cap"] == 1
    assert (await api("globex").get("/v1/settings")).json()["quiet_hours"] == []

    cid = await blast(api, f"phone,name\n{SHANGHAI},Li\n", sessions)  # 10:00 Monday in Shanghai
    assert (await scheduler.run_once()).requested == 0
    assert (await contacts(sessions, cid))[SHANGHAI].next_attempt_at == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    clock.now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    assert (await scheduler.run_once()).requested == 1
    [sent] = await emitted(AttemptRequested)
    assert "cap 1/1" in sent.allowed_by and sent.information_message is None  # an SMS plays nothing

    await deliver(AgentAvailabilityChanged(available_agents=1, at=NOW), source="routing")
    voice = (await admin.post("/v1/campaigns", json={"name": "v", "kind": "progressive",
                                                     "purpose": "service"})).json()
    await admin.post(f"/v1/campaigns/{voice['id']}/lists", content=b"phone\n+8613900139000\n")
    await admin.post(f"/v1/campaigns/{voice['id']}/start")
    async with sessions() as session:
        await session.execute(update(Contact).where(Contact.campaign_id == voice["id"])
                              .values(next_attempt_at=clock.now))
        await session.commit()
    assert (await scheduler.run_once()).requested == 1
    dialled = [e for e in await emitted(AttemptRequested) if e.channel == "voice"]
    assert [e.information_message for e in dialled] == ["This was Acme, call us on 95555"]


def test_tenant_rules_add_quiet_hours_and_holidays_and_take_the_stricter_cap() -> None:
    from datetime import date, time

    from switchboard.campaign.models import TenantSettings
    from switchboard.campaign.rules import rules_for, schedule_to_json

    own = schedule_to_json((time(9), time(21)), [(time(12), time(14))], [date(2026, 5, 1)], [0, 1, 2, 3, 4],
                           None, None)
    campaign = Campaign(schedule=own, weekly_cap=3)
    tenant = TenantSettings(quiet_hours=[["20:00", "00:00"]], holidays=["2026-10-01"], weekly_marketing_cap=2)
    rules = rules_for(campaign, tenant)
    assert rules.schedule.open_spans() == [(9 * 60, 12 * 60), (14 * 60, 20 * 60)]
    assert rules.schedule.holidays == {date(2026, 5, 1), date(2026, 10, 1)}
    assert rules.policy.weekly_marketing_cap == 2
    assert rules_for(campaign, None).policy.weekly_marketing_cap == 3


async def test_a_pass_takes_promised_callbacks_first_then_priority_then_value(
    api, runtime, clock, sessions, emitted
) -> None:
    from switchboard.campaign.scheduler import Scheduler

    csv = ("phone,name,priority,value\n+8613800138001,A,0,10\n+8613800138002,B,0,900\n"
           "+8613800138003,C,5,0\n+8613800138004,D,0,0\n")
    cid = await blast(api, csv, sessions)
    async with sessions() as session:
        await session.execute(update(Contact).where(Contact.address == "+8613800138004")
                              .values(callback_due=NOW - timedelta(minutes=1), callback_agent_id="a1"))
        await session.commit()
    one_at_a_time = Scheduler(runtime, interval=1.0, batch=1, clock=clock)
    for _ in range(4):
        assert (await one_at_a_time.run_campaign("acme", cid)).requested == 1
    order = [e.to_address[-1] for e in await emitted(AttemptRequested)]
    assert order == ["4", "3", "2", "1"]
