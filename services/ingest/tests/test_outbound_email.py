"""Email replies over SMTP to a real local SMTP server (aiosmtpd), threaded so replies come back."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from switchboard.common.launcher import free_port
from switchboard.common.runtime import Runtime
from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.consumers import build_handlers
from switchboard.ingest.inbound import accept_inbound
from switchboard.ingest.mail.inbound import as_inbound
from switchboard.ingest.mail.mime import parse_mime
from switchboard.ingest.models import Base, Channel, Delivery, backbone
from switchboard.ingest.outbound.accept import SendRequest, accept_send
from switchboard.ingest.outbound.sender import Sender
from switchboard.ingest.repository import IngestRepository


class Mailbox:
    """Records what it is handed; refuses recipients at refused.example."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = IngestSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/ingest.db",
                              nats_url="nats://127.0.0.1:9", send_max_attempts=2)
    built = Runtime.build(settings, backbone, build_handlers())
    async with built.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield built
    await built.engine.dispose()


def customer_mail(message_id: str, in_reply_to: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Ann <ann@example.com>"
    message["To"] = "help@acme.cn"
    message["Subject"] = "Parcel 1234"
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content("Where is my parcel?")
    return message.as_bytes()


async def receive(runtime: Runtime, channel: Channel, raw: bytes) -> str:
    async with runtime.unit_of_work() as uow:
        inbound = as_inbound(parse_mime(raw), channel_address=channel.address,
                             content_type="message/rfc822", raw=raw)
        accepted = await accept_inbound(uow, channel, inbound, inactivity=timedelta(hours=24))
        await uow.commit()
    return accepted.conversation_id


async def reply(runtime: Runtime, channel: Channel, conversation_id: str, to: str = "ann@example.com") -> str:
    async with runtime.unit_of_work() as uow:
        conversation = await IngestRepository(uow.session).conversation("acme", conversation_id)
        request = SendRequest(to_address=to, text="It ships today.", idempotency_key=f"k-{to}")
        delivery = await accept_send(uow, channel, request, target="t", inactivity=timedelta(hours=24),
                                     conversation=conversation)
        await uow.commit()
    return delivery.id


async def test_a_reply_goes_out_over_smtp_threaded_and_the_answer_to_it_comes_back_in(
    runtime: Runtime, smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp_server
    channel = Channel(id="ch-mail", tenant_id="acme", kind="email", provider="smtp", address="help@acme.cn",
                      name="Support", signing_secret="s" * 20, created_at=datetime.now(UTC),
                      credentials={"host": "127.0.0.1", "port": str(port), "starttls": "false"})
    async with runtime.sessions() as session:
        session.add(channel)
        await session.commit()
    sender = Sender(runtime, runtime.settings, ChatHub())  # type: ignore[arg-type]
    conversation_id = await receive(runtime, channel, customer_mail("<c1@example.com>"))

    delivery_id = await reply(runtime, channel, conversation_id)
    refused_id = await reply(runtime, channel, conversation_id, to="bob@refused.example")
    await sender.send_due()
    await sender.stop()

    [(recipients, raw)] = mailbox.received
    sent = message_from_bytes(raw, policy=policy.default)
    assert recipients == ["ann@example.com"]
    assert (sent["From"], sent["To"]) == ("help@acme.cn", "ann@example.com")
    assert sent["Subject"] == "Re: Parcel 1234"
    assert (sent["In-Reply-To"], sent["References"]) == ("<c1@example.com>", "<c1@example.com>")
    assert sent["Message-ID"] == f"<{delivery_id}@acme.cn>"
    assert sent.get_content().strip() == "It ships today."
    async with runtime.sessions() as session:
        delivered = await session.get(Delivery, delivery_id)
        refused = await session.get(Delivery, refused_id)
    assert delivered is not None and refused is not None
    assert (delivered.status, delivered.provider_message_id) == ("sent", f"<{delivery_id}@acme.cn>")
    assert refused.status == "failed" and "550" in (refused.last_error or "")

    answered = customer_mail("<c2@example.com>", in_reply_to=sent["Message-ID"])
    answer = await receive(runtime, channel, answered)
    assert answer == conversation_id  # the customer's answer threads into the same conversation
