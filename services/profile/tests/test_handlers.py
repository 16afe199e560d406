"""Profile resolves each inbound message's sender to a customer and counts repeat contacts."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from switchboard.common.events.base import Envelope, make_envelope, parse_payload
from switchboard.common.events.ingest import Channel, MessageReceived
from switchboard.common.events.profile import ContactIdentified
from switchboard.profile.identities import UnreadableAddress
from switchboard.profile.models import Customer, Identity, TenantSettings, TimelineEntry, backbone

CUSTOMER = "+8613800138000"


def received(sender: str = CUSTOMER, *, channel: Channel = "sms", at: datetime | None = None,
             conversation: str = "c1", text: str = "查话费") -> MessageReceived:
    return MessageReceived(message_id=str(uuid.uuid4()), conversation_id=conversation, channel=channel,
                           channel_id="ch", from_address=sender, to_address="+8610086", text=text,
                           received_at=at or datetime.now(UTC))


def envelope_of(event: MessageReceived, tenant: str = "acme") -> Envelope:
    return make_envelope(event, tenant=tenant, source="ingest", subject=event.conversation_id,
                         correlation_id="corr-1")


async def identified(sessions) -> list[tuple[Envelope, ContactIdentified]]:
    async with sessions() as session:
        rows = await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))
        envelopes = [Envelope.model_validate_json(row.envelope) for row in rows]
    return [(e, parse_payload(e)) for e in envelopes]  # type: ignore[misc]


async def count(sessions, model) -> int:
    target = model if hasattr(model, "c") else model.__table__
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(target)))


async def set_region(sessions, tenant: str, region: str) -> None:
    async with sessions() as session:
        session.add(TenantSettings(tenant_id=tenant, default_region=region, updated_at=datetime.now(UTC)))
        await session.commit()


async def test_a_new_sender_becomes_a_customer_with_an_identity_and_a_timeline_entry(
    sessions, profile
) -> None:
    incoming = envelope_of(received("+86 138-0013-8000", text="我的话费怎么这么多"))
    assert await profile.handle(incoming) is True
    async with sessions() as session:
        [customer] = await session.scalars(select(Customer))
        [identity] = await session.scalars(select(Identity))
        [entry] = await session.scalars(select(TimelineEntry))
    assert (customer.tenant_id, customer.tier) == ("acme", "standard")
    assert (identity.customer_id, identity.kind, identity.value) == (customer.id, "phone", CUSTOMER)
    assert (entry.customer_id, entry.event_id, entry.kind) == (customer.id, incoming.id, "message.received")
    assert (entry.channel, entry.conversation_id, entry.summary) == ("sms", "c1", "我的话费怎么这么多")

    [(envelope, event)] = await identified(sessions)
    assert envelope.nats_subject == "sb.acme.profile.contact.identified"
    assert (envelope.subject, envelope.correlationid, envelope.causationid) == ("c1", "corr-1", incoming.id)
    assert (event.customer_id, event.conversation_id, event.channel, event.new_customer) == (
        customer.id, "c1", "sms", True)
    assert (event.repeat.contacts_today, event.repeat.contacts_7d) == (1, 1)
    assert event.repeat.last_contact_at is None


async def test_a_second_message_from_the_same_number_is_the_same_customer_again(
    sessions, profile
) -> None:
    first_at = datetime.now(UTC) - timedelta(seconds=5)
    await profile.handle(envelope_of(received(at=first_at)))
    await profile.handle(envelope_of(received("+86 138 0013 8000", conversation="c2")))
    assert await count(sessions, Customer) == 1
    assert await count(sessions, Identity) == 1
    (_, first), (_, second) = await identified(sessions)
    assert second.customer_id == first.customer_id
    assert second.new_customer is False
    assert (second.repeat.contacts_today, second.repeat.contacts_7d) == (2, 2)
    assert second.repeat.last_contact_at.replace(tzinfo=UTC) == first_at


async def test_contacts_are_counted_per_day_and_per_week(sessions, profile) -> None:
    now = datetime.now(UTC)
    await profile.handle(envelope_of(received(at=now - timedelta(days=10))))
    await profile.handle(envelope_of(received(at=now - timedelta(days=2))))
    await profile.handle(envelope_of(received(at=now)))
    *_, (_, latest) = await identified(sessions)
    assert (latest.repeat.contacts_today, latest.repeat.contacts_7d) == (1, 2)


async def test_the_same_event_delivered_twice_is_one_contact(sessions, profile) -> None:
    incoming = envelope_of(received())
    assert await profile.handle(incoming) is True
    assert await profile.handle(incoming) is False
    assert await count(sessions, TimelineEntry) == 1
    assert await count(sessions, backbone.outbox) == 1


async def test_a_national_number_without_the_tenants_region_fails_and_leaves_nothing(
    sessions, profile
) -> None:
    with pytest.raises(UnreadableAddress, match="default region"):
        await profile.handle(envelope_of(received("13800138000")))
    assert await count(sessions, Customer) == 0
    assert await count(sessions, TimelineEntry) == 0
    assert await count(sessions, backbone.inbox) == 0, "not recorded: the delivery is retried"
    assert await count(sessions, backbone.outbox) == 0


async def test_a_national_number_is_read_in_the_tenants_region(sessions, profile) -> None:
    await set_region(sessions, "acme", "CN")
    await profile.handle(envelope_of(received("13800138000")))
    await profile.handle(envelope_of(received(CUSTOMER)))
    async with sessions() as session:
        assert list(await session.scalars(select(Identity.value))) == [CUSTOMER]
    assert await count(sessions, Customer) == 1


async def test_the_same_number_in_another_tenant_is_another_customer(sessions, profile) -> None:
    await profile.handle(envelope_of(received(), tenant="acme"))
    await profile.handle(envelope_of(received(), tenant="globex"))
    (_, acme), (globex_envelope, globex) = await identified(sessions)
    assert globex.new_customer is True and globex.customer_id != acme.customer_id
    assert globex_envelope.tenant == "globex"
    assert globex.repeat.contacts_today == 1


async def test_email_senders_are_matched_whatever_their_case(sessions, profile) -> None:
    await profile.handle(envelope_of(received("Alice@Example.COM", channel="email")))
    await profile.handle(envelope_of(received("alice@example.com ", channel="email")))
    (_, first), (_, second) = await identified(sessions)
    assert second.customer_id == first.customer_id and second.new_customer is False
    async with sessions() as session:
        assert list(await session.scalars(select(Identity.kind))) == ["email"]


async def test_a_receipt_time_with_an_offset_is_recorded_at_its_real_instant(sessions, profile) -> None:
    beijing = timezone(timedelta(hours=8))
    first_at = (datetime.now(UTC) - timedelta(hours=1)).astimezone(beijing)
    await profile.handle(envelope_of(received(at=first_at)))
    await profile.handle(envelope_of(received()))
    _, (_, second) = await identified(sessions)
    last = second.repeat.last_contact_at
    assert last is not None
    assert last.replace(tzinfo=last.tzinfo or UTC) == first_at
