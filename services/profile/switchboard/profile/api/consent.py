"""Consent per contact point and purpose, the check campaign calls, and do-not-contact."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound, Unprocessable
from switchboard.common.ids import new_id
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.profile.api.customers import live_customer
from switchboard.profile.consent import announce_if_changed, check, consents_of, set_consent
from switchboard.profile.consent_repository import ConsentRepository
from switchboard.profile.domain.consent import CHANNELS, PURPOSES
from switchboard.profile.identities import channels_of, identity_key, kind_of_channel
from switchboard.profile.models import DoNotContact, TenantSettings
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.schemas import (
    ChannelName,
    ConsentCheckOut,
    ConsentIn,
    ConsentOut,
    DoNotContactIn,
    DoNotContactOut,
    PurposeName,
)

router = APIRouter(tags=["consent"])
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent", "service"))]
Manager = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]
MAX_IMPORT_ROWS = 100_000


def _address(channel: str, address: str, settings: TenantSettings | None, field: str = "address") -> str:
    region = settings.default_region if settings else None
    return identity_key(kind_of_channel(channel), address, region, field).value


@router.get("/v1/customers/{customer_id}/consent", response_model=list[ConsentOut])
async def get_customer_consent(customer_id: str, principal: Reader, uow: Uow) -> list[ConsentOut]:
    repo = ProfileRepository(uow.session)
    customer = await live_customer(repo, principal.tenant, customer_id)
    settings = await repo.tenant_settings(principal.tenant)
    identities = await repo.identities(principal.tenant, customer.id)
    return await consents_of(ConsentRepository(uow.session), settings, principal.tenant, identities)


@router.put("/v1/customers/{customer_id}/consent", response_model=list[ConsentOut],
            summary="Grant or revoke a purpose on a channel (one address, or all of the customer's)")
async def put_customer_consent(
    customer_id: str, body: ConsentIn, principal: Reader, uow: Uow
) -> list[ConsentOut]:
    tenant, now = principal.tenant, datetime.now(UTC)
    repo = ProfileRepository(uow.session)
    customer = await live_customer(repo, tenant, customer_id)
    settings = await repo.tenant_settings(tenant)
    identities = await repo.identities(tenant, customer.id)
    own = [i.value for i in identities if body.channel in channels_of(i.kind)]
    if body.address is not None:
        address = _address(body.channel, body.address, settings)
        if address not in own:
            raise Unprocessable(f"address: the customer has no such {body.channel} address")
        own = [address]
    if not own:
        raise Unprocessable(f"channel: the customer has no {body.channel} address")
    for address in own:
        await set_consent(uow, tenant, settings, channel=body.channel, address=address,
                          purpose=body.purpose, granted=body.granted, source=body.source,
                          customer_id=customer.id, at=now)
    await uow.commit()
    return await consents_of(ConsentRepository(uow.session), settings, tenant, identities)


@router.get("/v1/consent/check", response_model=ConsentCheckOut,
            summary="May this address be contacted on this channel for this purpose?")
async def check_consent(
    principal: Reader, uow: Uow, channel: Annotated[ChannelName, Query()],
    address: Annotated[str, Query(min_length=1)], purpose: Annotated[PurposeName, Query()],
) -> ConsentCheckOut:
    repo = ProfileRepository(uow.session)
    settings = await repo.tenant_settings(principal.tenant)
    normalized = _address(channel, address, settings)
    decision = await check(ConsentRepository(uow.session), settings, principal.tenant, channel,
                           normalized, purpose)
    key = identity_key(kind_of_channel(channel), normalized, None)
    customer = await repo.customer_by_identity(principal.tenant, key)
    return ConsentCheckOut(channel=channel, address=normalized, purpose=purpose,
                           allowed=decision.allowed, reason=decision.reason,
                           customer_id=customer.id if customer else None)


@router.get("/v1/do-not-contact", response_model=list[DoNotContactOut], summary="Paged by id")
async def list_do_not_contact(
    principal: Manager, uow: Uow, after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DoNotContactOut]:
    rows = await ConsentRepository(uow.session).do_not_contact_page(principal.tenant, after, limit)
    return [DoNotContactOut.model_validate(r) for r in rows]


@router.post("/v1/do-not-contact", status_code=201, response_model=DoNotContactOut)
async def add_do_not_contact(body: DoNotContactIn, principal: Manager, uow: Uow) -> DoNotContactOut:
    settings = await ProfileRepository(uow.session).tenant_settings(principal.tenant)
    address = _address(body.channel, body.address, settings)
    row = await _block(uow, principal.tenant, settings, body.channel, address, body.reason, "api")
    await uow.commit()
    return DoNotContactOut.model_validate(row)


@router.post("/v1/do-not-contact/import", summary="CSV 'channel,address,reason'; bad rows reported")
async def import_do_not_contact(request: Request, principal: Manager, uow: Uow) -> dict[str, object]:
    """Good rows are kept even when others are bad; each bad row comes back with its reason."""
    text = (await request.body()).decode("utf-8-sig", errors="replace")
    settings = await ProfileRepository(uow.session).tenant_settings(principal.tenant)
    added, errors = 0, []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or (line == 1 and row[0].strip().lower() == "channel"):
            continue
        if line > MAX_IMPORT_ROWS:
            raise Unprocessable(f"at most {MAX_IMPORT_ROWS} rows per import")
        channel = row[0].strip().lower()
        if channel not in CHANNELS or len(row) < 2:
            errors.append({"line": line, "error": f"channel must be one of {', '.join(CHANNELS)}"
                           if channel not in CHANNELS else "address is missing"})
            continue
        try:
            address = _address(channel, row[1], settings)
        except Unprocessable as exc:
            errors.append({"line": line, "error": exc.detail})
            continue
        reason = row[2].strip()[:255] if len(row) > 2 else ""
        await _block(uow, principal.tenant, settings, channel, address, reason, "import")
        added += 1
    await uow.commit()
    return {"imported": added, "rejected": len(errors), "errors": errors[:1000]}


@router.delete("/v1/do-not-contact/{entry_id}", status_code=204, response_class=Response)
async def remove_do_not_contact(entry_id: str, principal: Manager, uow: Uow) -> Response:
    repo = ConsentRepository(uow.session)
    entry = await repo.do_not_contact_by_id(principal.tenant, entry_id)
    if entry is None:
        raise NotFound(f"no do-not-contact entry {entry_id}")
    settings = await ProfileRepository(uow.session).tenant_settings(principal.tenant)
    befores = {p: await check(repo, settings, principal.tenant, entry.channel, entry.address, p)
               for p in PURPOSES}
    await repo.delete(entry)
    for purpose, before in befores.items():
        await announce_if_changed(uow, principal.tenant, settings, before, channel=entry.channel,
                                  address=entry.address, purpose=purpose, source="do_not_contact",
                                  customer_id=None, at=datetime.now(UTC))
    await uow.commit()
    return Response(status_code=204)


async def _block(
    uow: UnitOfWork, tenant: str, settings: TenantSettings | None, channel: str, address: str,
    reason: str, source: str,
) -> DoNotContact:
    repo = ConsentRepository(uow.session)
    existing = await repo.do_not_contact(tenant, channel, address)
    if existing is not None:
        return existing
    befores = {p: await check(repo, settings, tenant, channel, address, p) for p in PURPOSES}
    row = DoNotContact(id=new_id(), tenant_id=tenant, channel=channel, address=address,
                       reason=reason, source=source, created_at=datetime.now(UTC))
    repo.add(row)
    for purpose, before in befores.items():
        await announce_if_changed(uow, tenant, settings, before, channel=channel, address=address,
                                  purpose=purpose, source="do_not_contact", customer_id=None,
                                  at=row.created_at)
    return row
