"""Merging customer records: survivorship, history from both, automatic on a verified identity."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from switchboard.common.events.base import Envelope, parse_payload
from switchboard.common.events.ingest import MessageReceived
from switchboard.common.events.profile import CustomerMerged
from switchboard.profile.models import backbone

PHONE, EMAIL = "+8613800138000", "wang@example.cn"


async def merges(sessions) -> list[CustomerMerged]:
    async with sessions() as session:
        rows = await session.execute(select(backbone.outbox.c.envelope).order_by(backbone.outbox.c.seq))
        envelopes = [Envelope.model_validate_json(r.envelope) for r in rows]
    return [parse_payload(e) for e in envelopes if e.type == CustomerMerged.event_type()]  # type: ignore[misc]


async def two_records(api, deliver) -> tuple[str, str]:
    """One person known twice: by phone (older, from the hotline) and by email (the web site)."""
    await api.put("/v1/tiers/vip", json={"rank": 10})
    now = datetime.now(UTC)
    await deliver(
        MessageReceived(
            message_id="m1",
            conversation_id="c-sms",
            channel="sms",
            channel_id="ch",
            from_address=PHONE,
            to_address="+8610086",
            received_at=now - timedelta(hours=2),
        )
    )
    [phone_record] = (await api.get("/v1/customers", params={"phone": PHONE})).json()
    await api.patch(
        f"/v1/customers/{phone_record['id']}",
        json={"name": "王芳", "tags": ["broadband"], "attributes": {"plan": "A"}},
    )
    email_record = (
        await api.post(
            "/v1/customers",
            json={
                "name": "Fang Wang",
                "tier": "vip",
                "language": "en",
                "tags": ["web", "broadband"],
                "attributes": {"plan": "B", "newsletter": True},
                "identities": [{"kind": "email", "value": EMAIL}, {"kind": "external", "value": "crm:C-9"}],
            },
        )
    ).json()
    await deliver(
        MessageReceived(
            message_id="m2",
            conversation_id="c-mail",
            channel="email",
            channel_id="ch2",
            from_address=EMAIL,
            to_address="help@x.cn",
            received_at=now - timedelta(hours=1),
        )
    )
    return phone_record["id"], email_record["id"]


async def test_a_manual_merge_keeps_both_histories_and_applies_survivorship(api, deliver, sessions) -> None:
    survivor, merged = await two_records(api, deliver)
    response = await api.post(
        "/v1/customers/merge", json={"survivor_id": survivor, "merged_id": merged}, roles=("supervisor",)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == survivor
    assert (body["name"], body["tier"], body["language"]) == ("王芳", "vip", "en")
    assert body["tags"] == ["broadband", "web"]
    assert body["attributes"] == {"plan": "A", "newsletter": True}
    assert body["external_ids"] == {"crm": "C-9"}
    assert {i["kind"] for i in body["identities"]} == {"phone", "email", "external"}
    timeline = (await api.get(f"/v1/customers/{survivor}/timeline")).json()["items"]
    assert [i["conversation_id"] for i in timeline] == ["c-mail", "c-sms"]
    assert (await api.get(f"/v1/customers/{merged}")).json()["id"] == survivor, "the old id still answers"
    [email_owner] = (await api.get("/v1/customers", params={"email": EMAIL})).json()
    assert email_owner["id"] == survivor
    [event] = await merges(sessions)
    assert (event.survivor_id, event.merged_id, event.reason) == (survivor, merged, "manual")

    again = await api.post("/v1/customers/merge", json={"survivor_id": survivor, "merged_id": merged})
    assert again.status_code == 409 and "already merged" in again.json()["detail"]


async def test_conflicting_merges_are_409s_with_the_reason(api, deliver) -> None:
    survivor, merged = await two_records(api, deliver)
    same = await api.post("/v1/customers/merge", json={"survivor_id": survivor, "merged_id": survivor})
    assert same.status_code == 409 and "itself" in same.json()["detail"]
    await api.post(f"/v1/customers/{survivor}/identities", json={"kind": "external", "value": "crm:C-1"})
    crm = await api.post("/v1/customers/merge", json={"survivor_id": survivor, "merged_id": merged})
    assert crm.status_code == 409 and "different crm ids" in crm.json()["detail"]
    assert (
        await api.post(
            "/v1/customers/merge", roles=("agent",), json={"survivor_id": survivor, "merged_id": merged}
        )
    ).status_code == 403
    assert (
        await api.post(
            "/v1/customers/merge", tenant="globex", json={"survivor_id": survivor, "merged_id": merged}
        )
    ).status_code == 404
    missing = await api.post(
        "/v1/customers/merge", json={"survivor_id": survivor, "merged_id": str(uuid.uuid4())}
    )
    assert missing.status_code == 404


async def test_a_verified_identity_held_by_another_record_merges_them_older_surviving(
    api, deliver, sessions
) -> None:
    older, newer = await two_records(api, deliver)
    unverified = await api.post(f"/v1/customers/{newer}/identities", json={"kind": "phone", "value": PHONE})
    assert unverified.status_code == 409
    verified = await api.post(
        f"/v1/customers/{newer}/identities",
        json={"kind": "phone", "value": PHONE, "verified": True},
        roles=("agent",),
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["id"] == older
    phone = [i for i in verified.json()["identities"] if i["kind"] == "phone"]
    assert phone == [{"kind": "phone", "value": PHONE, "verified": True}]
    [event] = await merges(sessions)
    assert (event.survivor_id, event.merged_id, event.reason) == (older, newer, "verified_identity")
    pop = (await api.get("/v1/screen-pop", params={"email": EMAIL})).json()
    assert pop["customer"]["id"] == older and pop["repeat"]["contacts_7d"] == 2
