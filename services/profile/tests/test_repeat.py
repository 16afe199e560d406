"""'Contacts today' counts the customer's (else the tenant's) calendar day, not UTC's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from switchboard.common.events.ingest import MessageReceived
from switchboard.profile.models import Customer, TenantSettings
from switchboard.profile.repeat import repeat_facts
from switchboard.profile.repository import ProfileRepository

# 2026-11-21 01:30 in Shanghai is 2026-11-20 17:30 UTC.
NOW = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)


def message(at: datetime) -> MessageReceived:
    return MessageReceived(message_id=str(uuid.uuid4()), conversation_id=str(uuid.uuid4()), channel="sms",
                           channel_id="ch", from_address="+8613800138000", to_address="+8610086",
                           received_at=at)


async def facts_at(sessions, now: datetime, *, customer_zone: str | None, tenant_zone: str | None):
    async with sessions() as session:
        repo = ProfileRepository(session)
        customer = await session.scalar(select(Customer))
        customer.time_zone = customer_zone
        settings = TenantSettings(tenant_id="acme", time_zone=tenant_zone, updated_at=now)
        return await repeat_facts(repo, customer, settings, now, counting_current=False)


async def test_today_is_the_customers_local_day(sessions, deliver) -> None:
    await deliver(message(NOW - timedelta(hours=3)))   # 22:30 on the 20th in Shanghai, 14:30 UTC
    await deliver(message(NOW - timedelta(hours=1)))   # 00:30 on the 21st in Shanghai
    shanghai = await facts_at(sessions, NOW, customer_zone="Asia/Shanghai", tenant_zone=None)
    utc = await facts_at(sessions, NOW, customer_zone=None, tenant_zone=None)
    tenant = await facts_at(sessions, NOW, customer_zone=None, tenant_zone="Asia/Shanghai")
    overrides = await facts_at(sessions, NOW, customer_zone="Europe/London", tenant_zone="Asia/Shanghai")
    assert (shanghai.contacts_today, utc.contacts_today, tenant.contacts_today) == (1, 2, 1)
    assert overrides.contacts_today == 2, "the customer's own zone wins over the tenant's"
    assert shanghai.contacts_7d == 2
    assert shanghai.sentence("Asia/Shanghai") == "1st contact today, the last at 00:30 on sms, unresolved"
