"""Accepting an inbound message: dedupe, thread, store and emit, in one transaction."""

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from switchboard.common.events.base import Envelope, parse_payload
from switchboard.common.events.ingest import ConversationOpened, MessageReceived
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.inbound import Accepted, InboundMessage, accept_inbound
from switchboard.ingest.models import Channel, Conversation, Message, RawPayload, backbone

DAY = timedelta(hours=24)
CUSTOMER = "+8613800138000"


def sms(provider_id: str, sender: str = CUSTOMER, text: str = "查话费", **changes: object) -> InboundMessage:
    body = json.dumps({"message_id": provider_id, "from": sender, "to": "+8610086", "text": text})
    fields: dict = {"provider_message_id": provider_id, "from_address": sender, "to_address": "+8610086",
                    "text": text, "content_type": "application/json", "raw_body": body}
    return InboundMessage(**{**fields, **changes})


async def accept(
    sessions, channel: Channel, inbound: InboundMessage, inactivity: timedelta = DAY
) -> Accepted:
    async with UnitOfWork(sessions, backbone, "ingest") as uow:
        uow.scope_to(channel.tenant_id)
        accepted = await accept_inbound(uow, channel, inbound, inactivity=inactivity)
        await uow.commit()
    return accepted


async def count(sessions, model) -> int:
    target = model if hasattr(model, "c") else model.__table__
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(target)))


async def outbox(sessions) -> list[Envelope]:
    async with sessions() as session:
        rows = await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))
        return [Envelope.model_validate_json(row.envelope) for row in rows]


async def test_a_first_message_opens_a_conversation_stores_everything_and_emits_two_events(
    sessions, channel
) -> None:
    inbound = sms("gw-1")
    accepted = await accept(sessions, channel, inbound)
    assert accepted.duplicate is False
    async with sessions() as session:
        conversation = await session.get(Conversation, accepted.conversation_id)
        message = await session.get(Message, accepted.message_id)
        [raw] = await session.scalars(select(RawPayload))
    assert (conversation.tenant_id, conversation.channel_id) == ("acme", channel.id)
    assert (conversation.customer_address, conversation.status) == (CUSTOMER, "open")
    assert (message.conversation_id, message.direction, message.provider_message_id, message.text) == (
        accepted.conversation_id, "in", "gw-1", "查话费")
    assert (raw.message_id, raw.body, raw.content_type) == (message.id, inbound.raw_body, "application/json")

    opened, received = await outbox(sessions)
    assert [opened.nats_subject, received.nats_subject] == ["sb.acme.ingest.conversation.opened",
                                                            "sb.acme.ingest.message.received"]
    assert opened.subject == received.subject == accepted.conversation_id
    opened_event, received_event = parse_payload(opened), parse_payload(received)
    assert isinstance(opened_event, ConversationOpened) and isinstance(received_event, MessageReceived)
    assert (opened_event.conversation_id, opened_event.customer_address, opened_event.channel) == (
        accepted.conversation_id, CUSTOMER, "sms")
    assert (received_event.message_id, received_event.from_address, received_event.to_address,
            received_event.text, received_event.provider_message_id) == (
        accepted.message_id, CUSTOMER, "+8610086", "查话费", "gw-1")


async def test_a_reply_within_the_inactivity_window_joins_the_conversation(sessions, channel) -> None:
    first = await accept(sessions, channel, sms("gw-1"))
    second = await accept(sessions, channel, sms("gw-2", text="还有流量吗"))
    assert second.conversation_id == first.conversation_id and second.message_id != first.message_id
    assert await count(sessions, Conversation) == 1
    assert await count(sessions, Message) == 2
    assert [e.type for e in (await outbox(sessions))[2:]] == ["sb.ingest.message.received.v1"]


async def test_a_reply_moves_the_conversations_last_activity(sessions, channel) -> None:
    first = await accept(sessions, channel, sms("gw-1"))
    async with sessions() as session:
        before = (await session.get(Conversation, first.conversation_id)).last_activity_at
    await accept(sessions, channel, sms("gw-2"))
    async with sessions() as session:
        assert (await session.get(Conversation, first.conversation_id)).last_activity_at > before


async def test_the_same_provider_message_again_is_a_duplicate_that_writes_nothing(sessions, channel) -> None:
    first = await accept(sessions, channel, sms("gw-1"))
    again = await accept(sessions, channel, sms("gw-1", text="resent by the gateway"))
    assert again == Accepted(first.message_id, first.conversation_id, duplicate=True)
    assert await count(sessions, Message) == 1
    assert await count(sessions, RawPayload) == 1
    assert await count(sessions, backbone.outbox) == 2


async def test_after_the_inactivity_window_a_new_conversation_opens(sessions, channel) -> None:
    first = await accept(sessions, channel, sms("gw-1"))
    async with sessions() as session:
        quiet_since = datetime.now(UTC) - DAY - timedelta(minutes=1)
        await session.execute(update(Conversation).values(last_activity_at=quiet_since))
        await session.commit()
    later = await accept(sessions, channel, sms("gw-2"))
    assert later.conversation_id != first.conversation_id
    assert await count(sessions, Conversation) == 2
    assert [e.type for e in (await outbox(sessions))[2:]] == ["sb.ingest.conversation.opened.v1",
                                                              "sb.ingest.message.received.v1"]


async def test_another_sender_gets_a_conversation_of_their_own(sessions, channel) -> None:
    first = await accept(sessions, channel, sms("gw-1"))
    other = await accept(sessions, channel, sms("gw-2", sender="+8613912345678"))
    assert other.conversation_id != first.conversation_id


async def test_provider_ids_are_unique_per_channel_not_across_channels(
    sessions, channel, add_channel
) -> None:
    second_channel = await add_channel("ch-sms-2", address="+8610010")
    first = await accept(sessions, channel, sms("gw-1"))
    other = await accept(sessions, second_channel, sms("gw-1"))
    assert other.duplicate is False and other.conversation_id != first.conversation_id


async def test_the_providers_receipt_time_is_carried_in_the_event(sessions, channel) -> None:
    at = datetime(2024, 5, 1, 10, 42, tzinfo=UTC)
    await accept(sessions, channel, sms("gw-1", received_at=at))
    received = parse_payload((await outbox(sessions))[1])
    assert received.received_at == at
