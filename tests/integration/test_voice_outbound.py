"""Outbound voice end to end: a progressive campaign paced on routing's free agents asks ingest to
dial; ingest places the calls through Twilio's Calls API (faked at the wire, answering as Twilio
does); the test posts Twilio's signed status callbacks back. The call answered by a person is
offered to an agent and ends `connected`; the busy one is scheduled again by the retry rule.
Keypad surveys: the call asks the question and gathers keys (Twilio's <Gather>, the PBX's gather),
and the keys pressed are recorded at campaign like an SMS survey reply. And the sandbox provider's
simulated calls carry a predictive campaign through its list with nothing outside the machine."""

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
from switchboard.ingest.signatures import sign_generic, verify_generic

pytestmark = pytest.mark.integration

TOKEN = "0123456789abcdef0123456789abcdef"
PBX_SECRET = "pbx-secret-0123456789"
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


class PbxOriginateApi:
    """A PBX's originate endpoint at the wire: checks the signature, answers with its call id."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                verify_generic(PBX_SECRET, self.headers["X-Signature-Timestamp"], self.headers["X-Signature"],
                               body, window_seconds=60)
                api.requests.append(json.loads(body))
                answer = json.dumps({"call_id": f"pbx-out-{len(api.requests)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/originate"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def signed_json(url: str, body: dict[str, object]) -> httpx.Response:
    raw = json.dumps(body).encode()
    timestamp = str(int(datetime.now(UTC).timestamp()))
    return httpx.post(url, content=raw, timeout=30, headers={
        "Content-Type": "application/json", "X-Signature-Timestamp": timestamp,
        "X-Signature": sign_generic(PBX_SECRET, timestamp, raw)})


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

    wait_until(lambda: set(outcomes()) == {"connected", "busy"} and outcomes()["connected"]["agent_id"], 20,
               "both attempts' outcomes at campaign, and the agent who took the call")
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


def test_a_keypad_survey_call_asks_its_question_and_records_the_digits_pressed(
    platform: Platform, twilio_api: TwilioCallsApi
) -> None:
    platform.start(["ingest", "campaign"], extra_env={
        "CAMPAIGN_SCHEDULER_SECONDS": "0.3", "INGEST_PUBLIC_BASE_URL": PUBLIC})
    with platform.client("ingest", "acme", "admin") as ingest:
        channel = ingest.post("/v1/channels", json={
            "kind": "voice", "provider": "twilio", "address": "+14155550199", "name": "Surveys",
            "signing_secret": TOKEN, "credentials": {"account_sid": ACCOUNT, "api_base_url": twilio_api.url}})
        assert channel.status_code == 201, channel.text
    campaign = platform.client("campaign", "acme", "supervisor")
    created = campaign.post("/v1/campaigns", json={
        "name": "CSAT by phone", "kind": "survey", "channel": "voice", "survey_kind": "csat",
        "purpose": "service", "schedule": {"window": {"start": "00:00", "end": "00:00"}},
        "message_template": "Hello $name. How satisfied were you with our service? Press 1 to 5.",
    })
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert campaign.post(f"/v1/campaigns/{cid}/lists", content=f"phone,name\n{LI},Li\n".encode()
                         ).status_code == 201
    assert campaign.post(f"/v1/campaigns/{cid}/start").status_code == 200

    # The call's TwiML asks the question and gathers one key, posted to ingest's gather webhook.
    wait_until(lambda: len(twilio_api.calls) == 1, 30, "the survey call at Twilio")
    [call] = twilio_api.calls
    twiml = call["Twiml"][0]
    assert "<Say>Hello Li. How satisfied were you with our service? Press 1 to 5.</Say>" in twiml
    assert '<Gather input="dtmf" numDigits="1"' in twiml
    action = twiml.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert action.startswith(f"{PUBLIC}/v1/webhooks/voice/twilio/{channel.json()['id']}/gather?dial=")
    wait_until(lambda: platform.scalar("ingest", "SELECT count(*) FROM calls") == 1, 15, "the call ringing")
    status_callback(platform, call, "in-progress", AnsweredBy="human")

    def gather(digits: str, signed_url: str = action) -> httpx.Response:
        form = {"CallSid": call["_sid"][0], "AccountSid": ACCOUNT, "From": call["From"][0],
                "To": call["To"][0], "Direction": "outbound-api", "Digits": digits}
        signature = RequestValidator(TOKEN).compute_signature(signed_url, form)
        return httpx.post(action.replace(PUBLIC, platform.url("ingest")), data=form, timeout=30,
                          headers={"X-Twilio-Signature": signature})

    assert gather("5", signed_url=action + "x").status_code == 403  # forged: nothing recorded
    answered = gather("5")
    assert answered.status_code == 200 and "<Say>Thank you.</Say>" in answered.text
    assert gather("2").status_code == 200  # Twilio retrying with other keys: the first answer stands
    status_callback(platform, call, "completed", CallDuration="14", AnsweredBy="human")

    def recorded() -> bool:
        results = campaign.get(f"/v1/campaigns/{cid}/results").json()
        return bool(results["survey"]["responses"] == 1 and results["funnel"]["connected"] == 1)

    wait_until(recorded, 20, "the keypad answer and the call's end recorded at campaign")
    assert campaign.get(f"/v1/campaigns/{cid}/results").json()["survey"]["average"] == 5
    events = [(e.type, e.data) for e in platform.events("campaign", "acme")]
    [recorded] = [data for kind, data in events if kind == "sb.campaign.survey.response_recorded.v1"]
    [attempt] = campaign.get(f"/v1/campaigns/{cid}/attempts").json()
    assert (recorded["survey_id"], recorded["score"], recorded["question"]) == (attempt["id"], 5, "csat")
    assert attempt["outcome"] == "connected"
    assert not [kind for kind, _ in events if kind.endswith("dial.answered.v1")]  # no agent for a survey


def test_an_nps_survey_through_the_pbx_originates_and_records_the_keys_gathered(platform: Platform) -> None:
    pbx = PbxOriginateApi()
    platform.start(["ingest", "campaign"], extra_env={
        "CAMPAIGN_SCHEDULER_SECONDS": "0.3", "INGEST_PUBLIC_BASE_URL": PUBLIC})
    with platform.client("ingest", "acme", "admin") as ingest:
        channel = ingest.post("/v1/channels", json={
            "kind": "voice", "provider": "pbx", "address": "10086", "name": "PBX",
            "signing_secret": PBX_SECRET, "credentials": {"originate_url": pbx.url}})
        assert channel.status_code == 201, channel.text
    campaign = platform.client("campaign", "acme", "supervisor")
    created = campaign.post("/v1/campaigns", json={
        "name": "NPS", "kind": "survey", "channel": "voice", "survey_kind": "nps", "purpose": "service",
        "schedule": {"window": {"start": "00:00", "end": "00:00"}},
        "message_template": "您向朋友推荐我们的可能性有多大？请按0到10，再按井号键。",
    })
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert campaign.post(f"/v1/campaigns/{cid}/lists", content=f"phone\n{WANG}\n".encode()).status_code == 201
    assert campaign.post(f"/v1/campaigns/{cid}/start").status_code == 200

    wait_until(lambda: len(pbx.requests) == 1, 30, "the originate request at the PBX")
    [originate] = pbx.requests
    assert (originate["from"], originate["to"], originate["ring_seconds"]) == ("10086", WANG, 20.0)
    assert originate["gather"]["digits"] == 2 and originate["gather"]["finish_on_key"] == "#"
    assert originate["gather"]["prompt"].startswith("您向朋友推荐我们的可能性")
    events_url = originate["events_url"].replace(PUBLIC, platform.url("ingest"))
    gather_url = originate["gather"]["action_url"].replace(PUBLIC, platform.url("ingest"))
    call = {"call_id": "pbx-out-1", "from": "10086", "to": WANG, "direction": "outbound",
            "request_id": originate["request_id"]}
    for step in ("ringing", "answered"):
        answer = signed_json(events_url, {**call, "event": step})  # outbound: the customer answers
        assert answer.status_code == 200, answer.text
    assert signed_json(gather_url, {"call_id": "pbx-out-1", "digits": "1x"}).status_code == 422
    assert signed_json(gather_url, {"call_id": "pbx-nope", "digits": "9"}).status_code == 404
    gathered = signed_json(gather_url, {"call_id": "pbx-out-1", "digits": "10#"})
    assert gathered.status_code == 200 and gathered.json()["status"] == "accepted"
    again = signed_json(gather_url, {"call_id": "pbx-out-1", "digits": "10#"})
    assert again.json()["status"] == "duplicate"
    assert signed_json(events_url, {**call, "event": "ended"}).status_code == 200

    wait_until(lambda: campaign.get(f"/v1/campaigns/{cid}/attempts").json()[0]["outcome"] == "connected"
               and campaign.get(f"/v1/campaigns/{cid}/results").json()["survey"]["responses"] == 1, 20,
               "the keypad answer and the call's end recorded at campaign")
    assert campaign.get(f"/v1/campaigns/{cid}/results").json()["survey"]["nps"] == 100.0
    pbx.server.shutdown()


def test_a_predictive_campaign_moves_on_the_sandbox_voice_provider(platform: Platform) -> None:
    platform.start(["ingest", "routing", "campaign"], extra_env={"CAMPAIGN_SCHEDULER_SECONDS": "0.3"})
    with platform.client("ingest", "acme", "admin") as ingest:
        channel = ingest.post("/v1/channels", json={
            "kind": "voice", "provider": "sandbox", "address": "10086", "name": "Sandbox",
            "signing_secret": "sandbox-secret-0123",
            "credentials": {"answer_percent": "100", "talk_seconds": "1"}})
        assert channel.status_code == 201, channel.text
    with platform.client("routing", "acme", "admin") as routing:
        assert routing.post("/v1/queues", json={"name": "outbound", "channels": ["voice"], "is_default": True}
                            ).status_code == 201
        assert routing.post("/v1/agents", json={"id": "ann", "name": "Ann", "capacity": {"voice": 1}}
                            ).status_code == 201
    desk = platform.client("routing", None)
    desk.headers["Authorization"] = f"Bearer {platform.token('acme', 'agent', subject='ann')}"
    assert desk.post("/v1/agents/ann/sign-in", json={}).json()["state"] == "available"
    campaign = platform.client("campaign", "acme", "supervisor")
    created = campaign.post("/v1/campaigns", json={
        "name": "Win-back", "kind": "predictive", "purpose": "service",
        "schedule": {"window": {"start": "00:00", "end": "00:00"}}})
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    numbers = ["+8613800138001", "+8613800138002", "+8613800138003"]
    assert campaign.post(f"/v1/campaigns/{cid}/lists", content=("phone\n" + "\n".join(numbers)).encode()
                         ).status_code == 201
    assert campaign.post(f"/v1/campaigns/{cid}/start").status_code == 200

    # Every simulated call rings, is answered by the customer, reaches routing, and hangs up.
    wait_until(lambda: campaign.get(f"/v1/campaigns/{cid}").json()["status"] == "completed", 60,
               "the campaign to call everyone")
    outcomes = [a["outcome"] for a in campaign.get(f"/v1/campaigns/{cid}/attempts").json()]
    assert outcomes == ["connected"] * 3
    assert platform.scalar("ingest", "SELECT count(*) FROM calls WHERE status = 'ended' AND answered_by = "
                           "'customer' AND attempt_id IS NOT NULL") == 3
    assert platform.scalar("routing", "SELECT count(*) FROM tasks WHERE direction = 'outbound'") == 3
