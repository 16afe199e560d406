"""Rule-based segments: members with their contact points, paged and streamed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from switchboard.profile.models import Customer


async def customer(api, n: int, **fields) -> str:
    body = {
        "identities": [
            {"kind": "phone", "value": f"+86138000000{n:02d}"},
            {"kind": "email", "value": f"c{n}@example.cn"},
        ],
        **fields,
    }
    response = await api.post("/v1/customers", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def members(api, segment_id: str, **params) -> list[dict]:
    response = await api.get(f"/v1/segments/{segment_id}/members", params=params, roles=("service",))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def segment(api, rules: dict, name: str = "s") -> str:
    response = await api.post("/v1/segments", json={"name": name, "rules": rules})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_members_match_every_rule_and_carry_their_contact_points(api, sessions) -> None:
    await api.put("/v1/tiers/vip", json={"rank": 10})
    await api.put("/v1/settings", json={"time_zone": "Asia/Shanghai", "marketing_requires_opt_in": True})
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the tenant's day
    vip = await customer(api, 1, tier="vip", tags=["broadband"], attributes={"plan": "A", "churn_risk": True})
    await customer(api, 2, tier="vip", tags=["mobile"], attributes={"plan": "A"})
    plain = await customer(api, 3, tags=["broadband"], birthday=today.replace(year=1990).isoformat())
    async with sessions() as session:  # vip was last in touch 40 days ago, plain yesterday
        await session.execute(
            update(Customer)
            .where(Customer.id == vip)
            .values(last_contact_at=datetime.now(UTC) - timedelta(days=40))
        )
        await session.execute(
            update(Customer)
            .where(Customer.id == plain)
            .values(last_contact_at=datetime.now(UTC) - timedelta(days=1))
        )
        await session.commit()

    async def ids(rules: dict) -> set[str]:
        seg = await segment(api, rules, name=json.dumps(rules)[:100])
        return {m["customer_id"] for m in await members(api, seg)}

    assert await ids({"tiers": ["vip"], "tags_any": ["broadband"]}) == {vip}
    assert await ids({"attributes": {"plan": "A"}, "churn_risk": True}) == {vip}
    assert len(await ids({"tags_all": ["broadband"]})) == 2
    assert await ids({"last_contact_older_than_days": 30}) == {vip} | (await ids({"tags_any": ["mobile"]}))
    assert await ids({"birthday_today": True}) == {plain}

    await api.put(
        f"/v1/customers/{vip}/consent", json={"channel": "sms", "purpose": "marketing", "granted": True}
    )
    seg = await segment(api, {"consent": {"channel": "sms", "purpose": "marketing"}}, name="sms-marketing")
    [member] = await members(api, seg)
    assert member["customer_id"] == vip and member["tier"] == "vip"
    assert member["contact_points"] == [{"channel": "sms", "address": "+8613800000001"}]
    everyone = await members(api, await segment(api, {}, name="all"))
    assert {(p["channel"]) for p in everyone[0]["contact_points"]} == {"sms", "voice", "email"}


async def test_members_page_in_id_order_and_stream_as_json_lines(api) -> None:
    created = sorted([await customer(api, n, tags=["x"]) for n in range(7)])
    seg = await segment(api, {"tags_any": ["x"]})
    seen, after = [], None
    while True:
        response = await api.get(
            f"/v1/segments/{seg}/members", params={"limit": 3, **({"after": after} if after else {})}
        )
        page = response.json()
        seen += [m["customer_id"] for m in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == created
    streamed = await api.get(f"/v1/segments/{seg}/members.ndjson", roles=("service",))
    assert streamed.headers["content-type"].startswith("application/x-ndjson")
    assert [json.loads(line)["customer_id"] for line in streamed.text.splitlines()] == created


async def test_segments_are_validated_named_once_and_tenant_scoped(api) -> None:
    bad = await api.post(
        "/v1/segments", json={"name": "x", "rules": {"consent": {"channel": "fax", "purpose": "marketing"}}}
    )
    assert bad.status_code == 422 and "channel" in bad.json()["detail"]
    bad = await api.post("/v1/segments", json={"name": "x", "rules": {"colour": "red"}})
    assert bad.status_code == 422 and "colour" in bad.json()["detail"]
    seg = await segment(api, {"tiers": ["vip"]}, name="vips")
    assert (await api.post("/v1/segments", json={"name": "vips", "rules": {}})).status_code == 409
    assert (await api.get(f"/v1/segments/{seg}/members", tenant="globex")).status_code == 404
    assert (await api.get(f"/v1/segments/{seg}", tenant="globex")).status_code == 404
    assert (
        await api.post("/v1/segments", json={"name": "y", "rules": {}}, roles=("agent",))
    ).status_code == 403
    changed = await api.put(f"/v1/segments/{seg}", json={"name": "vips", "rules": {"tiers": ["standard"]}})
    assert changed.json()["rules"]["tiers"] == ["standard"]
    assert (await api.delete(f"/v1/segments/{seg}")).status_code == 204
    assert (await api.get(f"/v1/segments/{seg}")).status_code == 404
