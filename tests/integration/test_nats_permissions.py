"""Per-service NATS users: the broker enforces the bus declaration.

The nats-server runs with the `authorization` block production uses
(`switchboard.common.natsauth`, rendered into deploy/k8s). Each service
connects as its own user: provisioning and the inbound flow still work, and a
service cannot publish in another's name or pull another's consumer. An
internal team's `reader` user subscribes its own durable consumer.
"""

from __future__ import annotations

import asyncio
import uuid

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from switchboard.common.events import Envelope
from switchboard.common.launcher import NatsServer, free_port
from switchboard.common.natsauth import READER, authorization_block
from switchboard.common.streams import SERVICES
from switchboard.common.testing import Platform, backend, wait_until

# What is proved here is the bus's permissions; the database behind the services plays no part.
pytestmark = pytest.mark.skipif(backend() == "postgres", reason="NATS permissions: proved in make test")

PASSWORDS = {user: f"pw-{user}-{uuid.uuid4().hex[:8]}" for user in [*SERVICES, READER]}


async def _connect(url: str, user: str, errors: list[str]) -> nats.NATS:
    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    return await nats.connect(
        url, user=user, password=PASSWORDS[user], error_cb=on_error, max_reconnect_attempts=0,
    )


async def _probe_as_profile(url: str) -> list[str]:
    errors: list[str] = []
    nc = await _connect(url, "profile", errors)
    js = nc.jetstream(timeout=2)
    with pytest.raises(nats.errors.TimeoutError):  # dropped by the broker, never stored
        await js.publish("sb.acme.ingest.message.received", b"{}")
    with pytest.raises(nats.errors.TimeoutError):  # ingest's consumer is not profile's to take
        await js.add_consumer("SB_PROFILE", ConsumerConfig(durable_name="ingest--profile"))
    await nc.close()
    return errors


async def _read_as_team(url: str) -> list[Envelope]:
    errors: list[str] = []
    nc = await _connect(url, READER, errors)
    js = nc.jetstream(timeout=5)
    await js.add_consumer("SB_INGEST", ConsumerConfig(
        durable_name="analytics", ack_policy=AckPolicy.EXPLICIT,
        filter_subject="sb.acme.ingest.message.received",
    ))
    sub = await js.pull_subscribe_bind(durable="analytics", stream="SB_INGEST")
    messages = await sub.fetch(10, timeout=5)
    for message in messages:
        await message.ack()
    assert errors == [], "the team's own consumer needs no more than the reader may do"
    with pytest.raises(nats.errors.TimeoutError):  # a team reads, it does not publish
        await js.publish("sb.acme.ingest.message.received", b"{}")
    await nc.close()
    return [Envelope.model_validate_json(message.data) for message in messages]


def test_services_run_as_their_own_nats_users(platform: Platform, sms_channel) -> None:
    env = {f"{user.upper()}_NATS_PASSWORD": password for user, password in PASSWORDS.items()}
    platform.nats = NatsServer(
        platform.workdir / "nats", port=free_port(),
        extra_config=authorization_block({u: f"${u.upper()}_NATS_PASSWORD" for u in PASSWORDS}),
        extra_env=env,
    ).start()
    for service in ("ingest", "profile"):
        platform.start([service], {"NATS_USER": service, "NATS_PASSWORD": PASSWORDS[service]})

    gateway = sms_channel(platform, "acme")
    assert gateway.send("+8613800000001", "my bill is wrong").status_code == 200
    wait_until(
        lambda: platform.scalar("profile", "SELECT count(*) FROM timeline") == 1, 20,
        "profile to resolve the message under its own NATS user",
    )

    errors = asyncio.run(_probe_as_profile(platform.nats.url))
    violations = [error.lower().removeprefix("nats: ") for error in errors]
    assert 'permissions violation for publish to "sb.acme.ingest.message.received"' in violations
    taking_over = "$js.api.consumer.durable.create.sb_profile.ingest--profile"
    assert f'permissions violation for publish to "{taking_over}"' in violations
    assert platform.scalar("profile", "SELECT count(*) FROM timeline") == 1

    envelopes = asyncio.run(_read_as_team(platform.nats.url))
    assert [e.type for e in envelopes] == ["sb.ingest.message.received.v1"]
    assert envelopes[0].tenant == "acme"
