"""The admin API: campaigns, CSV lists, start/pause/stop; bad input is a 4xx naming the problem."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from switchboard.campaign.models import Contact, ContactList
from switchboard.common.events.profile import ConsentChanged

BLAST = {"name": "Spring offer", "kind": "sms_blast", "message_template": "Hi $name, 20% off today"}
CSV = (
    "phone,name\n"
    "+8613800138000,Li\n"          # line 2
    "13900139000,Wang\n"           # 3: national, default region CN
    "not-a-number,X\n"             # 4
    ",Empty\n"                     # 5
    "+86 138 0013 8000,Again\n"    # 6: duplicate of line 2
)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


async def create(client, **overrides) -> dict:
    response = await client.post("/v1/campaigns", json={**BLAST, **overrides})
    assert response.status_code == 201, response.text
    return response.json()


async def upload(client, campaign_id: str, text: str = CSV):
    return await client.post(f"/v1/campaigns/{campaign_id}/lists", params={"name": "march"},
                             content=text.encode(), headers={"Content-Type": "text/csv"})


async def test_invalid_schedules_windows_and_templates_get_422_naming_the_field(api) -> None:
    admin = api()
    cases = [
        ({"schedule": {"window": {"start": "21:00", "end": "09:00"}}}, "schedule.window"),
        ({"schedule": {"quiet_hours": [{"start": "08:00", "end": "22:00"}]}}, "quiet_hours"),
        ({"schedule": {"start_date": "2026-05-01", "end_date": "2026-04-01"}}, "end_date"),
        ({"schedule": {"weekdays": [7]}}, "weekdays"),
        ({"message_template": "Hi $"}, "template"),
        ({"message_template": None}, "message_template"),
        ({"kind": "progressive", "channel": "sms"}, "channel"),
        ({"kind": "survey"}, "survey_kind"),
        ({"kind": "survey", "channel": "voice", "survey_kind": "csat", "message_template": None},
         "message_template: required: the question the call asks"),
        ({"kind": "journey", "channel": "voice", "journey_trigger": "call_ended"}, "channel"),
        ({"default_time_zone": "Mars/Olympus"}, "default_time_zone"),
        ({"default_region": "XX"}, "default_region"),
        ({"retry": {"retry_minutes": {"busy": -5}}}, "retry_minutes"),
        ({"disposition_codes": [{"code": "sale", "label": "Sale", "effect": "converted"},
                                {"code": "sale", "label": "Sold", "effect": "converted"}]},
         "disposition_codes: the code 'sale' is used twice"),
    ]
    for body, field in cases:
        detail = problem(await admin.post("/v1/campaigns", json={**BLAST, **body}), 422)["detail"]
        assert field in detail, (body, detail)
    assert (await admin.get("/v1/campaigns")).json() == []


async def test_a_csv_list_imports_good_rows_and_reports_each_bad_one(api, sessions) -> None:
    admin = api()
    campaign = await create(admin)
    response = await upload(admin, campaign["id"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["accepted"] == 2 and body["suppressed"] == 0
    assert body["rejected"] == [
        {"line": 4, "reason": "phone: not a valid number"},
        {"line": 5, "reason": "phone: empty"},
        {"line": 6, "reason": "phone: duplicate of line 2"},
    ]
    again = (await upload(admin, campaign["id"], "phone,name\n+8613900139000,W\n+8613700137000,Z\n")).json()
    assert (again["accepted"], again["duplicates"]) == (1, 1)
    async with sessions() as session:
        addresses = set(await session.scalars(select(Contact.address)))
        fields = await session.scalar(select(Contact.fields).where(Contact.address == "+8613800138000"))
    assert addresses == {"+8613800138000", "+8613900139000", "+8613700137000"}
    assert fields == {"name": "Li"}


async def test_a_list_missing_a_template_variable_is_refused_whole(api, sessions) -> None:
    admin = api()
    campaign = await create(admin, message_template="Hi $name, your plan $plan ends soon")
    detail = problem(await upload(admin, campaign["id"]), 422)["detail"]
    assert "'plan'" in detail
    detail = problem(await upload(admin, campaign["id"], "name\nLi\n"), 422)["detail"]
    assert "'phone' column" in detail
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContactList)) == 0
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0


async def test_starting_an_empty_or_fully_suppressed_list_is_409_with_counts(api, deliver) -> None:
    admin = api()
    campaign = await create(admin)
    body = problem(await admin.post(f"/v1/campaigns/{campaign['id']}/start"), 409)
    assert (body["listed"], body["suppressed"]) == (0, 0) and "empty" in body["detail"]

    await deliver(ConsentChanged(channel="sms", address="+8613800138000", purpose="marketing",
                                 granted=False, source="agent", at=datetime.now(UTC)), source="profile")
    listed = (await upload(admin, campaign["id"], "phone,name\n+8613800138000,Li\n")).json()
    assert (listed["accepted"], listed["suppressed"]) == (1, 1)
    body = problem(await admin.post(f"/v1/campaigns/{campaign['id']}/start"), 409)
    assert (body["listed"], body["suppressed"]) == (1, 1) and "suppressed" in body["detail"]


async def test_start_pause_stop_and_edits_only_while_not_running(api) -> None:
    admin = api("acme", "supervisor")
    campaign = await create(admin)
    await upload(admin, campaign["id"])
    cid = campaign["id"]
    assert (await admin.post(f"/v1/campaigns/{cid}/start")).json()["status"] == "running"
    problem(await admin.patch(f"/v1/campaigns/{cid}", json={"name": "x"}), 409)
    assert (await admin.post(f"/v1/campaigns/{cid}/pause")).json()["status"] == "paused"
    patched = await admin.patch(f"/v1/campaigns/{cid}", json={"weekly_cap": 5, "schedule": {
        "window": {"start": "10:00", "end": "20:00"}, "quiet_hours": [{"start": "12:00", "end": "14:00"}]}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["schedule"]["quiet_hours"] == [{"start": "12:00:00", "end": "14:00:00"}]
    problem(await admin.patch(f"/v1/campaigns/{cid}", json={"message_template": "$"}), 422)
    assert (await admin.post(f"/v1/campaigns/{cid}/stop")).json()["status"] == "stopped"
    problem(await admin.post(f"/v1/campaigns/{cid}/start"), 409)
    problem(await upload(admin, cid), 409)


async def test_other_tenants_get_404_and_agents_read_but_cannot_administer(api) -> None:
    campaign = await create(api())
    other = api("globex")
    for response in (await other.get(f"/v1/campaigns/{campaign['id']}"),
                     await upload(other, campaign["id"]),
                     await other.post(f"/v1/campaigns/{campaign['id']}/start"),
                     await other.get(f"/v1/campaigns/{campaign['id']}/results")):
        problem(response, 404)
    assert (await other.get("/v1/campaigns")).json() == []
    assert "admin" in problem(await api("acme", "agent").post("/v1/campaigns", json=BLAST), 403)["detail"]
    assert [c["id"] for c in (await api("acme", "agent").get("/v1/campaigns")).json()] == [campaign["id"]]
    problem(await api("acme", "agent").post(f"/v1/campaigns/{campaign['id']}/start"), 403)
