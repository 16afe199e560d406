"""Voice/CTI end to end: a PBX's signed JSON call events and Twilio's signed Voice callbacks
become one conversation per call and call.started/answered/ended, each once."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from twilio.request_validator import RequestValidator

from switchboard.common.testing import Platform
from switchboard.ingest.signatures import sign_generic

pytestmark = pytest.mark.integration

SECRET = "pbx-secret-0123456789"
TOKEN = "0123456789abcdef0123456789abcdef"


def _channel(platform: Platform, provider: str, address: str, secret: str) -> str:
    with platform.client("ingest", "acme", "admin") as admin:
        response = admin.post("/v1/channels", json={"kind": "voice", "provider": provider, "address": address,
                                                    "name": "Hotline", "signing_secret": secret})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _pbx(url: str, event: dict[str, object], secret: str = SECRET) -> httpx.Response:
    body = json.dumps(event).encode()
    timestamp = str(int(time.time()))
    return httpx.post(url, content=body, timeout=30, headers={
        "Content-Type": "application/json", "X-Signature-Timestamp": timestamp,
        "X-Signature": sign_generic(secret, timestamp, body)})


def _events(platform: Platform) -> list[tuple[str, dict]]:
    rows = [json.loads(platform.scalar("ingest", "SELECT envelope FROM outbox WHERE seq = :s", s=seq))
            for seq in range(1, 1 + int(platform.scalar("ingest", "SELECT max(seq) FROM outbox")))]
    return [(row["type"].split(".")[2] + "." + row["type"].split(".")[3], row["data"]) for row in rows]


def test_pbx_and_twilio_call_events_become_calls_and_their_events(platform: Platform) -> None:
    platform.start(["ingest"])
    assert platform.nats is not None
    platform.nats.kill()  # keep the events in the outbox, where the test can read them
    pbx_url = f"{platform.url('ingest')}/v1/webhooks/voice/pbx/{_channel(platform, 'pbx', '10086', SECRET)}"
    call = {"call_id": "pbx-1", "from": "+8613800138000", "to": "10086", "ivr_selection": "3"}

    ringing = _pbx(pbx_url, {**call, "event": "ringing"})
    assert ringing.status_code == 200, ringing.text
    assert _pbx(pbx_url, {**call, "event": "ringing"}).json()["status"] == "unchanged"
    assert _pbx(pbx_url, {**call, "event": "answered"}).json()["status"] == "accepted"
    ended = _pbx(pbx_url, {**call, "event": "ended", "talk_seconds": 95, "recording_ref": "rec/pbx-1.wav"})
    assert ended.json()["conversation_id"] == ringing.json()["conversation_id"]
    assert _pbx(pbx_url, {**call, "event": "ended"}, secret="wrong-secret-012345").status_code == 403
    naive = _pbx(pbx_url, {**call, "call_id": "pbx-2", "event": "ringing", "at": "2024-05-01T10:42:00"})
    assert naive.status_code == 422 and "offset" in naive.json()["detail"]
    bad = _pbx(pbx_url, {**call, "event": "exploded"})
    assert bad.status_code == 422 and "event" in bad.json()["detail"]

    twilio_url = f"{platform.url('ingest')}/v1/webhooks/voice/twilio/" + _channel(
        platform, "twilio", "+14155550199", TOKEN)
    params = {"CallSid": "CA" + "1" * 32, "From": "+14155550100", "To": "+14155550199",
              "Direction": "inbound"}
    for status, extra in (("ringing", {}), ("in-progress", {}), ("completed", {"CallDuration": "42"})):
        form = {**params, "CallStatus": status, **extra}
        signature = RequestValidator(TOKEN).compute_signature(twilio_url, form)
        answer = httpx.post(twilio_url, data=form, headers={"X-Twilio-Signature": signature}, timeout=30)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    forged = httpx.post(twilio_url, data={**params, "CallStatus": "busy"},
                        headers={"X-Twilio-Signature": "x"})
    assert forged.status_code == 403

    events = _events(platform)
    calls = [(kind, data.get("outcome"), data.get("talk_seconds")) for kind, data in events
             if kind.startswith("call.")]
    one_call = [("call.started", None, None), ("call.answered", None, None)]
    assert calls == [*one_call, ("call.ended", "completed", 95.0),
                     *one_call, ("call.ended", "completed", 42.0)]
    assert [kind for kind, _ in events].count("conversation.closed") == 2
    assert platform.scalar("ingest", "SELECT count(*) FROM calls") == 2
