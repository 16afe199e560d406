"""Call transcripts end to end: a call reported by the PBX's signed webhook, its transcript posted by
the speech-to-text system, and qa treating it like a chat: redacted lines, checks, sentiment, alerts."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from switchboard.common.testing import Platform, wait_until
from switchboard.ingest.signatures import sign_generic

pytestmark = pytest.mark.integration

SECRET = "pbx-secret-0123456789"
CUSTOMER = "+8613800138000"
CARD = "4111 1111 1111 1111"


def _pbx(url: str, event: dict[str, object]) -> httpx.Response:
    body = json.dumps(event).encode()
    timestamp = str(int(time.time()))
    return httpx.post(url, content=body, timeout=30, headers={
        "Content-Type": "application/json", "X-Signature-Timestamp": timestamp,
        "X-Signature": sign_generic(SECRET, timestamp, body)})


def _alerts(client: httpx.Client, conversation: str) -> list[dict]:
    response = client.get("/v1/alerts")
    assert response.status_code == 200, response.text
    return [a for a in response.json() if a["conversation_id"] == conversation]


SEGMENTS = [
    {"speaker": "agent", "text": "Hello, thank you for calling Acme, this is Li.", "start": 0.4, "end": 3.1},
    {"speaker": "customer", "text": f"Hi, please charge my card {CARD} for the bill.", "start": 3.5,
     "end": 8.0},
    {"speaker": "agent", "text": "That is not my problem, deal with it.", "start": 8.6, "end": 10.2},
    {"speaker": "customer", "text": "This is ridiculous and awful, I am furious, worst service ever!",
     "start": 10.5, "end": 14.0},
]


def test_a_call_transcript_is_checked_redacted_and_alerted_like_a_chat(platform: Platform) -> None:
    platform.start(["ingest", "qa"])
    with platform.client("ingest", "acme", "admin") as admin:
        created = admin.post("/v1/channels", json={"kind": "voice", "provider": "pbx", "address": "10086",
                                                   "name": "Hotline", "signing_secret": SECRET})
        assert created.status_code == 201, created.text
    pbx_url = f"{platform.url('ingest')}/v1/webhooks/voice/pbx/{created.json()['id']}"
    call = {"call_id": "pbx-77", "from": CUSTOMER, "to": "10086"}
    for step in ("ringing", "answered", "ended"):
        answer = _pbx(pbx_url, {**call, "event": step})
        assert answer.status_code == 200, answer.text
    call_id, conversation = answer.json()["call_id"], answer.json()["conversation_id"]

    transcriber = platform.client("ingest", "acme", "service")
    path = f"/v1/calls/{call_id}/transcript"

    # Bad input names the field; nothing is stored.
    robot = {"speaker": "robot", "text": "hi", "start": 0, "end": 1}
    bad = transcriber.post(path, json={"segments": [robot]})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "segments.0.speaker" in bad.json()["detail"]
    backwards = transcriber.post(path, json={"segments": [{**SEGMENTS[0], "start": 5, "end": 1}]})
    assert backwards.status_code == 422 and "end must not be before start" in backwards.json()["detail"]
    assert transcriber.post(path, json={"segments": []}).status_code == 422
    unknown = transcriber.post("/v1/calls/no-such-call/transcript", json={"segments": SEGMENTS})
    assert unknown.status_code == 404
    with platform.client("ingest", "acme", "agent") as agent:
        assert agent.post(path, json={"segments": SEGMENTS}).status_code == 403
    with platform.client("ingest", "globex", "service") as other_tenant:
        assert other_tenant.post(path, json={"segments": SEGMENTS}).status_code == 404
    assert platform.scalar("ingest", "SELECT count(*) FROM call_transcripts") == 0

    # Accepted once; the same post again (by the PBX's call id this time) is a duplicate.
    posted = transcriber.post(path, json={"language": "en", "segments": SEGMENTS})
    assert posted.status_code == 200, posted.text
    assert posted.json()["status"] == "accepted" and posted.json()["segments"] == 4
    again = transcriber.post("/v1/calls/pbx-77/transcript", json={"language": "en", "segments": SEGMENTS})
    assert again.json()["status"] == "duplicate"
    assert again.json()["transcript_id"] == posted.json()["transcript_id"]
    changed = transcriber.post(path, json={"segments": SEGMENTS[:2]})
    assert changed.status_code == 409
    assert platform.scalar("ingest", "SELECT count(*) FROM call_transcripts") == 1

    # qa: the call is a voice contact with the redacted transcript, checks, sentiment and alerts.
    supervisor = platform.client("qa", "acme", "supervisor")
    wait_until(lambda: {a["kind"] for a in _alerts(supervisor, conversation)}
               >= {"sensitive_data", "forbidden_phrase", "sentiment_drop"}, 20, "the transcript's alerts")
    [rude] = [a for a in _alerts(supervisor, conversation) if a["kind"] == "forbidden_phrase"]
    assert "'not my problem'" in rude["detail"] and "'deal with it'" in rude["detail"]
    [sensitive] = [a for a in _alerts(supervisor, conversation) if a["kind"] == "sensitive_data"]
    assert sensitive["severity"] == "critical" and "4111" not in sensitive["detail"]

    listed = {c["conversation_id"]: c for c in supervisor.get("/v1/contacts").json()}
    assert listed[conversation]["channel"] == "voice" and listed[conversation]["message_count"] == 4
    contact = supervisor.get(f"/v1/contacts/{conversation}").json()
    assert [m["role"] for m in contact["messages"]] == ["agent", "customer", "agent", "customer"]
    assert contact["messages"][1]["text"] == "Hi, please charge my card [card ending 1111] for the bill."
    assert contact["sensitive_data"] is True and contact["growing_angrier"] is True
    assert contact["sentiment"] < 0
    checks = {c["check"]: c["passed"] for c in contact["checks"]}
    assert checks["greeting"] is True and checks["forbidden_phrases"] is False
    assert platform.scalar("qa", "SELECT count(*) FROM transcript_messages"
                                 " WHERE text LIKE '%1111 1111%'") == 0
    # The lines are timed from the call's answer, in speaking order.
    times = [m["at"] for m in contact["messages"]]
    assert times == sorted(times) and len(set(times)) == 4
    # Published once, whatever was posted again.
    published = [e for e in platform.events("ingest", "acme") if e.type == "sb.ingest.call.transcribed.v1"]
    assert len(published) == 1 and len(published[0].data["segments"]) == 4
