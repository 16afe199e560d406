"""Merging two customer records into one: identities, history and consent move over."""

from __future__ import annotations

from datetime import UTC, datetime

from switchboard.common.errors import Conflict
from switchboard.common.events.profile import CustomerMerged
from switchboard.common.uow import UnitOfWork
from switchboard.profile.consent_repository import ConsentRepository
from switchboard.profile.domain.merge import MergeConflict, check_external_ids, survivorship
from switchboard.profile.models import Customer
from switchboard.profile.repository import ProfileRepository


async def merge_customers(
    uow: UnitOfWork, tenant: str, survivor: Customer, merged: Customer, *, reason: str, by: str
) -> Customer:
    """Fold `merged` into `survivor` in the open transaction and publish the merge."""
    if survivor.id == merged.id:
        raise Conflict("a customer cannot be merged with itself")
    repo = ProfileRepository(uow.session)
    externals = [
        [i.value for i in await repo.identities(tenant, c.id) if i.kind == "external"]
        for c in (survivor, merged)
    ]
    try:
        check_external_ids(*externals)
    except MergeConflict as exc:
        raise Conflict(str(exc)) from exc
    ranks = {tier.name: tier.rank for tier in await repo.tiers(tenant)}
    fields = survivorship(survivor, merged, ranks)
    await repo.rekey_customer(tenant, merged.id, survivor.id)
    await ConsentRepository(uow.session).rekey_customer(tenant, merged.id, survivor.id)
    now = datetime.now(UTC)
    for name, value in fields.items():
        setattr(survivor, name, value)
    survivor.updated_at = now
    merged.merged_into = survivor.id
    merged.name, merged.birthday, merged.tags, merged.attributes = None, None, [], {}
    merged.updated_at = now
    await uow.emit(
        CustomerMerged(survivor_id=survivor.id, merged_id=merged.id,
                       reason="verified_identity" if reason == "verified_identity" else "manual", at=now),
        tenant=tenant, subject=survivor.id,
    )
    return survivor
