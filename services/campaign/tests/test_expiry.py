"""An attempt request carries the end of the window that allowed it; one ingest received too late
is recorded as expired, not counted, and tried again when the window next opens."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from switchboard.campaign.models import Attempt, Contact
from switchboard.common.events.campaign import AttemptCompleted, AttemptRequested
from switchboard.common.events.ingest import MessageDeliveryUpdated

SHANGHAI = "+8613800138000"
EVENING = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)  # 20:30 in Shanghai, the window ends at 21:00


async def evening_blast(api, sessions, **overrides) -> str:
    admin = api()
    body = {"name": "Offer", "kind": "sms_blast", "message_template": "Hi $name", **overrides}
    campaign = (await admin.post("/v1/campaigns", json=body)).json()
    listed = await admin.post(f"/v1/campaigns/{campaign['id']}/lists",
                              content=f"phone,name\n{SHANGHAI},Li\n".encode())
    assert listed.status_code == 201, listed.text
    assert (await admin.post(f"/v1/campaigns/{campaign['id']}/start")).status_code == 200
    async with sessions() as session:
        await session.execute(update(Contact).values(next_attempt_at=EVENING))
        await session.commit()
    return str(campaign["id"])


async def the_contact(sessions) -> Contact:
    async with sessions() as session:
        return (await session.scalars(select(Contact))).one()


async def all_attempts(sessions) -> list[Attempt]:
    async with sessions() as session:
        return list(await session.scalars(select(Attempt).order_by(Attempt.requested_at)))


async def test_a_request_is_valid_until_its_window_or_the_next_quiet_hours_close(
    api, scheduler, clock, sessions, emitted
) -> None:
    await evening_blast(api, sessions)
    clock.now = EVENING
    assert (await scheduler.run_once()).requested == 1
    [requested] = await emitted(AttemptRequested)
    assert requested.not_after == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai


async def test_an_expired_request_is_retried_in_the_next_window_without_counting_as_an_attempt(
    api, scheduler, clock, sessions, deliver, emitted
) -> None:
    await evening_blast(api, sessions, retry={"max_attempts": 1}, weekly_cap=1)
    clock.now = EVENING
    await scheduler.run_once()
    [first] = await all_attempts(sessions)
    # ingest was down past 21:00; when it read the request it refused it as expired
    late = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    reason = "expired: not sent after 2026-03-02 13:00:00 UTC, the end of its window"
    expired = MessageDeliveryUpdated(message_id="d1", status="failed", attempt_id=first.id,
                                     updated_at=late, error=reason)
    await deliver(expired)
    await deliver(expired)  # a repeated report changes nothing
    contact = await the_contact(sessions)
    assert (contact.status, contact.attempts_made, contact.last_outcome) == ("pending", 0, "expired")
    [ended] = await all_attempts(sessions)
    assert (ended.status, ended.outcome) == ("ended", "expired")
    assert [e.outcome for e in await emitted(AttemptCompleted)] == ["expired"]

    clock.now = late  # 22:00 in Shanghai: the scheduler waits for the morning
    assert (await scheduler.run_once()).requested == 0
    contact = await the_contact(sessions)
    assert contact.next_attempt_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai

    # the morning: neither the one allowed attempt nor the weekly cap of 1 was used up
    clock.now = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    assert (await scheduler.run_once()).requested == 1
    second = (await all_attempts(sessions))[-1]
    assert second.number == 1 and second.id != first.id
    assert (await emitted(AttemptRequested))[-1].not_after == datetime(2026, 3, 3, 13, 0, tzinfo=UTC)


async def test_a_contact_worth_sending_only_by_a_deadline_is_sent_by_then_or_closed_too_late(
    api, scheduler, clock, sessions, emitted
) -> None:
    body = {"name": "Birthdays", "kind": "journey", "journey_trigger": "birthday", "journey_segment": "s1",
            "message_template": "Happy birthday"}
    journey = (await api().post("/v1/campaigns", json=body)).json()
    await api().post(f"/v1/campaigns/{journey['id']}/start")
    midnight = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # the end of 2 March in Shanghai
    async with sessions() as session:
        for address, not_after in ((SHANGHAI, midnight), ("+8613800138001", EVENING.replace(minute=45))):
            session.add(Contact(id=address, tenant_id="acme", campaign_id=journey["id"], address=address,
                                dedupe_key="birthday", zones="Asia/Shanghai", fields={}, status="pending",
                                next_attempt_at=EVENING, not_after=not_after, created_at=EVENING))
        # due at 22:00 (e.g. held by the cap): that day's window is over before its deadline
        session.add(Contact(id="late", tenant_id="acme", campaign_id=journey["id"], address="+8613800138002",
                            dedupe_key="birthday", zones="Asia/Shanghai", fields={}, status="pending",
                            next_attempt_at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC), not_after=midnight,
                            created_at=EVENING))
        await session.commit()
    clock.now = EVENING
    assert (await scheduler.run_once()).requested == 2
    sent_by = {e.to_address: e.not_after for e in await emitted(AttemptRequested)}
    assert sent_by == {SHANGHAI: datetime(2026, 3, 2, 13, 0, tzinfo=UTC),  # the window closes first
                       "+8613800138001": EVENING.replace(minute=45)}      # the contact's own deadline
    clock.now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    await scheduler.run_once()
    async with sessions() as session:
        late = await session.get(Contact, "late")
        assert late is not None and (late.status, late.suppressed_reason) == ("expired", "too_late")
