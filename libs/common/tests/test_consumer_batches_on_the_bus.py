"""Through a real nats-server: a fetch is split into batches and one-by-one runs as it must.

Events published before the consumer starts arrive in one fetch. Those of a batched
type go to the batch handler together; an entity (subject) that also has an event
of an ordinary type runs one by one, in stream order; a poison event in the batch
is retried and dead-lettered alone while the others are handled once.
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import pytest

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer, EventContext, HandlerMap
from switchboard.common.events.base import Envelope, Payload, make_envelope
from switchboard.common.events.ingest import ConversationClosed, MessageReceived
from switchboard.common.launcher import NatsServer
from switchboard.common.streams import DLQ_STREAM, BusPolicy, consumer_specs
from switchboard.common.uow import UnitOfWork


@pytest.fixture
def nats_server(tmp_path: Path):
    server = NatsServer(tmp_path / "nats", sync_always=False).start()
    yield server
    server.stop()


def received(conversation: str, text: str = "hello") -> MessageReceived:
    return MessageReceived(message_id=str(uuid.uuid4()), conversation_id=conversation, channel="sms",
                           channel_id="ch", from_address="+8613800138000", to_address="+8610086",
                           text=text, received_at=datetime.now(UTC))


def closed(conversation: str) -> ConversationClosed:
    return ConversationClosed(conversation_id=conversation, channel="sms", reason="agent",
                              closed_at=datetime.now(UTC))


async def publish(url: str, payloads: list[Payload]) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    for payload in payloads:
        envelope = make_envelope(payload, tenant="acme", source="ingest",
                                 subject=payload.conversation_id)  # type: ignore[attr-defined]
        await js.publish(envelope.nats_subject, envelope.model_dump_json().encode(),
                         headers={"Nats-Msg-Id": envelope.id})
    await nc.close()


async def dead_letters(url: str) -> int:
    nc = await nats.connect(url)
    info = await nc.jetstream().stream_info(DLQ_STREAM)
    await nc.close()
    return int(info.state.messages)


async def eventually(condition: Callable[[], object], what: str) -> None:
    for _ in range(300):  # a bound for a broken build, not a speed requirement
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture
async def provisioned(notes, nats_server) -> AsyncIterator[Callable[..., Any]]:
    """A consumer whose streams and durable exist, not pulling yet (so one fetch gets all)."""
    started: list[tuple[Bus, EventConsumer]] = []

    async def build(handlers: HandlerMap) -> EventConsumer:
        bus = Bus(nats_server.url, "profile", BusPolicy(max_deliver=2),
                  consumer_specs("profile", handlers.handled()))
        consumer = EventConsumer("profile", bus, notes.sessions, notes.backbone, handlers, max_deliver=2)
        bus.start()
        await bus.wait_ready()
        started.append((bus, consumer))
        return consumer

    yield build
    for bus, consumer in started:
        await consumer.stop()
        await bus.close()


async def test_a_fetch_runs_batched_events_together_and_a_mixed_entity_in_order(
    notes, nats_server, provisioned
) -> None:
    seen: list[tuple[str, ...]] = []

    async def on_received(events: list[tuple[MessageReceived, Envelope]], uow: UnitOfWork) -> None:
        if any(event.text == "poison" for event, _ in events):
            raise RuntimeError("cannot handle this one")
        seen.append(("batch", *(f"{e.conversation_id}:{e.text}" for e, _ in events)))

    async def on_closed(event: ConversationClosed, ctx: EventContext) -> None:
        seen.append(("closed", event.conversation_id))

    consumer = await provisioned(
        HandlerMap().on_batch(MessageReceived, on_received).on(ConversationClosed, on_closed))
    await publish(nats_server.url, [
        received("a", "1"), received("b", "1"), closed("a"), received("p", "poison"),
        received("a", "2"), received("c", "1"),
    ])
    consumer.start()

    await eventually(lambda: dead_letters(nats_server.url), "the poison event dead-lettered")
    await eventually(lambda: len(seen) >= 5, "every good event handled")
    assert await dead_letters(nats_server.url) == 1
    # b and c were fetched with the poison one: their batch failed, and each ran alone
    assert ("batch", "b:1") in seen and ("batch", "c:1") in seen
    # a's events, of two types, ran one by one in stream order
    a = [entry for entry in seen if entry in {("batch", "a:1"), ("closed", "a"), ("batch", "a:2")}]
    assert a == [("batch", "a:1"), ("closed", "a"), ("batch", "a:2")]
    # every good event committed exactly once, the poison one never
    assert await notes.count(notes.backbone.inbox) == 5
    assert len(seen) == 5
