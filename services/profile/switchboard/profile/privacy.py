"""Export everything held about a customer; erase a customer's personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from switchboard.common.events.profile import CustomerErased
from switchboard.common.uow import UnitOfWork
from switchboard.profile.models import Customer
from switchboard.profile.privacy_repository import PrivacyRepository
from switchboard.profile.repository import ProfileRepository


async def export_customer(uow: UnitOfWork, customer: Customer) -> dict[str, Any]:
    tenant = customer.tenant_id
    repo, privacy = ProfileRepository(uow.session), PrivacyRepository(uow.session)
    return {
        "exported_at": datetime.now(UTC).isoformat(),
        "customer": {
            "id": customer.id, "name": customer.name, "tier": customer.tier,
            "language": customer.language, "time_zone": customer.time_zone,
            "birthday": customer.birthday.isoformat() if customer.birthday else None,
            "tags": list(customer.tags or []), "attributes": dict(customer.attributes or {}),
            "created_at": customer.created_at.isoformat(),
            "last_contact_at": customer.last_contact_at.isoformat() if customer.last_contact_at else None,
            "merged_from": [c.id for c in await privacy.merged_into(tenant, customer.id)],
        },
        "identities": [{"kind": i.kind, "value": i.value, "verified": i.verified,
                        "created_at": i.created_at.isoformat()}
                       for i in await repo.identities(tenant, customer.id)],
        "consent": [{"channel": c.channel, "address": c.address, "purpose": c.purpose,
                     "granted": c.granted, "source": c.source, "updated_at": c.updated_at.isoformat()}
                    for c in await privacy.consents(tenant, customer.id)],
        "conversations": [{"id": c.id, "channel": c.channel, "opened_at": c.opened_at.isoformat(),
                           "closed_at": c.closed_at.isoformat() if c.closed_at else None,
                           "disposition": c.disposition}
                          for c in await privacy.conversations(tenant, customer.id)],
        "timeline": [{"kind": e.kind, "channel": e.channel, "conversation_id": e.conversation_id,
                      "summary": e.summary, "agent_id": e.agent_id, "detail": e.detail,
                      "occurred_at": e.occurred_at.isoformat()}
                     for e in await privacy.timeline(tenant, customer.id)],
    }


async def erase_customer(uow: UnitOfWork, customer: Customer) -> list[str]:
    """Remove the customer's personal data; publish profile.customer.erased for every id
    the person had (merged records included). Returns those ids."""
    tenant, now = customer.tenant_id, datetime.now(UTC)
    privacy = PrivacyRepository(uow.session)
    records = [customer, *await privacy.merged_into(tenant, customer.id)]
    ids = [c.id for c in records]
    await privacy.forget(tenant, ids)
    for record in records:
        record.name, record.birthday, record.language, record.time_zone = None, None, None, None
        record.tags, record.attributes = [], {}
        record.erased_at, record.updated_at = now, now
    for customer_id in ids:
        await uow.emit(CustomerErased(customer_id=customer_id, at=now), tenant=tenant, subject=customer_id)
    return ids
