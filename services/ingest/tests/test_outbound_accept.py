"""Accepting sends: one transaction, idempotent, and refused when they must not go out."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from switchboard.common.consumer import EventContext
from switchboard.common.errors import Conflict, Unprocessable
from switchboard.common.events.base import Envelope, make_envelope
from switchboard.common.events.campaign import AttemptRequested
from switchboard.common.events.ingest import SendMessage
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.models import Channel, Conversation, Delivery, Message, OptOut, backbone
from switchboard.ingest.outbound.accept import SendRequest, accept_send, check_sendable, replayed
from switchboard.ingest.outbound.commands import SendCommands
from switchboard.ingest.repository import IngestRepository

DAY = timedelta(hours=24)
CUSTOMER = "+8613800138000"


def twilio_channel(tenant: str = "acme", **changes: object) -> Channel:
    fields: dict = dict(
        id=f"ch-{tenant}", tenant_id=tenant, kind="sms", provider="twilio", address="+8610086",
        name="hotline", signing_secret="twilio-auth-token-0123", created_at=datetime.now(UTC),
        credentials={"account_sid": "AC0123"},
    )
    return Channel(**{**fields, **changes})


async def add(sessions, *rows) -> None:
    async with sessions() as session:
        session.add_all(rows)
        await session.commit()


async def events(sessions) -> list[Envelope]:
    async with sessions() as session:
        rows = await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))
        return [Envelope.model_validate_json(row.envelope) for row in rows]


async def all_rows(sessions, model) -> list:
    async with sessions() as session:
        return list(await session.scalars(select(model)))


async def send(sessions, channel: Channel, request: SendRequest, target: str = "t") -> Delivery:
    async with UnitOfWork(sessions, backbone, "ingest") as uow:
        uow.scope_to(channel.tenant_id)
        repo = IngestRepository(uow.session)
        await check_sendable(repo, channel, request)
        delivery = await accept_send(uow, channel, request, target=target, inactivity=DAY)
        await uow.commit()
    return delivery


def request(key: str = "k-1", **changes: object) -> SendRequest:
    fields: dict = dict(to_address=CUSTOMER, text="您的包裹已发出", idempotency_key=key)
    return SendRequest(**{**fields, **changes})


async def test_a_new_send_opens_an_outbound_conversation_with_its_message_and_pending_delivery(
    sessions
) -> None:
    channel = twilio_channel()
    await add(sessions, channel)
    delivery = await send(sessions, channel, request())

    [conversation] = await all_rows(sessions, Conversation)
    [message] = await all_rows(sessions, Message)
    assert (message.id, message.direction, message.to_address, message.from_address) == (
        delivery.id, "out", CUSTOMER, "+8610086")
    assert (delivery.status, delivery.conversation_id, delivery.attempts) == (
        "pending", conversation.id, 0)
    [opened] = await events(sessions)
    assert opened.type == "sb.ingest.conversation.opened.v1"
    assert opened.data["direction"] == "outbound"


async def test_a_second_send_joins_the_open_conversation_and_opens_nothing(sessions) -> None:
    channel = twilio_channel()
    await add(sessions, channel)
    first = await send(sessions, channel, request("k-1"))
    second = await send(sessions, channel, request("k-2"))
    assert first.conversation_id == second.conversation_id
    assert len(await events(sessions)) == 1


async def test_the_same_key_replays_and_a_different_request_with_it_is_refused(sessions) -> None:
    channel = twilio_channel()
    await add(sessions, channel)
    first = await send(sessions, channel, request(), target="conversation:c1")
    async with UnitOfWork(sessions, backbone, "ingest") as uow:
        repo = IngestRepository(uow.session)
        again = await replayed(repo, "acme", request(), "conversation:c1")
        assert again is not None and again.id == first.id
        with pytest.raises(Unprocessable, match="Idempotency-Key"):
            await replayed(repo, "acme", request(text="another text"), "conversation:c1")
        assert await replayed(repo, "globex", request(), "conversation:c1") is None


async def test_marketing_to_an_opted_out_address_is_refused_but_service_messages_go(sessions) -> None:
    channel = twilio_channel()
    opt_out = OptOut(id="o1", tenant_id="acme", channel_kind="sms", address=CUSTOMER,
                     keyword="STOP", source="keyword", created_at=datetime.now(UTC))
    await add(sessions, channel, opt_out)
    with pytest.raises(Conflict, match="opted out"):
        await send(sessions, channel, request(purpose="marketing"))
    assert await all_rows(sessions, Delivery) == []
    assert (await send(sessions, channel, request(purpose="service"))).status == "pending"


async def test_a_channel_that_cannot_send_and_an_overlong_sms_are_refused(sessions) -> None:
    mailgun = twilio_channel(id="ch-mail", kind="email", provider="mailgun", address="help@acme.cn")
    no_sid = twilio_channel(id="ch-nosid", address="+8610010", credentials={})
    sms = twilio_channel()
    await add(sessions, mailgun, no_sid, sms)
    with pytest.raises(Unprocessable, match="not supported"):
        await send(sessions, mailgun, request())
    with pytest.raises(Unprocessable, match="account_sid"):
        await send(sessions, no_sid, request())
    with pytest.raises(Unprocessable, match="1600"):
        await send(sessions, sms, request(text="x" * 1601))
    assert await all_rows(sessions, Message) == []


async def handle(sessions, payload, tenant: str = "acme") -> None:
    envelope = make_envelope(payload, tenant=tenant, source="campaign")
    commands = SendCommands(DAY)
    handler = (commands.on_attempt_requested if isinstance(payload, AttemptRequested)
               else commands.on_send_command)
    async with UnitOfWork(sessions, backbone, "ingest") as uow:
        uow.scope_to(tenant)
        await handler(payload, EventContext(envelope, uow))
        await uow.commit()


def attempt(attempt_id: str = "att-1", **changes: object) -> AttemptRequested:
    fields: dict = dict(attempt_id=attempt_id, campaign_id="cmp-1", channel="sms",
                        to_address=CUSTOMER, text="双十一优惠", allowed_by="consent:2024-05-01")
    return AttemptRequested(**{**fields, **changes})


async def test_a_campaign_attempt_is_accepted_once_whatever_the_event_id(sessions) -> None:
    await add(sessions, twilio_channel())
    await handle(sessions, attempt())
    await handle(sessions, attempt())  # republished with a new event id
    [delivery] = await all_rows(sessions, Delivery)
    assert (delivery.attempt_id, delivery.purpose, delivery.status) == ("att-1", "marketing", "pending")
    assert delivery.idempotency_key == "campaign-attempt:att-1"


async def test_a_refused_attempt_is_recorded_and_reported_failed_with_its_attempt_id(sessions) -> None:
    opt_out = OptOut(id="o1", tenant_id="acme", channel_kind="sms", address=CUSTOMER,
                     keyword="TD", source="keyword", created_at=datetime.now(UTC))
    await add(sessions, twilio_channel(), opt_out)
    await handle(sessions, attempt("att-1"))
    await handle(sessions, attempt("att-2", channel="email"))  # the tenant has no email channel

    deliveries = {d.attempt_id: d for d in await all_rows(sessions, Delivery)}
    assert {d.status for d in deliveries.values()} == {"refused"}
    assert "opted out" in (deliveries["att-1"].last_error or "")
    assert "no email channel" in (deliveries["att-2"].last_error or "")
    assert await all_rows(sessions, Message) == []
    updates = [e.data for e in await events(sessions)]
    assert sorted((u["attempt_id"], u["status"]) for u in updates) == [
        ("att-1", "failed"), ("att-2", "failed")]


async def test_an_attempt_past_its_window_is_not_sent_and_reported_expired_once(sessions) -> None:
    await add(sessions, twilio_channel())
    closed = datetime.now(UTC) - timedelta(minutes=5)  # e.g. ingest was down when the window closed
    await handle(sessions, attempt("late", not_after=closed))
    await handle(sessions, attempt("late", not_after=closed))  # redelivered
    await handle(sessions, attempt("on-time", not_after=datetime.now(UTC) + timedelta(hours=1)))

    deliveries = {d.attempt_id: d for d in await all_rows(sessions, Delivery)}
    assert (deliveries["late"].status, deliveries["on-time"].status) == ("refused", "pending")
    assert deliveries["late"].message_id is None and len(await all_rows(sessions, Message)) == 1
    updates = [e.data for e in await events(sessions) if e.data.get("attempt_id") == "late"]
    assert len(updates) == 1 and updates[0]["status"] == "failed"
    assert updates[0]["error"].startswith("expired: not sent after ")


async def test_a_send_command_replies_in_its_conversation(sessions) -> None:
    channel = twilio_channel()
    await add(sessions, channel)
    first = await send(sessions, channel, request("k-0"))
    await handle(sessions, SendMessage(
        channel="sms", to_address=CUSTOMER, text="Your code is 4821", idempotency_key="otp-1",
        conversation_id=first.conversation_id,
    ))
    deliveries = await all_rows(sessions, Delivery)
    assert {d.conversation_id for d in deliveries} == {first.conversation_id}
    assert {d.idempotency_key for d in deliveries} == {"k-0", "otp-1"}
