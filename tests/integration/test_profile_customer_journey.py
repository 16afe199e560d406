"""Profile end to end: real ingest, real profile, real NATS.

One customer texts the hotline twice and then texts 退订; routing's outcome
arrives on the bus; an agent pops the screen; the customer's email record is
merged in, exported and erased. Every effect is read back through profile's API
and the bus.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from switchboard.common.events.routing import TaskCompleted
from switchboard.common.testing import Platform, wait_until

pytestmark = pytest.mark.integration

PHONE = "+8613800138000"


def _publish(platform: Platform, payload: TaskCompleted, tenant: str) -> None:
    # Stands in for routing, which publishes this same contract.
    platform.publish(payload, tenant, subject=payload.task_id)


def _profile_events(platform: Platform, tenant: str) -> list[dict]:
    """Every event profile has published for the tenant, read back from its stream."""
    return [envelope.model_dump(mode="json") for envelope in platform.events("profile", tenant)]


def test_a_customers_contacts_consent_outcomes_and_merge_flow_through_profile(
    platform: Platform, sms_channel
) -> None:
    platform.start(["ingest", "profile"])
    gateway = sms_channel(platform, "acme")
    with platform.client("profile", "acme", "admin") as admin:
        assert (
            admin.put("/v1/settings", json={"default_region": "CN", "time_zone": "Asia/Shanghai"}).status_code
            == 200
        )
        assert admin.put("/v1/tiers/vip", json={"rank": 10}).status_code == 200

    assert gateway.send(PHONE, "宽带断了").status_code == 200
    assert gateway.send(PHONE, "还是不行").status_code == 200

    with platform.client("profile", "acme", "agent") as agent:

        def pop() -> dict:
            response = agent.get("/v1/screen-pop", params={"phone": "13800138000"})
            return dict(response.json()) if response.status_code == 200 else {}

        wait_until(
            lambda: pop().get("repeat", {}).get("contacts_7d") == 2, 30, "both messages on the profile"
        )
        screen = pop()
        customer_id = screen["customer"]["id"]
        conversation = screen["open_items"][0]["conversation_id"]
        assert [i["kind"] for i in screen["last_interactions"]] == ["message.received"] * 2
        assert screen["repeat"]["last_unresolved"] is True

        # routing's outcome lands on the timeline and resolves the conversation
        _publish(
            platform,
            TaskCompleted(
                task_id="t-1",
                conversation_id=conversation,
                queue_id="broadband",
                channel="sms",
                at=datetime.now(UTC),
                agent_id="agent-7",
                disposition="resolved",
                talk_seconds=95,
            ),
            "acme",
        )
        wait_until(lambda: pop()["repeat"]["last_unresolved"] is False, 30, "routing's outcome")
        task = pop()["last_interactions"][0]
        assert (task["kind"], task["agent_id"], task["detail"]["disposition"]) == (
            "task.completed",
            "agent-7",
            "resolved",
        )

        # 退订 from the phone: ingest publishes the opt-out, profile revokes and announces
        def check(purpose: str) -> tuple[bool, str]:
            body = agent.get(
                "/v1/consent/check", params={"channel": "sms", "address": PHONE, "purpose": purpose}
            ).json()
            return body["allowed"], body["reason"]

        assert check("survey") == (True, "default_allowed")
        assert gateway.send(PHONE, "退订").status_code == 200
        wait_until(lambda: check("survey") == (False, "revoked"), 30, "the opt-out to reach profile")
        assert check("service") == (True, "default_allowed")

        # an email record of the same person, merged when the agent verifies the email
        email_record = agent.post(
            "/v1/customers",
            json={
                "name": "王芳",
                "tier": "vip",
                "identities": [{"kind": "email", "value": "wang@example.cn"}],
            },
        ).json()
        merged = agent.post(
            f"/v1/customers/{customer_id}/identities",
            json={"kind": "email", "value": "wang@example.cn", "verified": True},
        )
        assert merged.status_code == 200, merged.text
        assert (merged.json()["id"], merged.json()["name"], merged.json()["tier"]) == (
            customer_id,
            "王芳",
            "vip",
        )

    with platform.client("profile", "acme", "admin") as admin:
        assert admin.get(f"/v1/customers/{customer_id}/export").json()["customer"]["merged_from"] == [
            email_record["id"]
        ]
        assert admin.delete(f"/v1/customers/{customer_id}").status_code == 204
        assert admin.get("/v1/screen-pop", params={"phone": PHONE}).status_code == 404

    with platform.client("profile", "globex", "admin") as globex:
        assert globex.get("/v1/screen-pop", params={"phone": PHONE}).status_code == 404
        assert globex.get(f"/v1/customers/{customer_id}").status_code == 404

    def published_types() -> list[str]:
        return [e["type"] for e in _profile_events(platform, "acme")]

    wait_until(lambda: "sb.profile.customer.erased.v1" in published_types(), 30, "the erasure on the bus")
    events = _profile_events(platform, "acme")
    types = [e["type"] for e in events]
    assert types.count("sb.profile.contact.identified.v1") == 3
    revoked = [e["data"] for e in events if e["type"] == "sb.profile.consent.changed.v1"]
    # marketing needed an opt-in it never had: its decision did not change, so only surveys are announced
    assert [(d["purpose"], d["granted"], d["customer_id"]) for d in revoked] == [
        ("survey", False, customer_id)
    ]
    merge = next(e["data"] for e in events if e["type"] == "sb.profile.customer.merged.v1")
    assert (merge["survivor_id"], merge["merged_id"], merge["reason"]) == (
        customer_id,
        email_record["id"],
        "verified_identity",
    )
    erased = {e["data"]["customer_id"] for e in events if e["type"] == "sb.profile.customer.erased.v1"}
    assert erased == {customer_id, email_record["id"]}
    assert _profile_events(platform, "globex") == []
