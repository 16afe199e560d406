"""Outbound voice end to end: a progressive campaign paced on routing's free agents asks ingest to
dial; ingest places the calls through Twilio's Calls API (faked at the wire, answering as Twilio
does); the test posts Twilio's signed status callbacks back. The call answered by a person is
offered to an agent and ends `connected`; the busy one is scheduled again by the retry rule."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest
from twilio.request_validator import RequestValidator

from switchboard.common.testing import Platform, wait_until

pytestmark = pytest.mark.integration

TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT = "AC" + "a" * 32
PUBLIC = "https://sb.example.com"  # where Twilio reaches ingest (a proxy in front of it)
LI, WANG = "+8613800138000", "+8613900139000"


class TwilioCallsApi:
    """Twilio's Calls resource at the wire: records each create-call POST, answers 201 with a sid."""

    def __init__(self) -> None:
        self.calls: list[dict[str, list[str]]] = []
        self.auth: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                sid = "CA" + uuid.uuid4().hex
                form["_sid"], form["_path"] = [sid], [self.path]
                api.calls.append(form)
                api.auth.append(self.headers.get("Authorization", ""))
                answer = json.dumps({"sid": sid, "status": "queued", "to": form["To"][0],
                                     "from": form["From"][0], "direction": "outbound-api"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def call_to(self, number: str) -> dict[str, list[str]]:
        return next(call for call in self.calls if call["To"] == [number])


@pytest.fixture
def twilio_api() -> Iterator[TwilioCallsApi]:
    fake = TwilioCallsApi()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def status_callback(platform: Platform, call: dict[str, list[str]], status: str, **extra: str) -> None:
    """What Twilio posts to the StatusCallback it was given, signed over that public URL."""
    url = call["StatusCallback"][0]
    form = {"CallSid": call["_sid"][0], "AccountSid": ACCOUNT, "From": call["From"][0], "To": call["To"][0],
            "Direction": "outbound-api", "CallStatus": status, **extra}
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    answer = httpx.post(url.replace(PUBLIC, platform.url("ingest")), data=form, timeout=30,
                        headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text


def test_a_progressive_campaign_dials_through_twilio_and_connects_the_answered_call(
    platform: Platform, twilio_api: TwilioCallsApi
) -> None:
    platform.start(["ingest", "routing", "campaign"], extra_env={
        "CAMPAIGN_SCHEDULER_SECONDS": "0.3", "INGEST_PUBLIC_BASE_URL": PUBLIC})
    with platform.client("ingest", "acme", "admin") as ingest:
        channel = ingest.post("/v1/channels", json={
            "kind": "voice", "provider": "twilio", "address": "+14155550199", "name": "Outbound",
            "signing_secret": TOKEN, "credentials": {"account_sid": ACCOUNT, "api_base_url": twilio_api.url}})
        assert channel.status_code == 201, channel.text
    with platform.client("routing", "acme", "admin") as routing:
        queue = routing.post("/v1/queues", json={"name": "outbound", "channels": ["voice"],
                                                 "is_default": True})
        assert queue.status_code == 201, queue.text
        for agent in ("ann", "bo"):
            created = routing.post("/v1/agents", json={"id": agent, "name": agent.title(),
                                                       "capacity": {"voice": 1}})
            assert created.status_code == 201, created.text
    desks = {}
    for agent in ("ann", "bo"):
        desks[agent] = platform.client("routing", None)
        desks[agent].headers["Authorization"] = f"Bearer {platform.token('acme', 'agent', subject=agent)}"
        assert desks[agent].post(f"/v1/agents/{agent}/sign-in", json={}).json()["state"] == "available"

    campaign = platform.client("campaign", "acme", "supervisor")
    created = campaign.post("/v1/campaigns", json={
        "name": "Renewals", "kind": "progressive", "purpose": "service",
        "schedule": {"window": {"start": "00:00", "end": "00:00"}},
        "retry": {"max_attempts": 3, "retry_minutes": {"busy": 30}},
    })
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert campaign.post(f"/v1/campaigns/{cid}/lists", content=f"phone\n{LI}\n{WANG}\n".encode()
                         ).status_code == 201
    assert campaign.post(f"/v1/campaigns/{cid}/start").status_code == 200

    # Two free agents: two calls placed through Twilio's Calls API, as Twilio documents it.
    wait_until(lambda: len(twilio_api.calls) == 2, 30, "two calls at Twilio")
    li, wang = twilio_api.call_to(LI), twilio_api.call_to(WANG)
    assert li["_path"] == [f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"]
    assert li["From"] == ["+14155550199"] and li["MachineDetection"] == ["Enable"]
    assert li["Timeout"] == ["20"] and li["StatusCallbackMethod"] == ["POST"]
    assert li["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    webhook = f"{PUBLIC}/v1/webhooks/voice/twilio/{channel.json()['id']}?dial="
    assert li["StatusCallback"][0].startswith(webhook)
    assert "<Enqueue>" in li["Twiml"][0]
    assert all(auth.startswith("Basic ") for auth in twilio_api.auth)
    wait_until(lambda: platform.scalar("ingest", "SELECT count(*) FROM calls WHERE attempt_id IS NOT NULL")
               == 2, 15, "both calls ringing with their attempts")

    # Li: ringing, answered by a person, offered to an agent who takes it, then hangs up.
    status_callback(platform, li, "ringing")
    status_callback(platform, li, "in-progress", AnsweredBy="human")

    def offered() -> dict | None:
        for agent, desk in desks.items():
            for task in desk.get(f"/v1/agents/{agent}/tasks").json():
                if task["channel"] == "voice" and task["direction"] == "outbound":
                    return {**task, "agent": agent}
        return None

    wait_until(lambda: offered() is not None, 20, "routing to offer the answered call to an agent")
    task = offered()
    assert task is not None and task["status"] == "offered"
    accepted = desks[task["agent"]].post(f"/v1/tasks/{task['id']}/accept")
    assert accepted.status_code == 200, accepted.text

    # Wang: busy.
    status_callback(platform, wang, "busy")
    status_callback(platform, li, "completed", CallDuration="65", AnsweredBy="human")

    def outcomes() -> dict[str, dict]:
        return {a["outcome"]: a for a in campaign.get(f"/v1/campaigns/{cid}/attempts").json()}

    wait_until(lambda: set(outcomes()) == {"connected", "busy"}, 20, "both attempts' outcomes at campaign")
    connected = outcomes()["connected"]
    assert connected["id"] == platform.scalar(
        "ingest", "SELECT attempt_id FROM calls WHERE provider_call_id = :s", s=li["_sid"][0])
    assert connected["agent_id"] == task["agent"]
    contacts = {c["status"]: c for c in campaign.get(f"/v1/campaigns/{cid}/contacts").json()}
    assert set(contacts) == {"done", "pending"} and contacts["pending"]["last_outcome"] == "busy"
    retry_at = datetime.fromisoformat(contacts["pending"]["next_attempt_at"])
    assert timedelta(minutes=29) < retry_at - datetime.now(UTC) <= timedelta(minutes=30)
    assert len(twilio_api.calls) == 2  # nothing dialed again before the rule allows
    assert platform.scalar("ingest", "SELECT count(*) FROM calls WHERE status = 'ended'") == 2
