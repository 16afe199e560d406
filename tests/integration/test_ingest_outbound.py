"""Outbound SMS end to end: API and campaign sends reach a Twilio-speaking server once, its
status callbacks (signed by twilio's own RequestValidator) move the delivery forward, and a
generic gateway gets signed JSON and posts signed receipts."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest
from twilio.request_validator import RequestValidator

from switchboard.common.events.campaign import AttemptRequested
from switchboard.common.testing import Platform, wait_until
from switchboard.ingest.signatures import sign_generic, verify_generic

pytestmark = pytest.mark.integration

SID, TOKEN = "AC" + "0" * 32, "0123456789abcdef0123456789abcdef"
NUMBER, CUSTOMER = "+14155550199", "+14155550100"


class FakeTwilio:
    """Twilio's Messages API at the wire: form POST, Basic auth, a 201 message resource."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self.gateway: list[tuple[dict[str, str], bytes]] = []
        auth = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path == "/gateway/send":  # the generic gateway's send API, on the same server
                    fake.gateway.append((dict(self.headers), body))
                    status, answer = 200, {"message_id": "gw-" + uuid.uuid4().hex}
                elif self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
                    status, answer = 404, {"code": 20404, "message": "not found"}
                elif self.headers.get("authorization") != auth:
                    status, answer = 401, {"code": 20003, "message": "Authenticate"}
                else:
                    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                    fake.sent.append(form)
                    status, answer = 201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued"}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def _signed_post(url: str, params: dict[str, str], token: str = TOKEN) -> httpx.Response:
    signature = RequestValidator(token).compute_signature(url, params)
    return httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)


def _publish(platform: Platform, payload: AttemptRequested, tenant: str) -> None:
    # Stands in for campaign, which publishes this same contract.
    platform.publish(payload, tenant)


def _ingest_events(platform: Platform, tenant: str) -> list[tuple[str, dict]]:
    return [(envelope.type, envelope.data) for envelope in platform.events("ingest", tenant)]


def test_outbound_sms_is_sent_once_tracked_by_callbacks_and_refused_to_opted_out_marketing(
    platform: Platform, twilio: FakeTwilio
) -> None:
    platform.start(["ingest"])
    with platform.client("ingest", "acme", "admin") as admin:
        created = admin.post("/v1/channels", json={
            "kind": "sms", "provider": "twilio", "address": NUMBER, "name": "US line",
            "signing_secret": TOKEN, "credentials": {"account_sid": SID, "api_base_url": twilio.url},
        })
    assert created.status_code == 201, created.text
    channel = created.json()["id"]
    agent = platform.client("ingest", "acme", "agent")

    # Start a conversation; retrying with the same key sends nothing more.
    body = {"channel_id": channel, "to": CUSTOMER, "text": "Your parcel ships today 📦"}
    first = agent.post("/v1/messages", json=body, headers={"Idempotency-Key": "ship-1"})
    assert first.status_code == 202, first.text
    message = first.json()
    assert message["status"] in ("pending", "sending", "queued")
    again = agent.post("/v1/messages", json=body, headers={"Idempotency-Key": "ship-1"})
    assert (again.status_code, again.json()["id"], again.headers["idempotent-replayed"]) == (
        202, message["id"], "true")
    reused = agent.post("/v1/messages", json={**body, "text": "other"}, headers={"Idempotency-Key": "ship-1"})
    assert reused.status_code == 422 and "Idempotency-Key" in reused.json()["detail"]
    wait_until(lambda: agent.get(f"/v1/messages/{message['id']}").json()["status"] == "queued", 20,
               "the provider to take the message")
    assert twilio.sent == [{"To": CUSTOMER, "From": NUMBER, "Body": "Your parcel ships today 📦"}]

    # Twilio's callbacks: delivered, then a late "sent" that must not undo it; a forged one is refused.
    sid = agent.get(f"/v1/messages/{message['id']}").json()["provider_message_id"]
    status_url = f"{platform.url('ingest')}/v1/webhooks/sms/twilio/{channel}/status"
    callback = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": SID, "To": CUSTOMER}
    assert _signed_post(status_url, callback).status_code == 204
    assert _signed_post(status_url, {**callback, "MessageStatus": "sent"}).status_code == 204
    forged = _signed_post(status_url, {**callback, "MessageStatus": "failed"}, token="x" * 32)
    assert forged.status_code == 403
    # A report on an id no send has yet (it may be a send being recorded) is held, not lost.
    unknown = _signed_post(status_url, {**callback, "MessageSid": "SMunknown"})
    assert unknown.status_code == 204
    held = "SELECT count(*) FROM early_receipts WHERE provider_message_id = 'SMunknown'"
    assert platform.scalar("ingest", held) == 1
    assert agent.get(f"/v1/messages/{message['id']}").json()["status"] == "delivered"

    # A reply in the conversation; the customer's STOP then blocks marketing, not service messages.
    conversation = message["conversation_id"]
    reply = agent.post(f"/v1/conversations/{conversation}/messages", json={"text": "Anything else?"})
    assert reply.status_code == 202, reply.text
    inbound_url = f"{platform.url('ingest')}/v1/webhooks/sms/twilio/{channel}"
    stop = {"From": CUSTOMER, "To": NUMBER, "Body": "STOP", "MessageSid": "SM" + uuid.uuid4().hex}
    assert _signed_post(inbound_url, stop).status_code == 200
    refused = agent.post(f"/v1/conversations/{conversation}/messages",
                         json={"text": "50% off!", "purpose": "marketing"})
    assert refused.status_code == 409 and "opted out" in refused.json()["detail"]
    history = agent.get(f"/v1/conversations/{conversation}/messages").json()
    assert [(m["direction"], m["text"]) for m in history] == [
        ("out", "Your parcel ships today 📦"), ("out", "Anything else?"), ("in", "STOP")]

    # Another tenant sees none of it.
    with platform.client("ingest", "globex", "agent") as other:
        assert other.get(f"/v1/messages/{message['id']}").status_code == 404
        reply_elsewhere = other.post(f"/v1/conversations/{conversation}/messages", json={"text": "hi"})
        assert reply_elsewhere.status_code == 404

    # A campaign attempt arrives as an event: sent once; one to the opted-out customer is refused.
    attempt = AttemptRequested(attempt_id="att-1", campaign_id="cmp-1", channel="sms",
                               to_address="+14155550111", text="Reminder: your appointment is tomorrow",
                               purpose="service", allowed_by="consent")
    _publish(platform, attempt, "acme")
    _publish(platform, attempt, "acme")  # campaign published it twice
    _publish(platform, attempt.model_copy(update={"attempt_id": "att-2", "to_address": CUSTOMER,
                                                  "purpose": "marketing"}), "acme")
    wait_until(lambda: len(twilio.sent) == 3, 20, "the campaign attempt to be sent")

    def updates() -> dict[str | None, list[str]]:
        seen: dict[str | None, list[str]] = {}
        for kind, data in _ingest_events(platform, "acme"):
            if kind in ("sb.ingest.message.sent.v1", "sb.ingest.message.delivery_updated.v1"):
                seen.setdefault(data.get("attempt_id") or data["message_id"], []).append(
                    data.get("status", "sent"))
        return seen

    wait_until(lambda: "att-2" in updates(), 20, "the refused attempt's event")
    seen = updates()
    assert seen["att-1"] == ["sent"] and seen["att-2"] == ["failed"]
    assert seen[message["id"]] == ["sent", "delivered"]
    assert twilio.sent[2]["To"] == "+14155550111"

    # HELP is answered with the tenant's help text, then with the channel's own once it has one.
    with platform.client("ingest", "acme", "admin") as admin:
        assert admin.put("/v1/settings", json={"help_text": "Acme: call 800-555-0100"}).status_code == 200
        help_sms = {"From": "+14155550122", "To": NUMBER, "Body": "help",
                    "MessageSid": "SM" + uuid.uuid4().hex}
        assert _signed_post(inbound_url, help_sms).status_code == 200
        wait_until(lambda: len(twilio.sent) == 4, 20, "the HELP answer")
        patched = admin.patch(f"/v1/channels/{channel}", json={"help_text": "US line: text us 24/7"})
        assert patched.status_code == 200 and patched.json()["help_text"] == "US line: text us 24/7"
        help_again = {**help_sms, "MessageSid": "SM" + uuid.uuid4().hex}
        assert _signed_post(inbound_url, help_again).status_code == 200
        wait_until(lambda: len(twilio.sent) == 5, 20, "the second HELP answer")
    assert [(m["To"], m["Body"]) for m in twilio.sent[3:]] == [
        ("+14155550122", "Acme: call 800-555-0100"), ("+14155550122", "US line: text us 24/7")]

    # A generic gateway's send and its signed delivery receipt.
    secret = "gateway-secret-0123456789"
    with platform.client("ingest", "acme", "admin") as admin:
        gateway = admin.post("/v1/channels", json={
            "kind": "sms", "provider": "generic", "address": "10086", "name": "CN gateway",
            "signing_secret": secret, "credentials": {"send_url": f"{twilio.url}/gateway/send"},
        }).json()["id"]
    sent = agent.post("/v1/messages", json={"channel_id": gateway, "to": "+8613800138000", "text": "您好"})
    assert sent.status_code == 202, sent.text
    wait_until(lambda: len(twilio.gateway) == 1, 20, "the gateway to take the message")
    headers, raw = twilio.gateway[0]
    assert json.loads(raw)["message_id"] == sent.json()["id"]
    verify_generic(secret, headers["X-Signature-Timestamp"], headers["X-Signature"], raw, window_seconds=60)
    wait_until(lambda: agent.get(f"/v1/messages/{sent.json()['id']}").json()["status"] == "sent", 20,
               "the send to be recorded")
    gateway_id = agent.get(f"/v1/messages/{sent.json()['id']}").json()["provider_message_id"]
    receipt = json.dumps({"message_id": gateway_id, "status": "undelivered", "error": "handset off"}).encode()
    timestamp = str(int(time.time()))
    answer = httpx.post(
        f"{platform.url('ingest')}/v1/webhooks/sms/generic/{gateway}/status", content=receipt,
        headers={"X-Signature-Timestamp": timestamp, "X-Signature": sign_generic(secret, timestamp, receipt)},
    )
    assert answer.status_code == 204, answer.text
    final = agent.get(f"/v1/messages/{sent.json()['id']}").json()
    assert (final["status"], final["error"]) == ("undelivered", "handset off")
    agent.close()
