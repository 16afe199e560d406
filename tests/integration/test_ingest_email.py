"""Inbound email end to end: Mailgun's signed multipart form and raw MIME from a relay, threaded
into one conversation, with attachments kept within the size limit."""

from __future__ import annotations

import json
import smtplib
import time
from email.charset import BASE64, Charset
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import httpx
import pytest

from switchboard.common.launcher import free_port
from switchboard.common.testing import Platform
from switchboard.ingest.mail.mailgun import sign_mailgun
from switchboard.ingest.signatures import sign_generic

pytestmark = pytest.mark.integration

KEY = "mailgun-signing-key-0123456789"


def _mailgun_fields(message_id: str, key: str = KEY, at: int | None = None) -> dict[str, str]:
    timestamp, token = str(at or int(time.time())), "tok" + message_id.strip("<>@.")
    return {
        "sender": "ann@example.com", "recipient": "help@acme.cn", "from": "Ann <ann@example.com>",
        "subject": "我的快递", "body-plain": "快递三天没到。\n\n> 旧邮件", "stripped-text": "快递三天没到。",
        "body-html": "<p>快递三天没到。</p>", "Message-Id": message_id, "attachment-count": "2",
        "timestamp": timestamp, "token": token, "signature": sign_mailgun(key, timestamp, token),
    }


def _gbk_reply(in_reply_to: str) -> bytes:
    message = MIMEMultipart("mixed")
    message["From"] = "=?gbk?b?1cXI/Q==?= <ann@example.com>"
    message["To"] = "help@acme.cn"
    message["Subject"] = "=?gbk?b?UmU6IM7StcS/7LXd?="
    message["Message-ID"] = "<reply-1@example.com>"
    message["In-Reply-To"] = in_reply_to
    message["References"] = in_reply_to
    charset = Charset("gbk")
    charset.body_encoding = BASE64
    body = MIMEText("", "plain")
    text = "还是没到，请尽快处理。\n\n在 2024年5月1日，客服 写道：\n> 我们正在查询"
    body.set_payload(text.encode("gbk"), charset)
    message.attach(body)
    return message.as_bytes()


def test_mailgun_and_raw_mime_mail_thread_into_one_conversation_with_attachments(platform: Platform) -> None:
    platform.start(["ingest"], extra_env={"INGEST_MAX_ATTACHMENT_BYTES": "1024"})
    assert platform.nats is not None
    platform.nats.kill()  # keep the events in the outbox, where the test can read them
    with platform.client("ingest", "acme", "admin") as admin:
        created = admin.post("/v1/channels", json={
            "kind": "email", "provider": "mailgun", "address": "help@acme.cn", "name": "Support",
            "signing_secret": KEY,
        })
    assert created.status_code == 201, created.text
    channel = created.json()["id"]
    base = platform.url("ingest")
    files = {"attachment-1": ("发票.pdf", b"%PDF-1.4 small", "application/pdf"),
             "attachment-2": ("scan.tiff", b"\x00" * 4096, "image/tiff")}

    mailgun_url = f"{base}/v1/webhooks/email/mailgun/{channel}"
    first = httpx.post(mailgun_url, data=_mailgun_fields("<mg-1@example.com>"), files=files, timeout=30)
    assert first.status_code == 200, first.text
    accepted = first.json()
    assert accepted["status"] == "accepted"
    again = httpx.post(mailgun_url, data=_mailgun_fields("<mg-1@example.com>"), files=files, timeout=30)
    assert (again.json()["status"], again.json()["message_id"]) == ("duplicate", accepted["message_id"])
    forged = httpx.post(mailgun_url,
                        data=_mailgun_fields("<mg-2@example.com>", key="not-the-key-0123456"), timeout=30)
    replayed = httpx.post(mailgun_url,
                          data=_mailgun_fields("<mg-3@example.com>", at=int(time.time()) - 3600), timeout=30)
    assert (forged.status_code, replayed.status_code) == (403, 403)

    raw = _gbk_reply("<mg-1@example.com>")
    timestamp = str(int(time.time()))
    reply = httpx.post(f"{base}/v1/webhooks/email/raw/{channel}", content=raw, timeout=30, headers={
        "Content-Type": "message/rfc822", "X-Signature-Timestamp": timestamp,
        "X-Signature": sign_generic(KEY, timestamp, raw)})
    assert reply.status_code == 200, reply.text
    assert reply.json()["conversation_id"] == accepted["conversation_id"]

    with platform.client("ingest", "acme", "agent") as agent:
        history = agent.get(f"/v1/conversations/{accepted['conversation_id']}/messages").json()
        assert [(m["subject"], m["text"]) for m in history] == [
            ("我的快递", "快递三天没到。"), ("Re: 我的快递", "还是没到，请尽快处理。")]
        attachments = agent.get(f"/v1/messages/{accepted['message_id']}/attachments").json()
        assert [(a["filename"], a["size"], a["stored"]) for a in attachments] == [
            ("发票.pdf", 14, True), ("scan.tiff", 4096, False)]
        download = agent.get(f"/v1/attachments/{attachments[0]['id']}")
        assert (download.content, download.headers["content-type"]) == (b"%PDF-1.4 small", "application/pdf")
        assert agent.get(f"/v1/attachments/{attachments[1]['id']}").status_code == 404
    with platform.client("ingest", "globex", "agent") as other:
        assert other.get(f"/v1/attachments/{attachments[0]['id']}").status_code == 404

    envelopes = [json.loads(platform.scalar("ingest", "SELECT envelope FROM outbox WHERE seq = :s", s=seq))
                 for seq in (1, 2, 3)]
    received = [e["data"] for e in envelopes if e["type"] == "sb.ingest.message.received.v1"]
    assert [(r["channel"], r["subject"], r["attachment_count"]) for r in received] == [
        ("email", "我的快递", 2), ("email", "Re: 我的快递", 0)]
    assert platform.scalar("ingest", "SELECT count(*) FROM messages") == 2


def test_mail_delivered_over_smtp_is_accepted_and_unknown_mailboxes_are_refused(platform: Platform) -> None:
    port = free_port()
    platform.start(["ingest"], extra_env={"INGEST_SMTP_PORT": str(port)})
    with platform.client("ingest", "acme", "admin") as admin:
        created = admin.post("/v1/channels", json={
            "kind": "email", "provider": "smtp", "address": "Help@Acme.cn", "name": "Support",
            "signing_secret": KEY,
        })
    assert created.status_code == 201, created.text
    raw = _gbk_reply("<not-seen-before@example.com>")

    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        refused = smtp.sendmail("ann@example.com", ["help@acme.cn", "nobody@acme.cn"], raw)
        assert list(refused) == ["nobody@acme.cn"]  # accepted for the channel, refused for nobody
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("ann@example.com", ["nobody@acme.cn"], raw)
        smtp.sendmail("ann@example.com", ["help@acme.cn"], raw)  # the MTA retried: still one message

    assert platform.scalar("ingest", "SELECT count(*) FROM messages") == 1
    text = platform.scalar("ingest", "SELECT text FROM messages")
    assert text == "还是没到，请尽快处理。"
    assert platform.scalar("ingest", "SELECT provider_message_id FROM messages") == "<reply-1@example.com>"
