"""Rows inserted through the driver's executemany read back exactly as the ORM would have stored
them, whatever value many rows repeat."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from switchboard.campaign.models import Contact
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.repository.campaigns import CONTACT_ROW

BLAST = {"name": "Spring offer", "kind": "sms_blast", "message_template": "Hi $name"}


async def test_contacts_inserted_in_bulk_read_back_with_every_value_as_given(api, sessions) -> None:
    campaign = (await api().post("/v1/campaigns", json=BLAST)).json()
    at = datetime(2026, 3, 2, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # stored as 06:00 UTC
    created = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
    common = {"tenant_id": "acme", "campaign_id": campaign["id"], "list_id": "list-1", "dedupe_key": "",
              "attempts_made": 0, "converted": False, "created_at": created}
    rows = [(f"c{n}", f"+86138001380{n:02d}", "Asia/Shanghai", n == 1, "cust-1" if n == 2 else None,
             "zh" if n else None, {"name": f"n{n}"}, n, n / 2, "pending", at, None) for n in range(4)]
    rows.append(("c9", "+8613800138099", "", False, None, None, {}, 0, 0.0, "suppressed", None, "consent"))
    async with sessions() as session:
        await CampaignRepository(session).insert_contacts(common, rows)
        await session.commit()
    async with sessions() as session:
        stored = {c.id: c for c in await session.scalars(select(Contact))}

    assert len(stored) == len(rows)
    for row in rows:
        contact = stored[row[0]]
        assert tuple(getattr(contact, name) for name in CONTACT_ROW) == row
        assert [getattr(contact, name) for name in common] == list(common.values())
    assert stored["c0"].next_attempt_at == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert stored["c0"].next_attempt_at.tzinfo == UTC
    assert stored["c1"].zone_given is True and stored["c0"].zone_given is False


async def test_rows_missing_a_column_with_a_default_are_refused_rather_than_defaulted(api, sessions) -> None:
    campaign = (await api().post("/v1/campaigns", json=BLAST)).json()
    async with sessions() as session:
        with pytest.raises(ValueError, match="not those given"):
            await CampaignRepository(session).insert_rows(
                Contact.__table__, {"tenant_id": "acme", "campaign_id": campaign["id"]},
                ("id", "address", "fields", "status", "created_at"),
                [("c1", "+8613800138000", {}, "pending", datetime(2026, 3, 2, tzinfo=UTC))])
