"""Export everything about a customer, erase them, and see who looked."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select, text

from switchboard.common.events.base import Envelope, parse_payload
from switchboard.common.events.ingest import ConsentOptedOut, MessageReceived
from switchboard.common.events.profile import CustomerErased
from switchboard.profile.models import backbone

PHONE, EMAIL = "+8613800138000", "wang@example.cn"


async def erased_ids(sessions) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(select(backbone.outbox.c.envelope).order_by(backbone.outbox.c.seq))
        envelopes = [Envelope.model_validate_json(r.envelope) for r in rows]
    return [parse_payload(e).customer_id for e in envelopes if e.type == CustomerErased.event_type()]  # type: ignore[attr-defined]


async def a_known_customer(api, deliver) -> tuple[str, str]:
    await deliver(
        MessageReceived(
            message_id="m1",
            conversation_id="c1",
            channel="sms",
            channel_id="ch",
            from_address=PHONE,
            to_address="+8610086",
            text="我的身份证丢了",
            received_at=datetime.now(UTC),
        )
    )
    [phone_record] = (await api.get("/v1/customers", params={"phone": PHONE})).json()
    cid = phone_record["id"]
    await api.patch(
        f"/v1/customers/{cid}", json={"name": "王芳", "birthday": "1990-05-01", "attributes": {"plan": "A"}}
    )
    await api.put(
        f"/v1/customers/{cid}/consent", json={"channel": "sms", "purpose": "marketing", "granted": True}
    )
    email_record = (
        await api.post("/v1/customers", json={"identities": [{"kind": "email", "value": EMAIL}]})
    ).json()
    await api.post("/v1/customers/merge", json={"survivor_id": cid, "merged_id": email_record["id"]})
    await deliver(ConsentOptedOut(channel="sms", address=PHONE, keyword="STOP", at=datetime.now(UTC)))
    return cid, email_record["id"]


async def test_an_export_holds_everything_about_the_customer(api, deliver) -> None:
    cid, merged = await a_known_customer(api, deliver)
    assert (await api.get(f"/v1/customers/{cid}/export", roles=("supervisor",))).status_code == 403
    response = await api.get(f"/v1/customers/{cid}/export", roles=("admin",))
    assert response.status_code == 200
    document = response.json()
    assert (document["customer"]["name"], document["customer"]["birthday"]) == ("王芳", "1990-05-01")
    assert document["customer"]["merged_from"] == [merged]
    assert {i["value"] for i in document["identities"]} == {PHONE, EMAIL}
    assert {(c["purpose"], c["granted"]) for c in document["consent"]} == {
        ("marketing", False),  # STOP withdrew the earlier grant
        ("survey", False),
    }
    assert [c["id"] for c in document["conversations"]] == ["c1"]
    assert [e["summary"] for e in document["timeline"] if e["kind"] == "message.received"] == [
        "我的身份证丢了"
    ]
    assert (await api.get(f"/v1/customers/{cid}/export", tenant="globex")).status_code == 404


async def test_erasing_removes_personal_data_keeps_suppression_and_tells_every_service(
    api, deliver, sessions
) -> None:
    cid, merged = await a_known_customer(api, deliver)
    assert (await api.post(f"/v1/customers/{cid}/erase", roles=("supervisor",))).status_code == 403
    assert (await api.post(f"/v1/customers/{cid}/erase", tenant="globex")).status_code == 404
    assert (await api.post(f"/v1/customers/{cid}/erase")).status_code == 204

    assert (await api.get(f"/v1/customers/{cid}")).status_code == 404
    assert (await api.get(f"/v1/customers/{merged}")).status_code == 404
    assert (await api.get("/v1/customers", params={"phone": PHONE})).json() == []
    assert (await api.get("/v1/screen-pop", params={"email": EMAIL})).status_code == 404
    assert sorted(await erased_ids(sessions)) == sorted([cid, merged])
    async with sessions() as session:
        leftovers = (
            await session.execute(
                text("select name, birthday, attributes from customers where id in (:a, :b)"),
                {"a": cid, "b": merged},
            )
        ).all()
        summaries = (await session.execute(text("select summary from timeline"))).scalars().all()
    assert leftovers == [(None, None, "{}")] * 2
    assert json.dumps(summaries, ensure_ascii=False).count("身份证") == 0
    check = await api.get(
        "/v1/consent/check", params={"channel": "sms", "address": PHONE, "purpose": "survey"}
    )
    assert check.json() == {**check.json(), "allowed": False, "reason": "revoked", "customer_id": None}
    assert (await api.post(f"/v1/customers/{cid}/erase")).status_code == 404, "already erased"

    # the same phone writing again is a new, unknown customer
    await deliver(
        MessageReceived(
            message_id="m9",
            conversation_id="c9",
            channel="sms",
            channel_id="ch",
            from_address=PHONE,
            to_address="+8610086",
            received_at=datetime.now(UTC),
        )
    )
    [again] = (await api.get("/v1/customers", params={"phone": PHONE})).json()
    assert again["id"] != cid and again["name"] is None


async def test_views_exports_and_erasures_are_logged_with_who_did_them(api, deliver) -> None:
    cid, _ = await a_known_customer(api, deliver)
    await api.get(f"/v1/customers/{cid}", roles=("agent",))
    await api.get("/v1/screen-pop", params={"phone": PHONE}, roles=("agent",))
    await api.get(f"/v1/customers/{cid}/timeline", roles=("supervisor",))
    await api.get(f"/v1/customers/{cid}/export")
    await api.delete(f"/v1/customers/{cid}")
    log = (await api.get(f"/v1/customers/{cid}/access-log", roles=("supervisor",))).json()
    assert [(e["action"], e["roles"]) for e in log][:5][::-1] == [
        ("view", "agent"),
        ("screen_pop", "agent"),
        ("view_timeline", "supervisor"),
        ("export", "admin"),
        ("erase", "admin"),
    ]
    assert {e["actor"] for e in log} == {"alice"}
    assert (await api.get(f"/v1/customers/{cid}/access-log", roles=("agent",))).status_code == 403
    assert (await api.get(f"/v1/customers/{cid}/access-log", tenant="globex")).json() == []
