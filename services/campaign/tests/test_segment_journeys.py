"""Birthday greetings and retention outreach from profile's segments, read through profile's real
API (the profile app in-process on its own database): who is added, when, and only once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from switchboard.campaign.domain.birthdays import birthday_in, greeting_day
from switchboard.campaign.models import Contact
from switchboard.campaign.profile_client import ProfileClient
from switchboard.campaign.segment_journeys import SegmentJourneys
from switchboard.common.auth import mint_token
from switchboard.common.runtime import Runtime
from switchboard.profile.config import ProfileSettings
from switchboard.profile.main import create_app as create_profile_app
from switchboard.profile.models import Base as ProfileBase

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_greeting_day_is_the_birthday_in_the_customers_own_zone() -> None:
    now = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 3 March 04:00 in Shanghai
    day, start, end = greeting_day(date(1990, 3, 3), now, SHANGHAI) or (None, None, None)
    assert (day, start, end) == (date(2026, 3, 3), datetime(2026, 3, 3, tzinfo=SHANGHAI),
                                 datetime(2026, 3, 4, tzinfo=SHANGHAI))
    # in New York it is still 2 March: the greeting waits for their own midnight
    _, ny_start, _ = greeting_day(date(1990, 3, 3), now, ZoneInfo("America/New_York")) or (0, 0, 0)
    assert ny_start == datetime(2026, 3, 3, tzinfo=ZoneInfo("America/New_York"))
    assert greeting_day(date(1990, 3, 1), now, SHANGHAI) is None  # over; next year's is far off
    assert birthday_in(2027, date(2000, 2, 29)) == date(2027, 2, 28)


class Profile:
    def __init__(self, client: httpx.AsyncClient, settings: ProfileSettings) -> None:
        self.client, self.settings = client, settings

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        token = mint_token(self.settings, tenant="acme", subject="admin", roles=["admin"])
        answer = await self.client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


@pytest.fixture
async def profile_app(tmp_path: Path) -> AsyncIterator[Any]:
    settings = ProfileSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/profile.db",
                               nats_url="nats://127.0.0.1:1")
    app = create_profile_app(settings)
    async with app.state.runtime.engine.begin() as conn:
        await conn.run_sync(ProfileBase.metadata.create_all)
    yield app
    await app.state.runtime.engine.dispose()


@pytest.fixture
async def profile(profile_app: Any) -> AsyncIterator[Profile]:
    transport = httpx.ASGITransport(app=profile_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://profile") as client:
        yield Profile(client, profile_app.state.runtime.settings)


def journeys(runtime: Runtime, profile_app: Any, now: datetime) -> SegmentJourneys:
    client = ProfileClient(runtime.settings, "http://profile", transport=httpx.ASGITransport(app=profile_app))
    return SegmentJourneys(runtime, client, interval=3600, clock=lambda: now)


async def journey(api, trigger: str, segment: str) -> str:
    body = {"name": trigger, "kind": "journey", "journey_trigger": trigger, "journey_segment": segment,
            "message_template": "Happy birthday, $name!", "templates": {"en": "Happy birthday $name"}}
    created = await api().post("/v1/campaigns", json=body)
    assert created.status_code == 201, created.text
    assert (await api().post(f"/v1/campaigns/{created.json()['id']}/start")).status_code == 200
    return str(created.json()["id"])


async def test_birthday_greetings_go_once_a_year_on_the_day_in_each_customers_zone(
    api, runtime, sessions, profile, profile_app
) -> None:
    now = datetime.now(UTC)
    today = now.date()  # profile's "birthday today" is in the tenant's zone (UTC by default)
    segment = await profile.post("/v1/segments", {"name": "birthdays", "rules": {"birthday_today": True}})
    born = today.replace(year=1990) if (today.month, today.day) != (2, 29) else date(1992, 2, 29)
    li = await profile.post("/v1/customers", {"name": "Li", "language": "en", "time_zone": "UTC",
                                              "birthday": born.isoformat(),
                                              "identities": [{"kind": "phone", "value": "+8613800138000"}]})
    await profile.post("/v1/customers", {"name": "No phone", "birthday": born.isoformat(),
                                         "identities": [{"kind": "email", "value": "np@example.com"}]})
    await profile.post("/v1/customers", {"name": "Other day", "birthday": "1990-01-01" if today.month != 1
                                         else "1990-07-01",
                                         "identities": [{"kind": "phone", "value": "+8613800138001"}]})
    journey_id = await journey(api, "birthday", segment["id"])

    assert await journeys(runtime, profile_app, now).run_once() == 1
    assert await journeys(runtime, profile_app, now + timedelta(hours=1)).run_once() == 0  # once a year

    async with sessions() as session:
        [contact] = list(await session.scalars(select(Contact).where(Contact.campaign_id == journey_id)))
    midnight = datetime.combine(today + timedelta(days=1), time(0, 0), UTC)
    assert (contact.address, contact.customer_id, contact.language) == ("+8613800138000", li["id"], "en")
    assert contact.dedupe_key == f"birthday:{li['id']}:{today.year}" and contact.fields["name"] == "Li"
    assert contact.zones == "UTC" and contact.not_after == midnight and contact.next_attempt_at == now


async def test_a_churn_risk_segment_starts_retention_outreach_once_a_week(
    api, runtime, sessions, profile, profile_app
) -> None:
    segment = await profile.post("/v1/segments", {"name": "at risk", "rules": {"churn_risk": True}})
    await profile.post("/v1/customers", {"name": "Wang", "attributes": {"churn_risk": True},
                                         "identities": [{"kind": "phone", "value": "+8613800138002"}]})
    await profile.post("/v1/customers", {"name": "Loyal", "attributes": {"churn_risk": False},
                                         "identities": [{"kind": "phone", "value": "+8613800138003"}]})
    body = {"name": "retention", "kind": "journey", "journey_trigger": "churn_risk",
            "journey_segment": segment["id"], "message_template": "We miss you, $name"}
    created = (await api().post("/v1/campaigns", json=body)).json()
    await api().post(f"/v1/campaigns/{created['id']}/start")
    monday = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert await journeys(runtime, profile_app, monday).run_once() == 1
    assert await journeys(runtime, profile_app, monday + timedelta(days=3)).run_once() == 0
    assert await journeys(runtime, profile_app, monday + timedelta(days=7)).run_once() == 1
    async with sessions() as session:
        addresses = {c.address for c in await session.scalars(select(Contact))}
    assert addresses == {"+8613800138002"}


async def test_a_birthday_journey_must_name_its_segment(api) -> None:
    body = {"name": "b", "kind": "journey", "journey_trigger": "birthday", "message_template": "Hi"}
    answer = await api().post("/v1/campaigns", json=body)
    assert answer.status_code == 422 and "journey_segment" in answer.json()["detail"]


async def test_a_list_from_a_profile_segment_reads_its_members_through_profiles_api(
    api, runtime, sessions, profile, profile_app
) -> None:
    runtime.extras["profile"] = ProfileClient(runtime.settings, "http://profile",
                                              transport=httpx.ASGITransport(app=profile_app))
    segment = await profile.post("/v1/segments", {"name": "gold", "rules": {"tiers": ["standard"]}})
    await profile.post("/v1/customers", {"name": "Li", "language": "zh-CN", "time_zone": "Asia/Tokyo",
                                         "identities": [{"kind": "phone", "value": "+8613800138000"}]})
    await profile.post("/v1/customers", {"name": "Mail only",
                                         "identities": [{"kind": "email", "value": "m@example.com"}]})
    body = {"name": "Offer", "kind": "sms_blast", "message_template": "Hi $name ($tier)"}
    campaign = (await api().post("/v1/campaigns", json=body)).json()
    listed = await api().post(f"/v1/campaigns/{campaign['id']}/lists/segment",
                              json={"segment_id": segment["id"]})
    assert listed.status_code == 201, listed.text
    assert (listed.json()["accepted"], listed.json()["name"]) == (1, f"segment {segment['id']}")
    async with sessions() as session:
        [contact] = list(await session.scalars(select(Contact)))
    assert (contact.address, contact.zones, contact.language) == ("+8613800138000", "Asia/Tokyo", "zh-CN")
    assert contact.fields["name"] == "Li"
    unknown = await api().post(f"/v1/campaigns/{campaign['id']}/lists/segment", json={"segment_id": "nope"})
    assert unknown.status_code == 422 and "no segment" in unknown.json()["detail"]
    both = await api().post(f"/v1/campaigns/{campaign['id']}/lists/segment",
                            json={"segment_id": "x", "segment": "vip"})
    assert both.status_code == 422
