"""QA end to end: a customer's SMS and the agent's reply through ingest (the SMS gateway faked at
the wire), routing's assignment on the bus, a redacted transcript with checks and sentiment, and
alerts that reach a supervisor live."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import nats
import pytest

from switchboard.common.events.base import Payload, make_envelope
from switchboard.common.events.routing import TaskAccepted
from switchboard.common.testing import Platform, wait_until

pytestmark = pytest.mark.integration

CUSTOMER = "+8613800138000"
CARD = "4111 1111 1111 1111"
NATIONAL_ID = "11010519491231002X"


def publish(platform: Platform, tenant: str, source: str, subject: str, *events: Payload) -> None:
    """What routing puts on the bus, in the same envelope format (routing itself is not started)."""
    assert platform.nats is not None

    async def run() -> None:
        connection = await nats.connect(platform.nats.url)
        js = connection.jetstream()
        for event in events:
            envelope = make_envelope(event, tenant=tenant, source=source, subject=subject)
            await js.publish(envelope.nats_subject, envelope.model_dump_json().encode(),
                             headers={"Nats-Msg-Id": envelope.id})
        await connection.close()

    asyncio.run(run())


class GatewaySendApi:
    """The generic SMS gateway's send endpoint, at the wire: takes ingest's signed JSON, answers 200."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                answer = json.dumps({"message_id": f"gw-{len(received)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def close(self) -> None:
        self.server.shutdown()


def alerts(client: httpx.Client, **params: object) -> list[dict]:
    response = client.get("/v1/alerts", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def read_stream(url: str, token: str, into: list[dict], opened: dict[str, httpx.Response]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.stream("GET", f"{url}/v1/alerts/stream", headers=headers, timeout=30) as response:
            opened["response"] = response  # the test hangs up by closing it
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line.startswith("data: "):
                    into.append(json.loads(line[6:]))
    except Exception as exc:  # reported to the test through the list (a hang-up ends here too)
        into.append({"error": repr(exc)})


def test_a_contact_is_transcribed_redacted_checked_and_alerted_live(platform: Platform, sms_channel) -> None:
    platform.start(["ingest", "qa"])
    gateway = sms_channel(platform, "acme")
    send_api = GatewaySendApi()
    with platform.client("ingest", "acme", "admin") as admin:
        configured = admin.patch(f"/v1/channels/{gateway.channel_id}",
                                 json={"credentials": {"send_url": send_api.url}})
        assert configured.status_code == 200, configured.text
    supervisor = platform.client("qa", "acme", "supervisor")
    live: list[dict] = []
    opened: dict[str, httpx.Response] = {}
    listener = threading.Thread(
        target=read_stream, args=(platform.url("qa"), platform.token("acme", "supervisor"), live, opened),
        daemon=True)
    listener.start()

    # 1. A customer texts a card number and an ID number: qa stores neither, and alerts at once.
    sent = gateway.send(CUSTOMER, f"Please charge card {CARD}, my ID is {NATIONAL_ID}")
    assert sent.status_code == 200, sent.text
    conversation = sent.json()["conversation_id"]
    seconds = wait_until(lambda: any(a["kind"] == "sensitive_data" for a in alerts(supervisor)), 15,
                         "the sensitive-data alert")
    assert seconds < 10
    [sensitive] = alerts(supervisor, kind="sensitive_data")
    assert sensitive["conversation_id"] == conversation and sensitive["severity"] == "critical"
    assert "4111" not in sensitive["detail"]
    stored = platform.scalar("qa", "SELECT text FROM transcript_messages WHERE conversation_id = :c",
                             c=conversation)
    assert stored == "Please charge card [card ending 1111], my ID is [national id]"
    assert platform.scalar("qa", "SELECT count(*) FROM transcript_messages WHERE text LIKE '%1111 1111%'"
                           " OR text LIKE '%19491231%'") == 0

    # 2. Routing assigns agent a1; the agent answers rudely; the customer gets angry.
    now = datetime.now(UTC)
    publish(platform, "acme", "routing", conversation, TaskAccepted(
        task_id="t1", conversation_id=conversation, queue_id="billing", channel="sms", at=now,
        agent_id="a1", wait_seconds=4))
    with httpx.Client(base_url=platform.url("ingest"), timeout=30, headers={
            "Authorization": f"Bearer {platform.token('acme', 'agent', subject='a1')}"}) as desk:
        reply = desk.post(f"/v1/conversations/{conversation}/messages",
                          json={"text": "This is not my problem, deal with it"})
        assert reply.status_code == 202, reply.text
    wait_until(lambda: len(send_api.received) == 1, 15, "the reply at the SMS gateway")
    assert send_api.received[0]["text"] == "This is not my problem, deal with it"
    gateway.send(CUSTOMER, "This is ridiculous and awful, I am furious, worst service ever!")
    wait_until(lambda: {a["kind"] for a in alerts(supervisor)} >= {"forbidden_phrase", "sentiment_drop"},
               15, "forbidden-phrase and sentiment-drop alerts")
    [rude] = alerts(supervisor, kind="forbidden_phrase")
    assert rude["agent_id"] == "a1" and "'not my problem'" in rude["detail"]

    transcript = supervisor.get(f"/v1/contacts/{conversation}").json()
    assert (transcript["agent_id"], transcript["queue_id"]) == ("a1", "billing")
    assert transcript["message_count"] == 3
    assert [m["role"] for m in transcript["messages"]] == ["customer", "agent", "customer"]
    assert transcript["growing_angrier"] is True and transcript["sensitive_data"] is True
    checks = {c["check"]: c["passed"] for c in transcript["checks"]}
    assert checks["greeting"] is False and checks["forbidden_phrases"] is False
    assert checks["first_response"] is None  # SMS is not a timed channel by default

    # Hot topics: the customer's words, counted per contact; an angry contact counts as a complaint.
    for scope in ("all", "complaints"):
        topics = supervisor.get("/v1/reports/hot-topics", params={"period": "day", "scope": scope}).json()
        terms = {t["term"]: t["contacts"] for t in topics["most_frequent"]}
        assert terms["charge"] == 1 and terms["furious"] == 1 and "1111" not in terms, (scope, terms)
        assert "deal" not in terms  # the agent's words are not the customer's topics

    # 3. The supervisor's live stream saw every alert, in order.
    wait_until(lambda: len(live) >= 3, 10, f"three alerts on the live stream, got {live}")
    opened["response"].close()  # the supervisor hangs up; the server ends the stream at its next poll
    listener.join(5)
    live = [event for event in live if "error" not in event]
    assert [a["kind"] for a in live] == [a["kind"] for a in alerts(supervisor)]
    assert [a["seq"] for a in live] == sorted(a["seq"] for a in live)
    resumed: list[dict] = []
    headers = {"Authorization": f"Bearer {platform.token('acme', 'supervisor')}", "Last-Event-ID": "1"}
    with httpx.stream("GET", f"{platform.url('qa')}/v1/alerts/stream", headers=headers, timeout=30) as again:
        for line in again.iter_lines():
            if line.startswith("data: "):
                resumed.append(json.loads(line[6:]))
                break
    assert resumed[0]["seq"] == 2  # a reconnecting browser picks up after the last id it saw
    # A wallboard opens with the latest alerts, newest first, then pages back or follows the stream.
    oldest_first = alerts(supervisor)
    latest = alerts(supervisor, order="newest", limit=2)
    assert [a["seq"] for a in latest] == [oldest_first[-1]["seq"], oldest_first[-2]["seq"]]
    assert [a["seq"] for a in alerts(supervisor, order="newest", before=latest[-1]["seq"])] == [
        a["seq"] for a in reversed(oldest_first[:-2])]
    assert supervisor.get("/v1/alerts", params={"order": "random"}).status_code == 422

    # 4. Tenancy and roles: nobody else sees this contact or its alerts.
    with platform.client("qa", "globex", "supervisor") as other_tenant:
        assert other_tenant.get(f"/v1/contacts/{conversation}").status_code == 404
        assert alerts(other_tenant) == []
        assert other_tenant.get("/v1/reports/hot-topics").json()["most_frequent"] == []
    with httpx.Client(base_url=platform.url("qa"), timeout=30, headers={
            "Authorization": f"Bearer {platform.token('acme', 'agent', subject='a2')}"}) as other_agent:
        assert other_agent.get(f"/v1/contacts/{conversation}").status_code == 404
        assert other_agent.get("/v1/contacts").json() == []
        assert other_agent.get("/v1/alerts").status_code == 403
    with httpx.Client(base_url=platform.url("qa"), timeout=30, headers={
            "Authorization": f"Bearer {platform.token('acme', 'agent', subject='a1')}"}) as own_agent:
        assert own_agent.get(f"/v1/contacts/{conversation}").status_code == 200

    # 5. Rules per tenant: bad input names the problem; a new rule applies to the next line.
    bad = supervisor.put("/v1/check-rules", json={"forbidden_phrases": ["稍等", " "]})
    assert bad.status_code == 422 and "blank" in bad.json()["detail"]
    assert supervisor.put("/v1/check-rules", json={"timed_channels": ["sms", "carrier pigeon"]}
                          ).status_code == 422
    good = supervisor.put("/v1/check-rules", json={"greeting_phrases": ["this is"]})
    assert good.status_code == 200 and good.json()["first_response_seconds"] == 60
    assert supervisor.get("/v1/check-rules").json()["greeting_phrases"] == ["this is"]
    with platform.client("qa", "globex", "supervisor") as other_tenant:
        assert other_tenant.get("/v1/check-rules").json()["greeting_phrases"] != ["this is"]
    supervisor.close()
    send_api.close()
