"""Bus.publish_all against a real nats-server: each message's own answer, stored or why not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.js.api import DiscardPolicy, StreamConfig

from switchboard.common.bus import Bus
from switchboard.common.launcher import NatsServer
from switchboard.common.streams import BusPolicy, stream_name


@pytest.fixture
async def bus(tmp_path: Path) -> AsyncIterator[Bus]:
    server = NatsServer(tmp_path / "nats", sync_always=False).start()
    started = Bus(server.url, "ingest", BusPolicy(), [])
    started.start()
    await started.wait_ready()
    yield started
    await started.close()
    server.stop()


async def test_every_message_is_answered_for_itself_and_the_stored_ones_are_in_order(bus: Bus) -> None:
    await bus.js.add_stream(StreamConfig(name="TINY", subjects=["tiny.>"], max_msgs=1,
                                         discard=DiscardPolicy.NEW))
    outcomes = await bus.publish_all([
        ("sb.acme.ingest.message.received", b"one", {"Nats-Msg-Id": "e1"}),
        ("nowhere.at.all", b"lost", {"Nats-Msg-Id": "e2"}),
        ("sb.acme.ingest.message.received", b"two", {"Nats-Msg-Id": "e3"}),
        ("tiny.a", b"fits", {"Nats-Msg-Id": "e4"}),
        ("tiny.b", b"full", {"Nats-Msg-Id": "e5"}),
        ("sb.acme.ingest.message.received", b"one again", {"Nats-Msg-Id": "e1"}),  # a duplicate: kept once
    ], ack_seconds=5)
    assert outcomes[:4] == [None, "no stream", None, None] and outcomes[5] is None
    assert outcomes[4] is not None and "maximum messages" in outcomes[4]
    stream = stream_name("ingest")
    assert (await bus.js.stream_info(stream)).state.messages == 2
    assert [(await bus.js.get_msg(stream, seq)).data for seq in (1, 2)] == [b"one", b"two"]


async def test_a_second_batch_on_the_same_connection_is_answered_apart_from_the_first(bus: Bus) -> None:
    first = await bus.publish_all([("sb.acme.ingest.a", b"1", {"Nats-Msg-Id": "a1"})], ack_seconds=5)
    second = await bus.publish_all([("sb.acme.ingest.b", b"2", {"Nats-Msg-Id": "b1"}),
                                    ("nowhere.b", b"3", {})], ack_seconds=5)
    assert (first, second) == ([None], [None, "no stream"])
    assert await bus.publish_all([], ack_seconds=5) == []
