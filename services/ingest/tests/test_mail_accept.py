"""Email into conversations: threading by headers, attachments within limits, Mailgun's form."""

import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from switchboard.common.errors import Forbidden, Unprocessable
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.inbound import Accepted, accept_inbound
from switchboard.ingest.mail.inbound import as_inbound
from switchboard.ingest.mail.mailgun import parse_form, parsed_email, sign_mailgun, verify_mailgun
from switchboard.ingest.mail.mime import parse_mime
from switchboard.ingest.models import Attachment, Channel, Conversation, Message, RawPayload, backbone

KEY = "mailgun-signing-key-0123"


@pytest.fixture
async def mailbox(sessions) -> Channel:
    row = Channel(id="ch-mail", tenant_id="acme", kind="email", provider="mailgun", address="help@acme.cn",
                  name="Support", signing_secret=KEY, credentials={}, created_at=datetime.now(UTC))
    async with sessions() as session:
        session.add(row)
        await session.commit()
    return row


def mail(message_id: str, text: str, *, in_reply_to: str | None = None, attach: bytes | None = None,
         sender: str = "ann@example.com") -> bytes:
    message = EmailMessage()
    message["From"] = f"Ann <{sender}>"
    message["To"] = "help@acme.cn"
    message["Subject"] = "Parcel 1234"
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(text)
    if attach is not None:
        message.add_attachment(attach, maintype="application", subtype="pdf", filename="invoice.pdf")
    return message.as_bytes()


async def accept(sessions, channel: Channel, raw: bytes, max_attachment: int = 1024) -> Accepted:
    inbound = as_inbound(parse_mime(raw), channel_address=channel.address,
                         content_type="message/rfc822", raw=raw)
    async with UnitOfWork(sessions, backbone, "ingest") as uow:
        uow.scope_to("acme")
        accepted = await accept_inbound(uow, channel, inbound, inactivity=timedelta(hours=24),
                                        max_attachment_bytes=max_attachment)
        await uow.commit()
    return accepted


async def test_a_reply_joins_the_conversation_of_the_message_it_answers(sessions, mailbox) -> None:
    first = await accept(sessions, mailbox, mail("<m1@example.com>", "Where is my parcel?"))
    reply = await accept(sessions, mailbox, mail(
        "<m2@example.com>", "Still nothing.\n\nOn Mon, Ann wrote:\n> Where is my parcel?",
        in_reply_to="<m1@example.com>"))
    unrelated = await accept(sessions, mailbox, mail("<m3@example.com>", "New question"))
    assert reply.conversation_id == first.conversation_id
    assert unrelated.conversation_id != first.conversation_id  # same sender, new thread
    async with sessions() as session:
        stored = await session.get(Message, reply.message_id)
        raw = await session.scalar(select(RawPayload).where(RawPayload.message_id == reply.message_id))
    assert stored is not None and (stored.text, stored.subject) == ("Still nothing.", "Parcel 1234")
    assert raw is not None and "> Where is my parcel?" in raw.body  # the original is kept


async def test_a_reply_to_a_closed_conversation_opens_a_new_one(sessions, mailbox) -> None:
    first = await accept(sessions, mailbox, mail("<c1@example.com>", "Hello"))
    async with sessions() as session:
        conversation = await session.get(Conversation, first.conversation_id)
        assert conversation is not None
        conversation.status = "closed"
        await session.commit()
    again = mail("<c2@example.com>", "Me again", in_reply_to="<c1@example.com>")
    reply = await accept(sessions, mailbox, again)
    assert reply.conversation_id != first.conversation_id


async def test_the_same_message_id_is_a_duplicate(sessions, mailbox) -> None:
    raw = mail("<d1@example.com>", "once")
    first, again = await accept(sessions, mailbox, raw), await accept(sessions, mailbox, raw)
    assert (again.duplicate, again.message_id) == (True, first.message_id)


async def test_attachments_are_kept_within_the_limit_and_only_described_beyond_it(sessions, mailbox) -> None:
    small = await accept(sessions, mailbox, mail("<a1@example.com>", "see invoice", attach=b"%PDF small"))
    large = await accept(sessions, mailbox, mail("<a2@example.com>", "big one", attach=b"x" * 2048))
    async with sessions() as session:
        rows = {a.message_id: a for a in await session.scalars(select(Attachment))}
    assert (rows[small.message_id].data, rows[small.message_id].filename) == (b"%PDF small", "invoice.pdf")
    assert (rows[large.message_id].data, rows[large.message_id].size) == (None, 2048)


def _mailgun_form(**changes: str) -> dict[str, str]:
    timestamp, token = str(int(time.time())), "a" * 50
    form = {"sender": "ann@example.com", "recipient": "help@acme.cn", "subject": "Hi",
            "body-plain": "Hello\n\n> old", "stripped-text": "Hello", "Message-Id": "<mg1@example.com>",
            "timestamp": timestamp, "token": token, "signature": sign_mailgun(KEY, timestamp, token)}
    return {**form, **changes}


def test_mailgun_signatures_are_checked_with_their_replay_window() -> None:
    verify_mailgun(KEY, _mailgun_form(), window_seconds=300)
    with pytest.raises(Forbidden, match="does not match"):
        verify_mailgun("another-key-0123456", _mailgun_form(), window_seconds=300)
    old = str(int(time.time()) - 3600)
    with pytest.raises(Forbidden, match="replay window"):
        verify_mailgun(KEY, _mailgun_form(timestamp=old, signature=sign_mailgun(KEY, old, "a" * 50)),
                       window_seconds=300)
    with pytest.raises(Forbidden, match="not signed"):
        verify_mailgun(KEY, {"sender": "x@y.z"}, window_seconds=300)


def test_mailgun_multipart_form_with_files_and_inline_map_is_read() -> None:
    boundary = "XyZ"
    parts = [
        ("sender", None, b"ann@example.com"), ("Message-Id", None, b"<mg2@example.com>"),
        ("body-html", None, "<p>见附件</p>".encode()),
        ("content-id-map", None, b'{"<logo1>": "attachment-2"}'),
        ("attachment-1", "发票.pdf", b"%PDF"), ("attachment-2", "logo.png", b"\x89PNG"),
    ]
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        body += b"Content-Type: application/octet-stream\r\n\r\n" if filename else b"\r\n"
        body += data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    form, files = parse_form(body, f"multipart/form-data; boundary={boundary}")
    parsed = parsed_email(form, files)
    assert (parsed.sender, parsed.text) == ("ann@example.com", "见附件")
    assert parsed.message_id == "<mg2@example.com>"
    assert [(a.filename, a.inline, a.content_id) for a in parsed.attachments] == [
        ("发票.pdf", False, None), ("logo.png", True, "logo1")]
    with pytest.raises(Unprocessable, match="multipart"):
        parse_form(b"garbage", "text/plain")
    with pytest.raises(Unprocessable, match="Message-Id"):
        parsed_email({"sender": "a@b.c"}, [])
