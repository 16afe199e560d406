"""Twilio-compatible inbound SMS: signed by twilio's own RequestValidator, answered with empty TwiML."""

from __future__ import annotations

import uuid

import httpx
import pytest
from twilio.request_validator import RequestValidator

from switchboard.common.testing import Platform, query_scalar

pytestmark = pytest.mark.integration

TOKEN = "0123456789abcdef0123456789abcdef"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _channel(platform: Platform, tenant: str) -> str:
    with platform.client("ingest", tenant, "admin") as client:
        response = client.post("/v1/channels", json={
            "kind": "sms", "provider": "twilio", "address": "+14155550199",
            "name": "US line", "signing_secret": TOKEN,
        })
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _post(url: str, params: dict[str, str], token: str = TOKEN) -> httpx.Response:
    signature = RequestValidator(token).compute_signature(url, params)
    return httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)


def _messages(platform: Platform, sid: str) -> int:
    return int(query_scalar(
        platform.database_url("ingest"),
        "select count(*) from messages where provider_message_id = :sid", sid=sid,
    ))


def test_twilio_inbound_is_accepted_once_and_a_bad_signature_stores_nothing(platform: Platform) -> None:
    platform.start(["ingest"])
    url = f"{platform.url('ingest')}/v1/webhooks/sms/twilio/{_channel(platform, 'acme')}"
    sid = "SM" + uuid.uuid4().hex
    params = {"From": "+14155550100", "To": "+14155550199", "Body": "Hi 你好",
              "MessageSid": sid, "NumMedia": "1", "MediaUrl0": "https://media.example/1.jpg"}

    first = _post(url, params)
    assert first.status_code == 200, first.text
    assert first.text == EMPTY_TWIML and first.headers["content-type"].startswith("text/xml")
    assert _post(url, params).status_code == 200  # Twilio retried: still one message
    assert _messages(platform, sid) == 1

    forged_sid = "SM" + uuid.uuid4().hex
    forged = _post(url, {**params, "MessageSid": forged_sid}, token="not-the-token")
    assert forged.status_code == 403
    assert _messages(platform, forged_sid) == 0
    metrics = httpx.get(f"{platform.url('ingest')}/metrics", timeout=10).text
    assert 'sb_ingest_webhook_signatures_rejected_total{provider="twilio"} 1.0' in metrics
