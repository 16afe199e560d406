"""A poison event is parked after max_deliver, listed, and processed on replay once fixed.

The poison here is real: an SMS from a national number ("13800138000") reaches
profile before the tenant has configured a default region, so the number cannot
be read and the handler fails every time until an admin sets the region.
"""

from __future__ import annotations

import httpx

from switchboard.common.testing import Platform, wait_until


def _dead_letters(platform: Platform, tenant: str) -> list[dict]:
    with platform.client("profile", tenant, "admin") as client:
        response = client.get("/v1/dead-letters")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_poison_event_is_dead_lettered_listed_and_replayed(platform: Platform, sms_channel) -> None:
    platform.start(["ingest", "profile"], {"SB_MAX_DELIVER": "3"})
    gateway = sms_channel(platform, "acme")
    assert gateway.send("13800138000", "my parcel is late").status_code == 200
    assert gateway.send("+8613900139000", "a healthy message").status_code == 200

    wait_until(lambda: len(_dead_letters(platform, "acme")) == 1, 60, "the poison event in the DLQ")
    [letter] = _dead_letters(platform, "acme")
    assert letter["type"] == "sb.ingest.message.received.v1"
    assert letter["deliveries"] == 3
    assert "default region" in letter["error"]
    assert "13800138000" not in letter["error"], "the error text carries no phone number"
    # The healthy message was not held up by the poison one.
    assert platform.scalar("profile", "SELECT count(*) FROM timeline") == 1
    metrics = httpx.get(f"{platform.url('profile')}/metrics").text
    assert 'sb_events_dead_lettered_total{service="profile"} 1.0' in metrics, "alertable"
    # Another tenant sees none of acme's dead letters.
    assert _dead_letters(platform, "globex") == []

    with platform.client("profile", "acme", "admin") as admin:
        still_broken = admin.post(f"/v1/dead-letters/{letter['seq']}/replay")
        assert still_broken.status_code == 409
        assert "handler failed again" in still_broken.json()["detail"]
        assert len(_dead_letters(platform, "acme")) == 1, "a failed replay keeps the dead letter"

        assert admin.put("/v1/settings", json={"default_region": "CN"}).status_code == 200
        replayed = admin.post(f"/v1/dead-letters/{letter['seq']}/replay")
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["outcome"] == "processed"

        customers = admin.get("/v1/customers", params={"phone": "+8613800138000"}).json()
        assert len(customers) == 1
        timeline = admin.get(f"/v1/customers/{customers[0]['id']}/timeline").json()
        assert [entry["summary"] for entry in timeline["items"]] == ["my parcel is late"]

    assert _dead_letters(platform, "acme") == []
    with platform.client("profile", "globex", "admin") as other_tenant:
        assert other_tenant.post(f"/v1/dead-letters/{letter['seq']}/replay").status_code == 404


def test_dead_letter_api_needs_the_admin_role(platform: Platform) -> None:
    platform.start(["profile"])
    with platform.client("profile", "acme", "agent") as agent:
        response = agent.get("/v1/dead-letters")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
