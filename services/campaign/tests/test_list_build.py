"""A stored list upload on the inputs that make lists hard: every count, reason and stored row."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from switchboard.campaign.lists import import_list
from switchboard.campaign.models import Campaign, Contact
from switchboard.campaign.outcomes import revoke_consent
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.repository._base import LARGE_LIST
from switchboard.common.events.profile import ConsentChanged, CustomerUpdated

BLAST = {"name": "Spring offer", "kind": "sms_blast", "message_template": "Hi $name"}
CSV = (
    "phone,name,time_zone\n"
    "+8613800138000,Li,\n"               # 2
    "138-0013-8001,Dash,\n"              # 3: national, dashes
    "138 0013 8002,Space,\n"             # 4: national, spaces
    "0086 138 0013 8003,Idd,\n"          # 5: China's international prefix
    "+86 138 0013 8000,Again,\n"         # 6: duplicate of line 2
    "008613800138001,Again,\n"           # 7: duplicate of line 3
    "8613800138004,NoPlus,\n"            # 8: country code without a plus
    "+1 212-555-0123,Ny,\n"              # 9: another region
    "+44 20 7183 8750,London,\n"         # 10
    "+44 (0) 20 7183 8751,Paren,\n"      # 11: the full parser's kind of cell
    "12ab,Bad,\n"                        # 12
    "+86 123,Short,\n"                   # 13
    ",Empty,\n"                          # 14
    "13800138005,OptedOut,\n"            # 15: consent revoked for marketing
    "13800138006,Dnc,\n"                 # 16: do-not-call from an earlier disposition
    "13800138007,Stop,Mars/Olympus\n"    # 17: unknown zone
    "13800138008,Zoned,Europe/Paris\n"   # 18
    "13900139000,Earlier,\n"             # 19: already on the campaign
)


async def test_a_list_of_hard_cells_is_stored_with_every_count_reason_and_row(api, sessions, deliver) -> None:
    admin = api()
    campaign = (await admin.post("/v1/campaigns", json=BLAST)).json()
    earlier = await admin.post(f"/v1/campaigns/{campaign['id']}/lists",
                               content=b"phone,name\n13900139000,E\n", headers={"Content-Type": "text/csv"})
    assert earlier.json()["accepted"] == 1
    await deliver(ConsentChanged(channel="sms", address="+8613800138005", purpose="marketing",
                                 granted=False, source="agent", at=datetime.now(UTC)), source="profile")
    async with sessions() as session:
        await revoke_consent(CampaignRepository(session), "acme", "sms", "+8613800138006", "dnc",
                             "disposition", datetime.now(UTC))
        await session.commit()

    response = await admin.post(f"/v1/campaigns/{campaign['id']}/lists", params={"name": "hard"},
                                content=CSV.encode(), headers={"Content-Type": "text/csv"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["suppressed"]) == (11, 1, 2)
    assert body["rejected"] == [
        {"line": 6, "reason": "phone: duplicate of line 2"},
        {"line": 7, "reason": "phone: duplicate of line 3"},
        {"line": 12, "reason": "phone: not a valid number"},
        {"line": 13, "reason": "phone: not a valid number"},
        {"line": 14, "reason": "phone: empty"},
        {"line": 17, "reason": "time_zone: unknown time zone 'Mars/Olympus'"},
    ]
    async with sessions() as session:
        rows = await session.scalars(select(Contact).where(Contact.list_id == body["id"]))
        stored = {c.address: c for c in rows}
    assert {a: (c.fields["name"], c.zones, c.status, c.suppressed_reason) for a, c in stored.items()} == {
        "+8613800138000": ("Li", "Asia/Shanghai", "pending", None),
        "+8613800138001": ("Dash", "Asia/Shanghai", "pending", None),
        "+8613800138002": ("Space", "Asia/Shanghai", "pending", None),
        "+8613800138003": ("Idd", "Asia/Shanghai", "pending", None),
        "+8613800138004": ("NoPlus", "Asia/Shanghai", "pending", None),
        "+12125550123": ("Ny", "America/New_York", "pending", None),
        "+442071838750": ("London", "Europe/London", "pending", None),
        "+442071838751": ("Paren", "Europe/London", "pending", None),
        "+8613800138005": ("OptedOut", "Asia/Shanghai", "suppressed", "consent"),
        "+8613800138006": ("Dnc", "Asia/Shanghai", "suppressed", "consent"),
        "+8613800138008": ("Zoned", "Europe/Paris", "pending", None),
    }
    for contact in stored.values():
        assert (contact.campaign_id, contact.dedupe_key, contact.attempts_made) == (campaign["id"], "", 0)
        assert (contact.next_attempt_at is None) == (contact.status == "suppressed")
        assert set(contact.fields) == {"name"} and not contact.converted
    assert len({c.id for c in stored.values()}) == 11


async def test_each_contact_is_stored_due_at_the_first_instant_its_own_zone_allows(api, sessions) -> None:
    admin = api()
    campaign = (await admin.post("/v1/campaigns", json={
        **BLAST, "schedule": {"window": {"start": "09:00", "end": "21:00"},
                              "quiet_hours": [{"start": "12:00", "end": "14:00"}]}})).json()
    at = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # Monday 12:30 in Shanghai, 04:30 in London
    async with sessions() as session:
        repo = CampaignRepository(session)
        stored = await session.get(Campaign, campaign["id"])
        assert stored is not None
        await import_list(repo, stored, "zones", "phone,name\n+8613800138000,Li\n+442071838750,Bob\n"
                          "+12125550123,Ann\n+8613800138001,Out\n", at)
        await session.commit()
        due = {c.address: c.next_attempt_at for c in await session.scalars(select(Contact))}
    assert due == {
        "+8613800138000": datetime(2026, 3, 2, 6, 0, tzinfo=UTC),    # 14:00 in Shanghai, after quiet hours
        "+442071838750": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),     # 09:00 in London
        "+12125550123": datetime(2026, 3, 2, 14, 0, tzinfo=UTC),     # 09:00 in New York
        "+8613800138001": datetime(2026, 3, 2, 6, 0, tzinfo=UTC),
    }


async def test_a_large_list_finds_earlier_contacts_and_refusals_in_one_pass(api, sessions, deliver) -> None:
    admin = api()
    campaign = (await admin.post("/v1/campaigns", json=BLAST)).json()
    await admin.post(f"/v1/campaigns/{campaign['id']}/lists", content=b"phone,name\n13900139000,E\n")
    await deliver(ConsentChanged(channel="sms", address="+8613800000007", purpose="marketing",
                                 granted=False, source="agent", at=datetime.now(UTC)), source="profile")
    numbers = [f"138{n:08d}" for n in range(LARGE_LIST + 1)] + ["13900139000"]
    body = "phone,name\n" + "".join(f"{number},c\n" for number in numbers)
    response = await admin.post(f"/v1/campaigns/{campaign['id']}/lists", content=body.encode())
    assert response.status_code == 201, response.text
    listed = response.json()
    assert (listed["accepted"], listed["duplicates"], listed["suppressed"]) == (LARGE_LIST + 1, 1, 1)


async def test_a_zone_profile_learns_later_moves_waiting_contacts_but_not_a_zone_the_list_named(
    api, sessions, deliver
) -> None:
    admin = api()
    campaign = (await admin.post("/v1/campaigns", json=BLAST)).json()
    listed = await admin.post(f"/v1/campaigns/{campaign['id']}/lists", content=(
        b"phone,name,customer_id,time_zone\n"
        b"+8613800138000,Li,cust-1,\n"                  # zone from the number: Shanghai
        b"+8613800138001,Wang,cust-1,Asia/Tokyo\n"      # the list's own zone wins for good
        b"+8613800138002,Zhao,cust-2,\n"))
    assert listed.status_code == 201, listed.text
    await deliver(CustomerUpdated(customer_id="cust-1", time_zone="Europe/Berlin", at=datetime.now(UTC)),
                  source="profile")
    async with sessions() as session:
        zones = {c.address: c.zones for c in await session.scalars(select(Contact))}
    assert zones == {"+8613800138000": "Europe/Berlin", "+8613800138001": "Asia/Tokyo",
                     "+8613800138002": "Asia/Shanghai"}
