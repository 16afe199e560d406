"""Consent per channel and purpose, opt-outs from ingest, do-not-contact, and the check API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from switchboard.common.events.base import Envelope, parse_payload
from switchboard.common.events.ingest import ConsentOptedOut, MessageReceived
from switchboard.common.events.profile import ConsentChanged
from switchboard.profile.models import backbone

PHONE = "+8613800138000"


async def consent_events(sessions) -> list[ConsentChanged]:
    async with sessions() as session:
        rows = await session.execute(select(backbone.outbox.c.envelope).order_by(backbone.outbox.c.seq))
        envelopes = [Envelope.model_validate_json(r.envelope) for r in rows]
    return [parse_payload(e) for e in envelopes if e.type == ConsentChanged.event_type()]  # type: ignore[misc]


async def check(api, purpose: str, address: str = PHONE, channel: str = "sms", **kw) -> tuple[bool, str]:
    response = await api.get(
        "/v1/consent/check",
        roles=("service",),
        params={"channel": channel, "address": address, "purpose": purpose},
        **kw,
    )
    assert response.status_code == 200, response.text
    return response.json()["allowed"], response.json()["reason"]


async def test_granting_and_revoking_publishes_each_change_once(api, sessions) -> None:
    cid = (
        await api.post(
            "/v1/customers",
            json={"identities": [{"kind": "phone", "value": PHONE}, {"kind": "email", "value": "w@x.cn"}]},
        )
    ).json()["id"]
    assert await check(api, "marketing") == (False, "opt_in_required")
    assert await check(api, "survey") == (True, "default_allowed")
    grant = {"channel": "sms", "purpose": "marketing", "granted": True, "source": "web-form"}
    assert (await api.put(f"/v1/customers/{cid}/consent", json=grant, roles=("agent",))).status_code == 200
    assert (await api.put(f"/v1/customers/{cid}/consent", json=grant)).status_code == 200
    assert await check(api, "marketing") == (True, "granted")
    revoke = {**grant, "granted": False, "address": "13800138000"}
    assert (await api.put(f"/v1/customers/{cid}/consent", json=revoke)).status_code == 422, "no region"
    await api.put("/v1/settings", json={"default_region": "CN"})
    assert (await api.put(f"/v1/customers/{cid}/consent", json=revoke)).status_code == 200
    assert await check(api, "marketing", address="138 0013 8000") == (False, "revoked")

    events = await consent_events(sessions)
    assert [(e.channel, e.address, e.purpose, e.granted, e.customer_id) for e in events] == [
        ("sms", PHONE, "marketing", True, cid),
        ("sms", PHONE, "marketing", False, cid),
    ]
    other = await api.put(f"/v1/customers/{cid}/consent", json={**grant, "channel": "chat"})
    assert other.status_code == 422 and "chat" in other.json()["detail"]


async def test_an_ingest_opt_out_revokes_marketing_and_surveys_but_not_service(
    deliver, api, sessions
) -> None:
    await deliver(
        MessageReceived(
            message_id="m1",
            conversation_id="c1",
            channel="sms",
            channel_id="ch",
            from_address=PHONE,
            to_address="+8610086",
            received_at=datetime.now(UTC),
        )
    )
    await api.put("/v1/settings", json={"marketing_requires_opt_in": False})
    assert await check(api, "marketing") == (True, "default_allowed")
    await deliver(
        ConsentOptedOut(
            channel="sms", address=PHONE, keyword="退订", conversation_id="c1", at=datetime.now(UTC)
        )
    )
    assert await check(api, "marketing") == (False, "revoked")
    assert await check(api, "survey") == (False, "revoked")
    assert await check(api, "service") == (True, "default_allowed")
    assert await check(api, "marketing", channel="voice") == (True, "default_allowed")
    assert await check(api, "marketing", tenant="globex") == (False, "opt_in_required")
    events = await consent_events(sessions)
    assert {(e.purpose, e.granted, e.source) for e in events} == {
        ("marketing", False, "keyword:退订"),
        ("survey", False, "keyword:退订"),
    }
    [customer] = (await api.get("/v1/customers", params={"phone": PHONE})).json()
    assert all(e.customer_id == customer["id"] for e in events)
    kinds = [i["kind"] for i in (await api.get(f"/v1/customers/{customer['id']}/timeline")).json()["items"]]
    assert "consent.opted_out" in kinds


async def test_an_opt_out_from_an_unknown_address_is_still_honoured(deliver, api) -> None:
    await deliver(
        ConsentOptedOut(channel="sms", address="+8613900139000", keyword="STOP", at=datetime.now(UTC))
    )
    assert await check(api, "survey", address="+8613900139000") == (False, "revoked")


async def test_do_not_contact_blocks_marketing_and_surveys_and_imports_report_bad_rows(api, sessions) -> None:
    await api.put("/v1/settings", json={"default_region": "CN", "marketing_requires_opt_in": False})
    added = await api.post(
        "/v1/do-not-contact", json={"channel": "voice", "address": "13800138000", "reason": "regulator list"}
    )
    assert added.status_code == 201
    assert await check(api, "marketing", channel="voice") == (False, "do_not_contact")
    assert await check(api, "survey", channel="voice") == (False, "do_not_contact")
    assert await check(api, "service", channel="voice") == (True, "default_allowed")
    csv_body = (
        "channel,address,reason\nsms,13900139000,asked\nfax,123,x\nemail,not-an-email,\n"
        "email,Li@Example.cn,complaint\nsms\n"
    )
    report = (await api.post("/v1/do-not-contact/import", content=csv_body.encode())).json()
    assert (report["imported"], report["rejected"]) == (2, 3)
    assert [e["line"] for e in report["errors"]] == [3, 4, 6]
    assert "address" in report["errors"][1]["error"]
    assert await check(api, "marketing", channel="email", address="li@example.cn") == (
        False,
        "do_not_contact",
    )
    entries = (await api.get("/v1/do-not-contact")).json()
    assert len(entries) == 3
    assert (await api.get("/v1/do-not-contact", roles=("agent",))).status_code == 403
    removed = await api.delete(f"/v1/do-not-contact/{added.json()['id']}")
    assert removed.status_code == 204
    assert await check(api, "marketing", channel="voice") == (True, "default_allowed")
    assert (await api.delete(f"/v1/do-not-contact/{added.json()['id']}")).status_code == 404
    voice = [(e.purpose, e.granted) for e in await consent_events(sessions) if e.channel == "voice"]
    assert voice == [("marketing", False), ("survey", False), ("marketing", True), ("survey", True)]


async def test_the_check_names_bad_input(api) -> None:
    bad = await api.get(
        "/v1/consent/check", params={"channel": "sms", "address": "+86 12", "purpose": "marketing"}
    )
    assert bad.status_code == 422 and "address" in bad.json()["detail"]
    bad = await api.get(
        "/v1/consent/check", params={"channel": "pigeon", "address": "x", "purpose": "marketing"}
    )
    assert bad.status_code == 422 and "channel" in bad.json()["detail"]
    unique = str(uuid.uuid4())
    assert (
        await api.get(
            "/v1/consent/check", params={"channel": "chat", "address": unique, "purpose": "service"}
        )
    ).json()["allowed"] is True
