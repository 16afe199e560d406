"""An agent closes a conversation: one conversation.closed, and the next SMS opens a new one."""

from __future__ import annotations

import pytest

from switchboard.common.testing import Platform

pytestmark = pytest.mark.integration

CLOSED = "SELECT count(*) FROM outbox WHERE subject LIKE '%.ingest.conversation.closed'"


def test_an_agent_closes_a_conversation_once_and_the_next_message_opens_a_new_one(
    platform: Platform, sms_channel
) -> None:
    platform.start(["ingest"])
    gateway = sms_channel(platform, "acme")
    assert platform.nats is not None
    platform.nats.kill()  # keep the events in the outbox, where the test can read them
    first = gateway.send("+8613800138000", "hello").json()["conversation_id"]

    with platform.client("ingest", "acme", "agent") as agent:
        assert agent.post(f"/v1/conversations/{first}/close").json()["status"] == "closed"
        assert agent.post(f"/v1/conversations/{first}/close").status_code == 200
    with platform.client("ingest", "globex", "agent") as other_tenant:
        assert other_tenant.post(f"/v1/conversations/{first}/close").status_code == 404

    assert platform.scalar("ingest", CLOSED) == 1
    assert gateway.send("+8613800138000", "again").json()["conversation_id"] != first
