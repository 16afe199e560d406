"""Concurrent SMS webhooks through the app: answered 2xx only for what is stored, refused whole otherwise."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from switchboard.common.events.base import Envelope
from switchboard.common.runtime import Runtime
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.main import create_app
from switchboard.ingest.models import Base, Channel, Message, RawPayload, backbone
from switchboard.ingest.signatures import sign_generic

SECRET = "gateway-secret-0123456789"
PATH = "/v1/webhooks/sms/generic/ch-sms"


@pytest.fixture
async def ingest(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    # The bus is unreachable on purpose: accepted events wait in the outbox.
    settings = IngestSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/ingest.db", nats_url="nats://127.0.0.1:9")
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    async with runtime.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with runtime.sessions() as session:
        session.add(Channel(id="ch-sms", tenant_id="acme", kind="sms", provider="generic",
                            address="+8610086", name="hotline", signing_secret=SECRET, credentials={},
                            created_at=datetime.now(UTC)))
        await session.commit()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest") as client:
        yield client, runtime
    await runtime.extras["sms_intake"].stop()  # type: ignore[attr-defined]
    await runtime.engine.dispose()


def post(client: httpx.AsyncClient, provider_id: str, text: str = "查话费", sender: str = "+8613800138000",
         secret: str = SECRET) -> asyncio.Task[httpx.Response]:
    body = json.dumps({"message_id": provider_id, "from": sender, "to": "+8610086", "text": text}).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Signature-Timestamp": timestamp,
               "X-Signature": sign_generic(secret, timestamp, body)}
    return asyncio.create_task(client.post(PATH, content=body, headers=headers))


async def stored_ids(runtime: Runtime) -> dict[str, str]:
    async with runtime.sessions() as session:
        rows = await session.execute(select(Message.provider_message_id, Message.id))
        return {provider_id: message_id for provider_id, message_id in rows}


async def count(runtime: Runtime, table) -> int:
    async with runtime.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_concurrent_webhooks_and_their_repeats_are_each_stored_once_and_answered_with_it(
    ingest
) -> None:
    client, runtime = ingest
    originals = [post(client, f"gw-{i}", sender=f"+86138{i:08d}") for i in range(20)]
    repeats = [post(client, f"gw-{i}", sender=f"+86138{i:08d}") for i in range(5)]
    answers = [await task for task in originals + repeats]
    assert [a.status_code for a in answers] == [200] * 25
    stored = await stored_ids(runtime)
    assert set(stored) == {f"gw-{i}" for i in range(20)}
    for i in range(5):  # one copy accepted, the other a duplicate, both naming the stored message
        pair = [answers[i].json(), answers[20 + i].json()]
        assert sorted(p["status"] for p in pair) == ["accepted", "duplicate"]
        assert {p["message_id"] for p in pair} == {stored[f"gw-{i}"]}
    assert {a.json()["message_id"] for a in answers[5:20]} == {stored[f"gw-{i}"] for i in range(5, 20)}
    assert (await count(runtime, RawPayload.__table__), await count(runtime, backbone.outbox)) == (20, 40)


async def test_each_request_s_events_carry_its_own_request_id_though_committed_together(ingest) -> None:
    client, runtime = ingest
    answers = [await task for task in [post(client, f"gw-{i}", sender=f"+86138{i:08d}") for i in range(6)]]
    async with runtime.sessions() as session:
        envelopes = [Envelope.model_validate_json(row.envelope)
                     for row in await session.execute(select(backbone.outbox))]
    by_conversation: dict[str, set[str]] = {}
    for envelope in envelopes:
        by_conversation.setdefault(str(envelope.subject), set()).add(envelope.correlationid)
    assert by_conversation == {a.json()["conversation_id"]: {a.headers["x-request-id"]} for a in answers}


async def test_a_request_whose_rows_cannot_be_stored_is_refused_whole_and_the_others_are_stored(
    ingest
) -> None:
    client, runtime = ingest
    async with runtime.sessions() as session:  # the database refuses this one message, as a full disk would
        await session.execute(text(
            "CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.text = 'cannot be stored' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the database'); END"))
        await session.commit()
    tasks = [post(client, f"gw-{i}", sender=f"+86138{i:08d}") for i in range(8)]
    tasks.insert(4, post(client, "gw-bad", text="cannot be stored"))
    answers = [await task for task in tasks]
    refused = answers.pop(4)
    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert "not accepted" in refused.json()["detail"]
    assert [a.status_code for a in answers] == [200] * 8
    assert set(await stored_ids(runtime)) == {f"gw-{i}" for i in range(8)}
    assert (await count(runtime, RawPayload.__table__), await count(runtime, backbone.outbox)) == (8, 16)


async def test_a_forged_request_among_good_ones_is_403_and_stores_nothing(ingest) -> None:
    client, runtime = ingest
    good, forged = post(client, "gw-1"), post(client, "gw-forged", secret="not-the-channel-secret")
    assert (await good).status_code == 200
    refused = await forged
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert set(await stored_ids(runtime)) == {"gw-1"}


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {"Content-Type": "application/json", "X-Signature-Timestamp": timestamp,
            "X-Signature": sign_generic(secret, timestamp, body)}


async def test_every_refusal_of_the_webhook_is_problem_json_and_stores_nothing(ingest) -> None:
    client, runtime = ingest
    not_json = b'{"message_id": "gw-1", '
    no_sender = json.dumps({"message_id": "gw-2", "text": "hi"}).encode()
    large = json.dumps({"message_id": "gw-3", "from": "+8613800138000", "to": "+8610086",
                        "text": "x" * 300_000}).encode()
    good = json.dumps({"message_id": "gw-4", "from": "+8613800138000", "to": "+8610086",
                       "text": "hi"}).encode()
    answers = [
        await client.post(PATH, content=not_json, headers=signed(not_json)),
        await client.post(PATH, content=no_sender, headers=signed(no_sender)),
        await client.post(PATH, content=large, headers=signed(large)),
        await client.post(PATH, content=good, headers={"Content-Type": "application/json"}),
        await client.post("/v1/webhooks/sms/generic/no-such-channel", content=good, headers=signed(good)),
    ]
    assert [a.status_code for a in answers] == [422, 422, 413, 403, 404]
    for answer in answers:
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == answer.status_code and answer.headers["x-request-id"]
    assert answers[4].json()["instance"] == "/v1/webhooks/sms/generic/no-such-channel"
    assert await stored_ids(runtime) == {}


async def test_a_repeat_is_answered_200_duplicate_with_the_stored_message_and_no_second_event(ingest) -> None:
    client, runtime = ingest
    first = await post(client, "gw-1")
    again = await post(client, "gw-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.json()["status"], again.json()["status"]) == ("accepted", "duplicate")
    assert again.json()["message_id"] == first.json()["message_id"]
    assert again.headers["content-type"] == "application/json"
    assert await count(runtime, backbone.outbox) == 2  # conversation opened, message received: once


async def test_the_webhook_keeps_its_openapi_description_its_metrics_route_and_its_other_methods(
    ingest
) -> None:
    client, _runtime = ingest
    await post(client, "gw-1")
    schema = (await client.get("/openapi.json")).json()
    assert "post" in schema["paths"]["/v1/webhooks/sms/generic/{channel_id}"]
    assert (await client.get(PATH)).status_code == 405
    metrics = (await client.get("/metrics")).text
    assert ('sb_http_requests_total{method="POST",route="/v1/webhooks/sms/generic/{channel_id}",'
            'service="ingest",status="200"}') in metrics
