"""Customer CRUD, identities and tenant-defined tiers over the real app and database."""

from __future__ import annotations

from sqlalchemy import func, select

from switchboard.common.events.base import Envelope
from switchboard.profile.models import Customer, backbone

PHONE = "+8613800138000"


async def _count(sessions, target) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(target)))


async def _event_types(sessions) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(select(backbone.outbox.c.envelope).order_by(backbone.outbox.c.seq))
        return [Envelope.model_validate_json(r.envelope).type for r in rows]


async def test_a_customer_is_created_read_found_and_changed(api, sessions) -> None:
    assert (await api.put("/v1/settings", json={"default_region": "CN"})).status_code == 200
    assert (await api.put("/v1/tiers/vip", json={"rank": 10, "description": "gold"})).status_code == 200
    created = await api.post("/v1/customers", roles=("agent",), json={
        "name": " 王芳 ", "tier": "vip", "language": "zh-CN", "time_zone": "Asia/Shanghai",
        "birthday": "1988-02-29", "tags": ["vip-line", "vip-line", "broadband"],
        "attributes": {"plan": "5G-199", "arpu": 199.5},
        "identities": [{"kind": "phone", "value": "138 0013 8000"},
                       {"kind": "email", "value": "Wang.Fang@Example.CN"},
                       {"kind": "external", "value": "crm:C-1001"}],
    })
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["tier"], body["tags"]) == ("王芳", "vip", ["vip-line", "broadband"])
    assert body["external_ids"] == {"crm": "C-1001"}
    assert {(i["kind"], i["value"]) for i in body["identities"]} == {
        ("phone", PHONE), ("email", "wang.fang@example.cn"), ("external", "crm:C-1001")}

    found = await api.get("/v1/customers", params={"external": "crm:C-1001"}, roles=("agent",))
    assert [c["id"] for c in found.json()] == [body["id"]]
    found = await api.get("/v1/customers", params={"phone": "13800138000"}, roles=("agent",))
    assert [c["id"] for c in found.json()] == [body["id"]]

    changed = await api.patch(f"/v1/customers/{body['id']}", roles=("agent",), json={
        "name": "Wang Fang", "attributes": {"arpu": None, "churn_risk": True}, "tier": None})
    assert changed.status_code == 200, changed.text
    assert changed.json()["attributes"] == {"plan": "5G-199", "churn_risk": True}
    assert changed.json()["tier"] == "standard", "clearing the tier falls back to standard"
    assert changed.json()["language"] == "zh-CN", "fields not sent are kept"
    again = await api.get(f"/v1/customers/{body['id']}", roles=("agent",))
    assert again.json()["name"] == "Wang Fang"
    assert await _event_types(sessions) == ["sb.profile.customer.updated.v1"] * 2


async def test_bad_fields_are_422s_naming_the_field_and_store_nothing(api, sessions) -> None:
    cases = [
        ({"tier": "gold"}, "tier"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"language": "Chinese!"}, "language"),
        ({"birthday": "2999-01-01"}, "birthday"),
        ({"tags": [""]}, "tags"),
        ({"attributes": {"nested": {"a": 1}}}, "attributes.nested"),
        ({"identities": [{"kind": "phone", "value": "12"}]}, "identities.0.value"),
        ({"identities": [{"kind": "email", "value": "not-an-email"}]}, "identities.0.value"),
        ({"identities": [{"kind": "external", "value": "no system"}]}, "identities.0.value"),
        ({"identities": [{"kind": "fax", "value": "1"}]}, "identities.0.kind"),
        ({"unknown_field": 1}, "unknown_field"),
    ]
    for body, field in cases:
        response = await api.post("/v1/customers", json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in response.json()["detail"], (field, response.json()["detail"])
    assert await _count(sessions, Customer) == 0
    assert await _count(sessions, backbone.outbox) == 0


async def test_an_identity_held_by_another_customer_is_a_conflict_and_leaves_nothing(api, sessions) -> None:
    first = await api.post("/v1/customers", json={"identities": [{"kind": "phone", "value": PHONE}]})
    assert first.status_code == 201
    second = await api.post("/v1/customers", json={
        "name": "Someone", "identities": [{"kind": "email", "value": "x@y.cn"},
                                          {"kind": "phone", "value": PHONE}]})
    assert second.status_code == 409
    assert first.json()["id"] in second.json()["detail"]
    assert await _count(sessions, Customer) == 1

    other = (await api.post("/v1/customers", json={})).json()
    added = await api.post(f"/v1/customers/{other['id']}/identities", json={"kind": "phone", "value": PHONE})
    assert added.status_code == 409


async def test_identities_are_added_and_removed(api) -> None:
    customer = (await api.post("/v1/customers", json={"name": "A"})).json()
    path = f"/v1/customers/{customer['id']}/identities"
    assert (await api.post(path, json={"kind": "visitor", "value": "v-1"})).status_code == 200
    assert [i["value"] for i in (await api.get(path)).json()] == ["v-1"]
    removed = await api.delete(path, params={"kind": "visitor", "value": "v-1"})
    assert removed.status_code == 204
    assert (await api.get(path)).json() == []
    assert (await api.delete(path, params={"kind": "visitor", "value": "v-1"})).status_code == 404


async def test_another_tenants_customer_is_not_found(api) -> None:
    customer = (await api.post("/v1/customers", json={"name": "A"}, tenant="acme")).json()
    for method, path in [("GET", ""), ("PATCH", ""), ("GET", "/timeline"), ("GET", "/identities"),
                         ("GET", "/consent")]:
        kwargs = {"json": {"name": "B"}} if method == "PATCH" else {}
        response = await api.request(method, f"/v1/customers/{customer['id']}{path}", tenant="globex",
                                     **kwargs)
        assert response.status_code == 404, (method, path, response.text)
    assert (await api.get(f"/v1/customers/{customer['id']}")).json()["name"] == "A"


async def test_tiers_are_tenant_defined_and_guarded(api) -> None:
    assert (await api.put("/v1/tiers/vip", json={"rank": 10}, roles=("agent",))).status_code == 403
    assert (await api.put("/v1/tiers/VIP Gold", json={"rank": 10})).status_code == 422
    assert (await api.put("/v1/tiers/vip", json={"rank": 10})).status_code == 200
    assert (await api.put("/v1/tiers/svip", json={"rank": 20})).status_code == 200
    listed = await api.get("/v1/tiers", roles=("agent",))
    assert [t["name"] for t in listed.json()] == ["svip", "vip", "standard"]
    assert [t["name"] for t in (await api.get("/v1/tiers", tenant="globex")).json()] == ["standard"]
    await api.post("/v1/customers", json={"tier": "vip"})
    assert (await api.delete("/v1/tiers/vip")).status_code == 409
    assert (await api.delete("/v1/tiers/svip")).status_code == 204
    assert (await api.post("/v1/customers", json={"tier": "vip"}, tenant="globex")).status_code == 422


async def test_agents_see_id_numbers_masked_and_card_numbers_are_never_stored(api) -> None:
    refused = await api.post("/v1/customers", json={"attributes": {"note": "paid with 4111 1111 1111 1111"}})
    assert refused.status_code == 422 and "attributes.note" in refused.json()["detail"]
    created = await api.post("/v1/customers", json={
        "attributes": {"id_number": "110101199003078888", "plan": "A"},
        "identities": [{"kind": "phone", "value": PHONE}]})
    cid = created.json()["id"]
    as_agent = (await api.get(f"/v1/customers/{cid}", roles=("agent",))).json()["attributes"]
    assert as_agent == {"id_number": "**************8888", "plan": "A"}
    pop = (await api.get("/v1/screen-pop", params={"phone": PHONE}, roles=("agent",))).json()
    assert pop["customer"]["attributes"]["id_number"] == "**************8888"
    as_supervisor = (await api.get(f"/v1/customers/{cid}", roles=("supervisor",))).json()["attributes"]
    assert as_supervisor["id_number"] == "110101199003078888"
