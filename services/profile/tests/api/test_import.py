"""Customers from CSV: good rows imported, every bad row reported with its line and reason."""

from __future__ import annotations

CSV = """name,phone,email,external_id,tier,language,time_zone,birthday,tags
王芳,13800138000,wang@example.cn,crm:C-1,vip,zh-CN,Asia/Shanghai,1990-05-01,broadband;5g
李雷,+86 139 0013 9000,,,,,,,
no identity,,,,,,,,
bad phone,12,,,,,,,
bad tier,13700137000,,,gold,,,,
bad zone,13600136000,,,,,Mars/Base,,
bad date,13500135000,,,,,,1990-13-01,
duplicate in file,,wang@example.cn,,,,,,
already known,13300133000,,,,,,,
"""


async def test_good_rows_are_imported_and_bad_rows_reported(api) -> None:
    await api.put("/v1/settings", json={"default_region": "CN"})
    await api.put("/v1/tiers/vip", json={"rank": 10})
    known = (
        await api.post("/v1/customers", json={"identities": [{"kind": "phone", "value": "13300133000"}]})
    ).json()
    response = await api.post("/v1/customers/import", content=CSV.encode(), roles=("supervisor",))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["imported"], report["rejected"]) == (2, 7)
    reasons = {e["line"]: e["error"] for e in report["errors"]}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10]
    assert "phone" in reasons[5] and "tier" in reasons[6] and "time_zone" in reasons[7]
    assert "birthday" in reasons[8] and "line 2" in reasons[9] and known["id"] in reasons[10]
    [wang] = (await api.get("/v1/customers", params={"external": "crm:C-1"})).json()
    assert (wang["name"], wang["tier"], wang["tags"], wang["birthday"]) == (
        "王芳",
        "vip",
        ["broadband", "5g"],
        "1990-05-01",
    )
    assert {i["value"] for i in wang["identities"]} == {"+8613800138000", "wang@example.cn", "crm:C-1"}
    assert (await api.get("/v1/customers", params={"phone": "+8613900139000"})).json()[0]["name"] == "李雷"


async def test_an_import_is_refused_whole_only_when_the_file_itself_is_wrong(api) -> None:
    unknown = await api.post("/v1/customers/import", content=b"name,fax\nA,1\n")
    assert unknown.status_code == 422 and "fax" in unknown.json()["detail"]
    assert (await api.post("/v1/customers/import", content=b"")).status_code == 422
    assert (
        await api.post("/v1/customers/import", content=b"name,phone\n", roles=("agent",))
    ).status_code == 403
