"""SMS HELP is answered with the channel's help text, else the tenant's, else a default, once."""

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from switchboard.common.uow import UnitOfWork
from switchboard.ingest.inbound import InboundMessage, accept_inbound
from switchboard.ingest.models import Channel, Delivery, Message, TenantSettings, backbone

CUSTOMER = "+8613800138000"


def channel(channel_id: str, provider: str = "sandbox", help_text: str | None = None) -> Channel:
    return Channel(id=channel_id, tenant_id="acme", kind="sms", provider=provider,
                   address=f"+86100{channel_id[-2:]}", name="Acme Care", signing_secret="s" * 20,
                   credentials={}, created_at=datetime.now(UTC), help_text=help_text)


async def receive(sessions, row: Channel, text: str, provider_id: str) -> None:
    inbound = InboundMessage(
        provider_message_id=provider_id, from_address=CUSTOMER, to_address=row.address, text=text,
        content_type="application/json", raw_body=json.dumps({"text": text}),
    )
    async with UnitOfWork(sessions, backbone, "ingest") as uow:
        uow.scope_to("acme")
        await accept_inbound(uow, row, inbound, inactivity=timedelta(hours=24))
        await uow.commit()


async def answers(sessions, channel_id: str) -> list[Delivery]:
    async with sessions() as session:
        return list(await session.scalars(select(Delivery).where(Delivery.channel_id == channel_id)))


async def test_help_is_answered_with_the_channels_text_in_its_conversation(sessions) -> None:
    row = channel("ch-01", help_text="Acme: call 400-800-1234, 9am-9pm. Reply TD to unsubscribe.")
    async with sessions() as session:
        session.add(row)
        await session.commit()
    await receive(sessions, row, " help ", "gw-1")
    await receive(sessions, row, " help ", "gw-1")  # the gateway retried: one answer
    [answer] = await answers(sessions, "ch-01")
    assert (answer.text, answer.to_address, answer.purpose, answer.status) == (
        "Acme: call 400-800-1234, 9am-9pm. Reply TD to unsubscribe.", CUSTOMER, "service", "pending")
    async with sessions() as session:
        inbound = await session.scalar(select(Message).where(Message.direction == "in"))
    assert inbound is not None and answer.conversation_id == inbound.conversation_id


async def test_without_a_channel_text_the_tenants_answers_then_a_default(sessions) -> None:
    with_tenant, plain = channel("ch-02"), channel("ch-03")
    async with sessions() as session:
        session.add_all([with_tenant, plain])
        await session.commit()
    await receive(sessions, plain, "INFO", "gw-2")
    [default] = await answers(sessions, "ch-03")
    assert default.text.startswith("Acme Care: reply to this message")
    async with sessions() as session:
        session.add(TenantSettings(tenant_id="acme", help_text="Tenant help", updated_at=datetime.now(UTC)))
        await session.commit()
    await receive(sessions, with_tenant, "Help!", "gw-3")
    assert [d.text for d in await answers(sessions, "ch-02")] == ["Tenant help"]


async def test_an_ordinary_message_or_a_channel_that_cannot_send_gets_no_answer(sessions) -> None:
    sandbox, no_send_url = channel("ch-04"), channel("ch-05", provider="generic")
    async with sessions() as session:
        session.add_all([sandbox, no_send_url])
        await session.commit()
    await receive(sessions, sandbox, "I need help with my bill", "gw-4")
    await receive(sessions, no_send_url, "HELP", "gw-5")
    assert await answers(sessions, "ch-04") == [] and await answers(sessions, "ch-05") == []
    async with sessions() as session:
        stored = await session.scalars(select(Message.text).where(Message.channel_id == "ch-05"))
        assert list(stored) == ["HELP"]  # the message itself is accepted all the same
