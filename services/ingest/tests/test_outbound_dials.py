"""Voice dials: accepted from a campaign attempt, placed through the PBX (a real local HTTP server)
or the sandbox by the sender, and reported as a call carrying the attempt."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from switchboard.common.events.base import Envelope
from switchboard.common.runtime import Runtime
from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.consumers import build_handlers
from switchboard.ingest.models import Base, Call, Channel, Delivery, backbone
from switchboard.ingest.outbound.accept import SendRequest
from switchboard.ingest.outbound.dials import accept_dial
from switchboard.ingest.outbound.providers import Dial
from switchboard.ingest.outbound.sender import Sender
from switchboard.ingest.signatures import verify_generic

CUSTOMER = "+8613800138000"
SECRET = "pbx-secret-0123456789"


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = IngestSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/ingest.db", nats_url="nats://127.0.0.1:9",
        send_backoff_seconds=0.05, send_max_attempts=2, public_base_url="https://sb.example.com",
    )
    built = Runtime.build(settings, backbone, build_handlers())
    async with built.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield built
    await built.engine.dispose()


@pytest.fixture
async def sender(runtime: Runtime) -> AsyncIterator[Sender]:
    running = Sender(runtime, runtime.settings, ChatHub())  # type: ignore[arg-type]
    yield running
    await running.stop()


async def dialed(runtime: Runtime, provider: str, credentials: dict[str, str], dial: Dial) -> str:
    channel = Channel(id=f"ch-{provider}", tenant_id="acme", kind="voice", provider=provider,
                      address="10086", name="outbound", signing_secret=SECRET,
                      credentials=credentials, created_at=datetime.now(UTC))
    async with runtime.unit_of_work() as uow:
        uow.session.add(channel)
        await uow.session.flush()
        request = SendRequest(to_address=CUSTOMER, text="How satisfied were you? Press 1 to 5.",
                              idempotency_key="campaign-attempt:att-1", attempt_id="att-1")
        delivery = accept_dial(uow, channel, request, dial)
        await uow.commit()
    return delivery.id


async def call_events(runtime: Runtime) -> list[tuple[str, dict]]:
    async with runtime.sessions() as session:
        rows = await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))
        envelopes = [Envelope.model_validate_json(row.envelope) for row in rows]
    return [(e.type.split(".")[3], e.data) for e in envelopes if ".call." in e.type or "delivery" in e.type]


async def test_a_dial_is_originated_at_the_pbx_signed_and_becomes_a_ringing_call(
    runtime: Runtime, sender: Sender, fake_provider
) -> None:
    dial_id = await dialed(runtime, "pbx", {"originate_url": f"{fake_provider.url}/originate"},
                           Dial(ring_seconds=20, information_message="Acme, call us on 95555",
                                survey_kind="nps"))
    fake_provider.script.append((200, {"call_id": "pbx-call-9"}))
    assert await sender.send_due() == 1

    [(path, headers, body)] = fake_provider.requests
    verify_generic(SECRET, headers["X-Signature-Timestamp"], headers["X-Signature"], body, window_seconds=60)
    sent = json.loads(body)
    assert path == "/originate" and sent["request_id"] == dial_id and sent["attempt_id"] == "att-1"
    assert (sent["from"], sent["to"], sent["ring_seconds"]) == ("10086", CUSTOMER, 20)
    assert sent["information_message"] == "Acme, call us on 95555" and sent["machine_detection"] is True
    assert sent["events_url"] == f"https://sb.example.com/v1/webhooks/voice/pbx/ch-pbx?dial={dial_id}"
    assert sent["gather"] == {"prompt": "How satisfied were you? Press 1 to 5.", "digits": 2,
                              "finish_on_key": "#",
                              "action_url": f"https://sb.example.com/v1/webhooks/voice/pbx/ch-pbx/gather?dial={dial_id}"}
    async with runtime.sessions() as session:
        call = (await session.scalars(select(Call))).one()
        delivery = await session.get(Delivery, dial_id)
    assert (call.provider_call_id, call.attempt_id, call.direction) == ("pbx-call-9", "att-1", "outbound")
    assert delivery is not None and delivery.status == "sent"
    assert delivery.conversation_id == call.conversation_id
    [(name, data)] = await call_events(runtime)
    assert name == "started" and data["attempt_id"] == "att-1" and data["to_address"] == CUSTOMER


async def test_a_dial_the_pbx_keeps_refusing_fails_and_tells_campaign(
    runtime: Runtime, sender: Sender, fake_provider
) -> None:
    await dialed(runtime, "pbx", {"originate_url": f"{fake_provider.url}/originate"}, Dial())
    fake_provider.script += [(503, {}), (503, {})]
    assert await sender.send_due() == 1
    await asyncio.sleep(0.1)
    assert await sender.send_due() == 1
    [(name, data)] = await call_events(runtime)
    assert name == "delivery_updated" and data["status"] == "failed" and data["attempt_id"] == "att-1"
    assert "PBX 503" in data["error"]


@pytest.mark.parametrize(("odds", "expected"), [
    ({"answer_percent": "100", "talk_seconds": "0.1"},
     [("started", None), ("answered", "customer"), ("ended", "completed")]),
    ({"answer_percent": "0", "machine_percent": "100"},
     [("started", None), ("answered", "machine"), ("ended", "machine")]),
    ({"answer_percent": "0", "machine_percent": "0", "busy_percent": "100"},
     [("started", None), ("ended", "busy")]),
    ({"answer_percent": "0", "machine_percent": "0", "busy_percent": "0"},
     [("started", None), ("ended", "no_answer")]),
])
async def test_the_sandbox_plays_a_dial_out_by_its_channel_odds(
    runtime: Runtime, sender: Sender, odds: dict[str, str], expected: list[tuple[str, str | None]]
) -> None:
    await dialed(runtime, "sandbox", odds, Dial(ring_seconds=1.5))
    assert await sender.send_due() == 1
    for _ in range(100):
        if any(name == "ended" for name, _ in await call_events(runtime)):
            break
        await asyncio.sleep(0.1)
    events = await call_events(runtime)
    assert [(name, data.get("answered_by") or data.get("outcome")) for name, data in events] == expected
    assert {data["attempt_id"] for _, data in events} == {"att-1"}
