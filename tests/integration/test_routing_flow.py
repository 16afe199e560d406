"""Routing end to end: an SMS through ingest, identified by profile, reaches an agent as an offer;
the agent accepts and completes, and routing.task.completed is on the bus with its times."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import nats
import pytest

from switchboard.common.testing import Platform, wait_until
from switchboard.ingest.signatures import sign_generic

pytestmark = pytest.mark.integration


def last_event(platform: Platform, subject: str) -> dict:
    assert platform.nats is not None

    async def run() -> dict:
        connection = await nats.connect(platform.nats.url)
        try:
            message = await connection.jetstream().get_last_msg("SB_ROUTING", subject)
            return dict(json.loads(message.data))
        finally:
            await connection.close()

    return asyncio.run(run())


def test_an_sms_reaches_an_agent_who_accepts_and_completes_it(platform: Platform, sms_channel) -> None:
    platform.start(["ingest", "profile", "routing"], extra_env={"ROUTING_PROFILE_GRACE_SECONDS": "3"})
    gateway = sms_channel(platform, "acme")
    with platform.client("routing", "acme", "admin") as admin:
        queue = admin.post("/v1/queues", json={"name": "general", "channels": ["sms"], "is_default": True,
                                               "wrap_up_seconds": 5})
        assert queue.status_code == 201, queue.text
        agent = admin.post("/v1/agents", json={"id": "ann", "name": "Ann", "capacity": {"sms": 2}})
        assert agent.status_code == 201, agent.text
    ann = platform.client("routing", None)
    ann.headers["Authorization"] = f"Bearer {platform.token('acme', 'agent', subject='ann')}"
    assert ann.post("/v1/agents/ann/sign-in", json={}).json()["state"] == "available"

    feed: list[dict] = []
    stop = threading.Event()
    reader = threading.Thread(target=read_desktop_feed, args=(platform, feed, stop))
    reader.start()
    wait_until(lambda: bool(feed), 20, "the desktop feed's first snapshot")
    assert feed[0]["agent"]["state"] == "available" and feed[0]["tasks"] == []

    sent_at = time.monotonic()
    assert gateway.send("+8613800138000", "我的话费不对").status_code == 200
    wait_until(lambda: any(snapshot["tasks"] for snapshot in feed), 30, "the offer on ann's desktop feed")
    offer_seconds = time.monotonic() - sent_at
    stop.set()  # the reader returns at the next snapshot (the accept below)
    [task] = next(snapshot["tasks"] for snapshot in feed if snapshot["tasks"])
    assert task["status"] == "offered" and task["agent_id"] == "ann"
    assert task["customer_id"], "profile identified the customer before routing (inside the grace period)"
    assert offer_seconds < 3, f"routed on the profile, not on the grace timeout ({offer_seconds:.2f}s)"

    assert ann.post(f"/v1/tasks/{task['id']}/accept").status_code == 200
    done = ann.post(f"/v1/tasks/{task['id']}/complete", json={"disposition": "resolved"})
    assert done.status_code == 200, done.text
    assert ann.get("/v1/agents/ann").json()["state"] == "wrap_up"
    reader.join(10)

    wait_until(lambda: platform.scalar("routing", "SELECT count(*) FROM outbox") == 0, 20, "outbox drained")
    completed = last_event(platform, "sb.acme.routing.task.completed")
    assert completed["type"] == "sb.routing.task.completed.v1" and completed["tenant"] == "acme"
    data = completed["data"]
    assert (data["task_id"], data["agent_id"], data["disposition"]) == (task["id"], "ann", "resolved")
    assert data["customer_id"] == task["customer_id"] and data["wrap_seconds"] == 5
    assert data["wait_seconds"] >= 0 and data["talk_seconds"] >= 0
    offered_event = last_event(platform, "sb.acme.routing.task.offered")
    assert offered_event["data"]["agent_id"] == "ann"

    snapshot = first_live_snapshot(platform)
    [general] = snapshot["queues"]
    assert (general["offered"], general["answered"], general["waiting"]) == (1, 1, 0)
    assert snapshot["agents_by_state"] == {"wrap_up": 1}

    wait_until(lambda: ann.get("/v1/agents/ann").json()["state"] == "available", 20,
               "the timed wrap-up to end")
    ann.close()


def read_desktop_feed(platform: Platform, into: list[dict], stop: threading.Event) -> None:
    """ann's desktop feed (server-sent events): every snapshot until told to stop."""
    headers = {"Authorization": f"Bearer {platform.token('acme', 'agent', subject='ann')}"}
    url = f"{platform.url('routing')}/v1/agents/ann/stream"
    with httpx.stream("GET", url, headers=headers, params={"every": 0.2}, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                into.append(json.loads(line[6:]))
            if stop.is_set():
                return


def first_live_snapshot(platform: Platform) -> dict:
    """The supervisor's live stream (server-sent events): its first snapshot."""
    headers = {"Authorization": f"Bearer {platform.token('acme', 'supervisor')}"}
    url = f"{platform.url('routing')}/v1/stats/live/stream"
    with httpx.stream("GET", url, headers=headers, params={"every": 0.5}, timeout=20) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                return dict(json.loads(line[6:]))
    raise AssertionError("the stream ended without a snapshot")


PBX_SECRET = "pbx-secret-0123456789"


def _pbx(url: str, event: dict[str, object]) -> httpx.Response:
    body = json.dumps(event).encode()
    stamp = str(int(time.time()))
    return httpx.post(url, content=body, timeout=30, headers={
        "Content-Type": "application/json", "X-Signature-Timestamp": stamp,
        "X-Signature": sign_generic(PBX_SECRET, stamp, body)})


def test_a_caller_nobody_answers_leaves_a_voicemail_that_an_agent_works_later(platform: Platform) -> None:
    platform.start(["ingest", "profile", "routing"], extra_env={"ROUTING_PROFILE_GRACE_SECONDS": "1"})
    with platform.client("ingest", "acme", "admin") as admin:
        channel = admin.post("/v1/channels", json={"kind": "voice", "provider": "pbx", "address": "10086",
                                                   "name": "Hotline", "signing_secret": PBX_SECRET})
        assert channel.status_code == 201, channel.text
    with platform.client("routing", "acme", "admin") as admin:
        queue = admin.post("/v1/queues", json={"name": "general", "channels": ["voice"], "is_default": True,
                                               "max_wait_seconds": 3,
                                               "escalation": {"message_after_seconds": 1}})
        assert queue.status_code == 201, queue.text
        assert admin.post("/v1/agents", json={"id": "ann", "name": "Ann",
                                              "capacity": {"voice": 1}}).status_code == 201
    pbx_url = f"{platform.url('ingest')}/v1/webhooks/voice/pbx/{channel.json()['id']}"
    call = {"call_id": "pbx-vm-1", "from": "+8613800138000", "to": "10086"}
    assert _pbx(pbx_url, {**call, "event": "ringing"}).status_code == 200

    # Nobody is signed in: after a second the caller is sent to leave a message.
    wait_until(lambda: platform.scalar("routing", "SELECT count(*) FROM tasks WHERE status = 'message'") == 1,
               30, "the call diverted to the message backlog")
    assert _pbx(pbx_url, {**call, "event": "ended", "recording_ref": "vm/pbx-vm-1.wav"}).status_code == 200
    wait_until(lambda: platform.scalar("routing", "SELECT count(*) FROM inbox "
                                                  "WHERE event_type = 'sb.ingest.call.ended.v1'") == 1,
               30, "routing to see the hang-up")
    wait_until(lambda: platform.scalar("routing", "SELECT count(*) FROM outbox") == 0, 20, "outbox drained")
    diverted = last_event(platform, "sb.acme.routing.task.diverted_to_message")["data"]
    assert diverted["reason"] == "escalation" and diverted["channel"] == "voice"

    ann = platform.client("routing", None)
    ann.headers["Authorization"] = f"Bearer {platform.token('acme', 'agent', subject='ann')}"
    assert ann.post("/v1/agents/ann/sign-in", json={}).status_code == 200
    [task] = ann.get("/v1/agents/ann/tasks").json()
    assert (task["id"], task["status"], task["message"]) == (diverted["task_id"], "offered", True)
    assert task["recording_ref"] == "vm/pbx-vm-1.wav"
    assert ann.post(f"/v1/tasks/{task['id']}/accept").status_code == 200
    done = ann.post(f"/v1/tasks/{task['id']}/complete", json={"disposition": "called back"})
    assert done.status_code == 200, done.text
    ann.close()
    with platform.client("routing", "acme", "supervisor") as supervisor:
        [general] = supervisor.get("/v1/stats/live").json()["queues"]
    assert (general["messages"], general["messages_handled"], general["abandoned"]) == (1, 1, 0)
