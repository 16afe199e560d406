"""Recording consent and answering 'may we contact this address for this purpose?'."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from switchboard.common.events.profile import ConsentChanged
from switchboard.common.ids import new_id
from switchboard.common.uow import UnitOfWork
from switchboard.profile.consent_repository import ConsentRepository
from switchboard.profile.domain.consent import PURPOSES, ConsentDecision, decide
from switchboard.profile.identities import channels_of
from switchboard.profile.models import Consent, Identity, TenantSettings
from switchboard.profile.repository import AnyRow
from switchboard.profile.schemas import ConsentOut


async def set_consent(
    uow: UnitOfWork, tenant: str, settings: TenantSettings | None, *, channel: str, address: str,
    purpose: str, granted: bool, source: str, customer_id: str | None, at: datetime,
) -> bool:
    """Record the consent; publish profile.consent.changed if the decision for the contact
    point and purpose changed (the event carries the decision, not the raw record)."""
    repo = ConsentRepository(uow.session)
    before = await check(repo, settings, tenant, channel, address, purpose)
    record = await repo.record(tenant, channel, address, purpose)
    if record is None:
        record = Consent(id=new_id(), tenant_id=tenant, channel=channel, address=address,
                         purpose=purpose, granted=granted, source=source, customer_id=customer_id,
                         updated_at=at)
        repo.add(record)
        await uow.session.flush()
    elif record.granted != granted:
        record.granted, record.source, record.updated_at = granted, source, at
    record.customer_id = record.customer_id or customer_id
    return await announce_if_changed(uow, tenant, settings, before, channel=channel, address=address,
                                     purpose=purpose, source=source, customer_id=record.customer_id,
                                     at=at)


async def announce_if_changed(
    uow: UnitOfWork, tenant: str, settings: TenantSettings | None, before: ConsentDecision, *,
    channel: str, address: str, purpose: str, source: str, customer_id: str | None, at: datetime,
) -> bool:
    await uow.session.flush()
    after = await check(ConsentRepository(uow.session), settings, tenant, channel, address, purpose)
    if after.allowed == before.allowed:
        return False
    await uow.emit(
        ConsentChanged(customer_id=customer_id, channel=channel,  # type: ignore[arg-type]
                       address=address, purpose=purpose, granted=after.allowed,  # type: ignore[arg-type]
                       source=source, at=at),
        tenant=tenant, subject=f"{channel}:{address}",
    )
    return True


async def check(
    repo: ConsentRepository, settings: TenantSettings | None, tenant: str, channel: str,
    address: str, purpose: str,
) -> ConsentDecision:
    record = await repo.record(tenant, channel, address, purpose)
    blocked = await repo.do_not_contact(tenant, channel, address) is not None
    return decide(purpose, recorded=record.granted if record else None, do_not_contact=blocked,
                  marketing_requires_opt_in=_opt_in(settings))


async def consents_of(
    repo: ConsentRepository, settings: TenantSettings | None, tenant: str, identities: list[Identity]
) -> list[ConsentOut]:
    """The decision for every contact point of a customer and every purpose."""
    points = contact_points(identities)
    records = await repo.records_for(tenant, points)
    return consent_decisions(settings, points, records, await repo.do_not_contact_for(tenant, points))


def contact_points(identities: Iterable[Identity | AnyRow]) -> list[tuple[str, str]]:
    """(channel, address) for every channel each identity reaches."""
    return [(channel, i.value) for i in identities for channel in channels_of(i.kind)]


def consent_decisions(
    settings: TenantSettings | None, points: list[tuple[str, str]],
    records: Iterable[Consent | AnyRow], blocked: set[tuple[str, str]],
) -> list[ConsentOut]:
    """Each contact point and purpose, decided from its record (if any) and the do-not-contact list."""
    by_key = {(r.channel, r.address, r.purpose): r for r in records}
    opt_in = _opt_in(settings)
    out = []
    for channel, address in points:
        for purpose in PURPOSES:
            record = by_key.get((channel, address, purpose))
            decision = decide(purpose, recorded=record.granted if record else None,
                              do_not_contact=(channel, address) in blocked,
                              marketing_requires_opt_in=opt_in)
            out.append(ConsentOut(channel=channel, address=address, purpose=purpose,
                                  allowed=decision.allowed, reason=decision.reason,
                                  source=record.source if record else None,
                                  updated_at=record.updated_at if record else None))
    return out


def _opt_in(settings: TenantSettings | None) -> bool:
    return True if settings is None else settings.marketing_requires_opt_in
