"""One contact can be followed across services, and the CLI reaches the running platform."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import httpx
import nats
from nats.aio.msg import Msg

from switchboard.common.testing import Platform, wait_until
from switchboard.common.tracing import parse_traceparent

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_correlation_and_trace_follow_a_contact_from_webhook_to_profile_event(
    platform: Platform, sms_channel
) -> None:
    platform.start(["ingest", "profile"])
    gateway = sms_channel(platform, "acme")
    assert platform.nats is not None

    async def capture() -> dict[str, tuple[dict, dict]]:
        seen: dict[str, tuple[dict, dict]] = {}

        async def keep(msg: Msg) -> None:
            envelope = json.loads(msg.data)
            seen[envelope["type"]] = (envelope, dict(msg.headers or {}))

        nc = await nats.connect(platform.nats.url)
        await nc.subscribe("sb.acme.>", cb=keep)
        await nc.flush()
        body = gateway.payload("+8613800138000", "where is my order")
        headers = {**gateway.headers(body), "X-Correlation-ID": "corr-42",
                   "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
        async with httpx.AsyncClient() as client:
            response = await client.post(gateway.webhook_url, content=body, headers=headers)
        assert response.status_code == 200
        deadline = time.monotonic() + 30
        while "sb.profile.contact.identified.v1" not in seen and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await nc.drain()
        return seen

    seen = asyncio.run(capture())
    received, received_headers = seen["sb.ingest.message.received.v1"]
    identified, identified_headers = seen["sb.profile.contact.identified.v1"]
    assert received["correlationid"] == "corr-42"
    assert identified["correlationid"] == "corr-42", "the correlation id crosses services"
    assert identified["causationid"] == received["id"], "profile's event names its cause"
    for headers in (received_headers, identified_headers):
        trace = parse_traceparent(headers.get("traceparent"))
        assert trace is not None and trace.trace_id == TRACE_ID, "one trace from webhook to profile"
    assert received_headers["Nats-Msg-Id"] == received["id"]


def test_cli_tails_events_and_lists_dead_letters(platform: Platform, sms_channel) -> None:
    platform.start(["ingest", "profile"])
    gateway = sms_channel(platform, "acme")
    assert platform.nats is not None
    env = {**os.environ, "NATS_URL": platform.nats.url}
    tail = subprocess.Popen(
        [sys.executable, "-m", "switchboard.common.cli.main", "events", "tail", "sb.acme.ingest.>",
         "--count", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    time.sleep(1.5)  # let it subscribe
    assert gateway.send("+8613800138000", "hello from the cli test").status_code == 200
    out, _ = tail.communicate(timeout=30)
    events = [json.loads(line) for line in out.splitlines()]
    types = sorted(event["event"]["type"] for event in events)
    assert types == ["sb.ingest.conversation.opened.v1", "sb.ingest.message.received.v1"]

    listed = subprocess.run(
        [sys.executable, "-m", "switchboard.common.cli.main", "dlq", "list", "profile",
         "--tenant", "acme", "--url", platform.url("profile")],
        capture_output=True, text=True, env=env, timeout=30,
    )
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {"items": [], "next_seq": None}
    wait_until(lambda: platform.scalar("profile", "SELECT count(*) FROM timeline") == 1, 30, "profile")
