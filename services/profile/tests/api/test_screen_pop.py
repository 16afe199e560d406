"""The screen pop: everything the agent needs about a caller in one answer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from switchboard.common.events.ingest import MessageReceived

PHONE = "+8613800138000"


def message(at: datetime, conversation: str) -> MessageReceived:
    return MessageReceived(
        message_id=str(uuid.uuid4()),
        conversation_id=conversation,
        channel="sms",
        channel_id="ch",
        from_address=PHONE,
        to_address="+8610086",
        text="宽带又断了",
        received_at=at,
    )


async def test_the_screen_pop_shows_customer_tier_consent_open_items_history_and_repeats(
    deliver, api
) -> None:
    await api.put("/v1/settings", json={"default_region": "CN", "time_zone": "Asia/Shanghai"})
    await api.put("/v1/tiers/vip", json={"rank": 10, "description": "gold line"})
    created = await api.post(
        "/v1/customers",
        json={
            "name": "王芳",
            "tier": "vip",
            "tags": ["broadband"],
            "identities": [{"kind": "phone", "value": PHONE}],
        },
    )
    cid = created.json()["id"]
    await api.put(
        f"/v1/customers/{cid}/consent", json={"channel": "sms", "purpose": "marketing", "granted": True}
    )
    now = datetime.now(UTC)
    await deliver(message(now - timedelta(minutes=40), "conv-1"))
    await deliver(message(now - timedelta(minutes=5), "conv-2"))

    response = await api.get("/v1/screen-pop", params={"phone": "138 0013 8000"}, roles=("agent",))
    assert response.status_code == 200, response.text
    pop = response.json()
    assert (pop["customer"]["id"], pop["customer"]["name"]) == (cid, "王芳")
    assert pop["tier"] == {"name": "vip", "rank": 10, "description": "gold line"}
    assert pop["tags"] == ["broadband"]
    consent = {(c["channel"], c["purpose"]): (c["allowed"], c["reason"]) for c in pop["consent"]}
    assert consent[("sms", "marketing")] == (True, "granted")
    assert consent[("voice", "marketing")] == (False, "opt_in_required")
    assert consent[("sms", "service")] == (True, "default_allowed")
    assert [o["conversation_id"] for o in pop["open_items"]] == ["conv-2", "conv-1"]
    assert [i["conversation_id"] for i in pop["last_interactions"]] == ["conv-2", "conv-1"]
    repeat = pop["repeat"]
    assert (repeat["contacts_7d"], repeat["last_channel"], repeat["last_unresolved"]) == (2, "sms", True)
    assert repeat["summary"].startswith(f"{repeat['contacts_today']}")
    assert "unresolved" in repeat["summary"]


async def test_the_screen_pop_refuses_bad_lookups_and_other_tenants(deliver, api) -> None:
    await deliver(message(datetime.now(UTC), "conv-1"))
    assert (await api.get("/v1/screen-pop", params={"phone": PHONE}, roles=("agent",))).status_code == 200
    assert (await api.get("/v1/screen-pop", params={"phone": PHONE}, tenant="globex")).status_code == 404
    assert (await api.get("/v1/screen-pop", params={"email": "nobody@x.cn"})).status_code == 404
    both = await api.get("/v1/screen-pop", params={"phone": PHONE, "email": "a@b.cn"})
    assert both.status_code == 422 and "exactly one" in both.json()["detail"]
    bad = await api.get("/v1/screen-pop", params={"phone": "12"})
    assert bad.status_code == 422 and "phone" in bad.json()["detail"]
    assert (await api.get("/v1/screen-pop", params={"phone": PHONE}, roles=("evaluator",))).status_code == 403
