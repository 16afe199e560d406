"""The backbone holds: nothing accepted is lost or doubled when parts crash.

Producer: ingest accepting signed SMS webhooks (state + outbox in one
transaction). Consumer: profile resolving each message to a customer and
appending one timeline entry. The effect counted is the timeline entries.
"""

from __future__ import annotations

import asyncio
import threading
import time

from switchboard.common.testing import Platform, wait_until

MESSAGES = 1000
SENDERS = 40


def _messages(prefix: str) -> list[tuple[str, str]]:
    return [(f"+86138{index % SENDERS:08d}", f"{prefix}-{index}") for index in range(MESSAGES)]


def _timeline_count(platform: Platform, tenant: str) -> int:
    return int(platform.scalar("profile", "SELECT count(*) FROM timeline WHERE tenant_id = :t", t=tenant))


def _assert_exactly_once(platform: Platform, tenant: str, prefix: str) -> None:
    total = _timeline_count(platform, tenant)
    distinct = platform.scalar(
        "profile",
        "SELECT count(DISTINCT summary) FROM timeline WHERE tenant_id = :t AND summary LIKE :p",
        t=tenant, p=f"{prefix}-%",
    )
    inbox = platform.scalar("profile", "SELECT count(*) FROM inbox")
    customers = platform.scalar("profile", "SELECT count(*) FROM customers WHERE tenant_id = :t", t=tenant)
    assert (total, distinct) == (MESSAGES, MESSAGES), "every accepted message has exactly one effect"
    assert inbox == MESSAGES, "each message.received event was recorded once in the inbox"
    assert customers == SENDERS, "each sender resolved to one customer"
    assert platform.scalar("ingest", "SELECT count(*) FROM outbox") == 0, "ingest's outbox drained"


def test_events_survive_a_broker_killed_mid_stream(platform: Platform, sms_channel) -> None:
    platform.start(["ingest", "profile"])
    gateway = sms_channel(platform, "acme")
    messages = _messages("nats-kill")
    first, second = messages[:400], messages[400:]

    assert set(asyncio.run(gateway.send_many(first))) == {200}
    assert platform.nats is not None
    platform.nats.kill()  # SIGKILL: no chance to flush anything
    # Ingest keeps accepting while the broker is down: the outbox holds the events.
    assert set(asyncio.run(gateway.send_many(second[:300]))) == {200}
    platform.nats.start()
    assert set(asyncio.run(gateway.send_many(second[300:]))) == {200}

    wait_until(lambda: _timeline_count(platform, "acme") >= MESSAGES, 120, "1,000 timeline entries")
    time.sleep(2)  # let any redelivery arrive: it must change nothing
    _assert_exactly_once(platform, "acme", "nats-kill")


def test_events_survive_the_consumer_killed_mid_batch(platform: Platform, sms_channel) -> None:
    platform.start(["ingest", "profile"])
    gateway = sms_channel(platform, "acme")
    messages = _messages("consumer-kill")
    assert set(asyncio.run(gateway.send_many(messages[:300]))) == {200}
    wait_until(lambda: _timeline_count(platform, "acme") >= 150, 60, "profile to be mid-stream")
    # The rest one at a time, so that profile (which resolves faster than they arrive) is still
    # consuming when it is killed, whatever the machine's speed.
    rest: list[int] = []
    sender = threading.Thread(target=lambda: rest.extend(asyncio.run(gateway.send_many(messages[300:], 1))))
    sender.start()
    wait_until(lambda: _timeline_count(platform, "acme") >= 350, 60, "profile to consume the rest")
    platform.services["profile"].kill()  # SIGKILL while batches are in flight
    killed_at = _timeline_count(platform, "acme")
    sender.join()
    assert set(rest) == {200} and len(rest) == MESSAGES - 300
    assert killed_at < MESSAGES, "the kill landed before the consumer finished"
    platform.restart("profile")

    wait_until(lambda: _timeline_count(platform, "acme") >= MESSAGES, 120, "1,000 timeline entries")
    time.sleep(2)
    _assert_exactly_once(platform, "acme", "consumer-kill")
