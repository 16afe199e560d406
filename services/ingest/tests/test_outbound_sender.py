"""The sender against providers on a real local HTTP server: their formats, retries, failures."""

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from switchboard.common.errors import Forbidden
from switchboard.common.events.base import Envelope
from switchboard.common.runtime import Runtime
from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.consumers import build_handlers
from switchboard.ingest.models import Base, Channel, Delivery, Message, backbone
from switchboard.ingest.outbound.accept import SendRequest, accept_send
from switchboard.ingest.outbound.sender import Sender
from switchboard.ingest.signatures import verify_generic

CUSTOMER = "+8613800138000"
TOKEN = "twilio-auth-token-0123"


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = IngestSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/ingest.db", nats_url="nats://127.0.0.1:9",
        send_backoff_seconds=0.05, send_max_attempts=3,
    )
    built = Runtime.build(settings, backbone, build_handlers())
    async with built.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield built
    await built.engine.dispose()


@pytest.fixture
async def sender(runtime: Runtime) -> AsyncIterator[Sender]:
    running = Sender(runtime, runtime.settings, ChatHub())  # type: ignore[arg-type]
    yield running
    await running.stop()


async def accepted(runtime: Runtime, provider: str, credentials: dict[str, str], to: str = CUSTOMER) -> str:
    channel = Channel(id=f"ch-{provider}", tenant_id="acme", kind="sms", provider=provider,
                      address="+8610086", name="hotline", signing_secret=TOKEN,
                      credentials=credentials, created_at=datetime.now(UTC))
    async with runtime.unit_of_work() as uow:
        uow.session.add(channel)
        await uow.session.flush()
        request = SendRequest(to_address=to, text="您好 hello", idempotency_key="k1", requested_by="agent-7")
        delivery = await accept_send(uow, channel, request, target="t", inactivity=timedelta(hours=24))
        await uow.commit()
    return delivery.id


async def delivery(runtime: Runtime, delivery_id: str) -> Delivery:
    async with runtime.sessions() as session:
        row = await session.get(Delivery, delivery_id)
        assert row is not None
        return row


async def event_types(runtime: Runtime) -> list[tuple[str, dict]]:
    async with runtime.sessions() as session:
        rows = await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))
        envelopes = [Envelope.model_validate_json(row.envelope) for row in rows]
    return [(e.type.split(".", 2)[2], e.data) for e in envelopes if "conversation" not in e.type]


async def test_a_send_is_posted_to_twilio_in_its_format_and_recorded_as_queued(
    runtime: Runtime, sender: Sender, fake_provider
) -> None:
    delivery_id = await accepted(runtime, "twilio", {"account_sid": "AC0123",
                                                     "api_base_url": fake_provider.url})
    assert await sender.send_due() == 1

    [(path, headers, body)] = fake_provider.requests
    assert path == "/2010-04-01/Accounts/AC0123/Messages.json"
    assert headers["Authorization"] == "Basic " + base64.b64encode(f"AC0123:{TOKEN}".encode()).decode()
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert form == {"To": CUSTOMER, "From": "+8610086", "Body": "您好 hello"}
    row = await delivery(runtime, delivery_id)
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.provider_message_id and row.provider_message_id.startswith("SM")
    async with runtime.sessions() as session:
        message = await session.get(Message, delivery_id)
    assert message is not None and message.provider_message_id == row.provider_message_id
    [(kind, data)] = await event_types(runtime)
    assert kind == "message.sent.v1"
    assert (data["message_id"], data["sent_by"], data["purpose"]) == (delivery_id, "agent-7", "service")
    assert await sender.send_due() == 0  # nothing is sent twice


async def test_a_server_error_is_retried_after_a_backoff_and_then_sent(
    runtime: Runtime, sender: Sender, fake_provider
) -> None:
    fake_provider.script = [(503, {"code": 20500, "message": "Internal Server Error"})]
    delivery_id = await accepted(runtime, "twilio", {"account_sid": "AC0123",
                                                     "api_base_url": fake_provider.url})
    await sender.send_due()
    row = await delivery(runtime, delivery_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "503" in (row.last_error or "")
    assert await sender.send_due() == 0  # not due before its backoff
    await asyncio.sleep(0.1)
    assert await sender.send_due() == 1
    assert (await delivery(runtime, delivery_id)).status == "queued"
    assert len(fake_provider.requests) == 2


async def test_a_refusal_fails_at_once_with_the_providers_error(
    runtime: Runtime, sender: Sender, fake_provider
) -> None:
    fake_provider.script = [(400, {"code": 21211, "message": "The 'To' number is not a valid phone number.",
                                   "status": 400})]
    delivery_id = await accepted(runtime, "twilio", {"account_sid": "AC0123",
                                                     "api_base_url": fake_provider.url})
    await sender.send_due()
    row = await delivery(runtime, delivery_id)
    assert row.status == "failed"
    assert "21211" in (row.last_error or "") and "not a valid phone number" in (row.last_error or "")
    [(kind, data)] = await event_types(runtime)
    assert (kind, data["status"]) == ("message.delivery_updated.v1", "failed")
    assert "21211" in data["error"]


async def test_retries_end_in_failed_after_the_last_attempt(
    runtime: Runtime, sender: Sender, fake_provider
) -> None:
    fake_provider.script = [(500, {"code": 20500, "message": "down"})] * 3
    delivery_id = await accepted(runtime, "twilio", {"account_sid": "AC0123",
                                                     "api_base_url": fake_provider.url})
    for _ in range(3):
        await sender.send_due()
        await asyncio.sleep(0.25)
    row = await delivery(runtime, delivery_id)
    assert (row.status, row.attempts, len(fake_provider.requests)) == ("failed", 3, 3)


async def test_an_unreachable_provider_is_retried(runtime: Runtime, sender: Sender) -> None:
    delivery_id = await accepted(runtime, "twilio", {"account_sid": "AC0123",
                                                     "api_base_url": "http://127.0.0.1:9"})
    await sender.send_due()
    row = await delivery(runtime, delivery_id)
    assert row.status == "pending" and "unreachable" in (row.last_error or "")


async def test_the_generic_gateway_gets_signed_json_with_our_delivery_id(
    runtime: Runtime, sender: Sender, fake_provider
) -> None:
    delivery_id = await accepted(runtime, "generic", {"send_url": f"{fake_provider.url}/send"})
    await sender.send_due()
    [(path, headers, body)] = fake_provider.requests
    assert path == "/send"
    verify_generic(TOKEN, headers["X-Signature-Timestamp"], headers["X-Signature"], body,
                   window_seconds=60)
    with pytest.raises(Forbidden):
        verify_generic("another-secret-0123", headers["X-Signature-Timestamp"],
                       headers["X-Signature"], body, window_seconds=60)
    assert json.loads(body) == {"message_id": delivery_id, "from": "+8610086", "to": CUSTOMER,
                                "text": "您好 hello"}
    row = await delivery(runtime, delivery_id)
    assert row.status == "sent" and (row.provider_message_id or "").startswith("gw-")


async def test_the_sandbox_records_the_send_and_simulates_its_receipt(
    runtime: Runtime, sender: Sender
) -> None:
    delivered = await accepted(runtime, "sandbox", {})
    await sender.send_due()
    assert (await delivery(runtime, delivered)).status == "delivered"
    assert [k for k, _ in await event_types(runtime)] == [
        "message.sent.v1", "message.delivery_updated.v1"]


async def test_the_sender_loop_sends_what_an_api_commits(runtime: Runtime, sender: Sender) -> None:
    sender.start()
    delivery_id = await accepted(runtime, "sandbox", {})
    sender.wake()
    for _ in range(50):
        if (await delivery(runtime, delivery_id)).status == "delivered":
            break
        await asyncio.sleep(0.05)
    assert (await delivery(runtime, delivery_id)).status == "delivered"



async def test_a_report_that_comes_before_the_send_is_recorded_is_held_and_applied_with_it(
    runtime: Runtime, sender: Sender, fake_provider
) -> None:
    from switchboard.ingest.models import EarlyReceipt
    from switchboard.ingest.outbound.outcomes import hold_early_receipt

    fake_provider.script = [(201, {"sid": "SMfast", "status": "queued"})]
    delivery_id = await accepted(runtime, "twilio", {"account_sid": "AC0123",
                                                     "api_base_url": fake_provider.url})
    async with runtime.unit_of_work() as uow:  # the gateway reports before our commit of its id
        channel = await uow.session.get(Channel, "ch-twilio")
        assert channel is not None
        stale = EarlyReceipt(id="old", tenant_id="acme", channel_id=channel.id, provider_message_id="SMgone",
                             status="delivered", received_at=datetime.now(UTC) - timedelta(days=2))
        uow.session.add(stale)
        await uow.session.flush()
        await hold_early_receipt(uow, channel, "SMfast", "delivered", None)
        await hold_early_receipt(uow, channel, "SMfast", "delivered", None)  # sent twice: held once
        await hold_early_receipt(uow, channel, "SMfast", "sent", None)
        await uow.commit()
    async with runtime.sessions() as session:
        held = sorted((r.provider_message_id, r.status) for r in await session.scalars(select(EarlyReceipt)))
    assert held == [("SMfast", "delivered"), ("SMfast", "sent")]  # a day-old stranger is dropped

    assert await sender.send_due() == 1
    row = await delivery(runtime, delivery_id)
    assert (row.status, row.provider_message_id) == ("delivered", "SMfast")
    kinds = [(kind, data.get("status")) for kind, data in await event_types(runtime)]
    assert kinds == [("message.sent.v1", None), ("message.delivery_updated.v1", "sent"),
                     ("message.delivery_updated.v1", "delivered")]
    async with runtime.sessions() as session:
        assert list(await session.scalars(select(EarlyReceipt))) == []
