"""A large list's numbers parsed in worker processes: the same contacts and the same rejected rows
as the list read in one process, to the row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from switchboard.campaign.api.lists import list_parsing
from switchboard.campaign.domain.csv_import import import_contacts
from switchboard.campaign.list_workers import ListParsing, import_contacts_in_workers
from switchboard.campaign.lists import import_list
from switchboard.campaign.models import Campaign, Contact, ContactList
from switchboard.campaign.outcomes import revoke_consent
from switchboard.campaign.repository import CampaignRepository

BLAST = {"name": "Spring offer", "kind": "sms_blast", "message_template": "Hi $name"}
# Slices of 7 rows: duplicates of a line in an earlier slice, hard cells on every slice boundary.
FORCED = ListParsing(workers=2, min_rows=1, slice_rows=7)
CELLS = [
    "+8613800138000", "138-0013-8001", "138 0013 8002", "0086 138 0013 8003", "+86 138 0013 8000",
    "008613800138001", "8613800138004", "+1 212-555-0123", "+44 20 7183 8750", "+44 (0) 20 7183 8751",
    "12ab", "+86 123", "", "13800138005", '"+44 20 7183 8752, ext. 9"', "+8613800138004",
    "tel:+1-212-555-0124", "020 7183 8753", "+999 1234 5678", "13800138006",
]


def hard_csv(copies: int) -> str:
    rows = [f"{cell},n{i},{'Europe/Paris' if i % 9 == 0 else ''}" for i, cell in enumerate(CELLS * copies)]
    rows += [f"138{n:08d},bulk{n}," for n in range(40)] + ["13800138007,Mars,Mars/Olympus", "\n"]
    return "phone,name,time_zone\n" + "\n".join(rows) + "\n"


async def test_the_workers_read_a_list_to_the_same_report_as_one_process() -> None:
    text = hard_csv(3)

    serial = import_contacts(text, "CN")
    parallel = await import_contacts_in_workers(text, "CN", FORCED)

    assert parallel.accepted == serial.accepted
    assert parallel.rejected == serial.rejected
    assert {r.reason for r in serial.rejected} >= {"phone: empty", "phone: not a valid number",
                                                   "phone: duplicate of line 2"}


async def test_a_list_stored_through_the_workers_has_the_same_contacts_and_rejected_rows(
    api, sessions
) -> None:
    admin = api()
    first = (await admin.post("/v1/campaigns", json={**BLAST, "default_region": "CN"})).json()
    second = (await admin.post("/v1/campaigns", json={**BLAST, "default_region": "CN"})).json()
    at = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
    text = hard_csv(2)
    async with sessions() as session:
        await revoke_consent(CampaignRepository(session), "acme", "sms", "+8613800138005", "dnc",
                             "disposition", at)
        await session.commit()
    async with sessions() as session:
        repo = CampaignRepository(session)
        lists = []
        for campaign_id, parsing in ((first["id"], None), (second["id"], FORCED)):
            campaign = await session.get(Campaign, campaign_id)
            assert campaign is not None
            lists.append(await import_list(repo, campaign, "big", text, at, parsing))
        await session.commit()
        stored = [await _contacts(session, contact_list) for contact_list in lists]

    assert stored[1] == stored[0] and len(stored[0]) > 40
    assert [_counts(c) for c in lists[1:]] == [_counts(c) for c in lists[:1]]
    assert {c[4] for c in stored[0]} == {None, "consent"}


async def test_a_list_without_a_phone_column_is_refused_before_any_worker_starts(api, runtime) -> None:
    runtime.settings.list_parse_min_rows = 1
    admin = api()
    campaign = (await admin.post("/v1/campaigns", json=BLAST)).json()

    response = await admin.post(f"/v1/campaigns/{campaign['id']}/lists", content=b"name\nLi\nWang\n")

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "phone" in response.json()["detail"]


async def test_an_upload_over_the_threshold_is_parsed_by_the_workers_to_the_same_list(api, runtime) -> None:
    admin = api()
    serial = (await admin.post("/v1/campaigns", json=BLAST)).json()
    parallel = (await admin.post("/v1/campaigns", json=BLAST)).json()
    text = hard_csv(2).encode()
    one = (await admin.post(f"/v1/campaigns/{serial['id']}/lists", content=text)).json()
    runtime.settings.list_parse_min_rows = 1
    assert list_parsing(runtime).parallel_for(text.decode())

    other = (await admin.post(f"/v1/campaigns/{parallel['id']}/lists", content=text)).json()

    same = ("accepted", "duplicates", "suppressed", "rejected")
    assert {k: other[k] for k in same} == {k: one[k] for k in same}


async def _contacts(session: Any, contact_list: ContactList) -> list[tuple[Any, ...]]:
    rows = await session.scalars(select(Contact).where(Contact.list_id == contact_list.id)
                                 .order_by(Contact.address))
    return [(c.address, c.fields, c.zones, c.status, c.suppressed_reason, c.next_attempt_at, c.customer_id,
             c.language, c.priority, c.value) for c in rows]


def _counts(contact_list: ContactList) -> tuple[Any, ...]:
    return contact_list.accepted, contact_list.duplicates, contact_list.suppressed, contact_list.rejected
