"""Customers: create, find, read, change; their identities and their timeline."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound, Unprocessable
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.profile.customers import (
    announce,
    apply_changes,
    attach_identity,
    customer_out,
    identity_taken,
    masks_for,
    new_customer,
)
from switchboard.profile.domain.merge import older_first
from switchboard.profile.identities import IdentityKey, identity_key, lookup_key
from switchboard.profile.merge import merge_customers
from switchboard.profile.models import Customer
from switchboard.profile.privacy_repository import PrivacyRepository
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    IdentityIn,
    IdentityOut,
    TimelineEntryOut,
    TimelinePage,
)

router = APIRouter(prefix="/v1/customers", tags=["customers"])
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent", "service"))]
Writer = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent", "service"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


async def _region(repo: ProfileRepository, tenant: str) -> str | None:
    settings = await repo.tenant_settings(tenant)
    return settings.default_region if settings else None


async def live_customer(repo: ProfileRepository, tenant: str, customer_id: str) -> Customer:
    customer = await repo.customer(tenant, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return customer


@router.post("", status_code=201, response_model=CustomerOut, summary="Create a customer")
async def create_customer(body: CustomerIn, principal: Writer, uow: Uow) -> CustomerOut:
    tenant, now = principal.tenant, datetime.now(UTC)
    repo = ProfileRepository(uow.session)
    region = await _region(repo, tenant)
    keys = [identity_key(i.kind, i.value, region, f"identities.{n}.value")
            for n, i in enumerate(body.identities)]
    customer = new_customer(tenant, now)
    await apply_changes(repo, tenant, customer, body.model_dump(exclude={"identities"}, exclude_none=True))
    customer.updated_at = now
    repo.add(customer)
    await repo.flush()
    for key, given in zip(keys, body.identities, strict=True):
        attached = await attach_identity(repo, tenant, customer, key, verified=given.verified, now=now)
        if isinstance(attached, str):
            raise identity_taken(key, attached)
    await announce(uow, tenant, customer)
    await uow.commit()
    return await customer_out(repo, tenant, customer, masked=masks_for(principal.roles))


@router.get("", response_model=list[CustomerOut], summary="Find customers by one identity")
async def find_customers(
    principal: Reader,
    uow: Uow,
    phone: str | None = None,
    email: str | None = None,
    visitor: str | None = None,
    external: Annotated[str | None, Query(description="'<system>:<id>', e.g. crm:C-1001")] = None,
) -> list[CustomerOut]:
    repo = ProfileRepository(uow.session)
    region = await _region(repo, principal.tenant)
    if external is not None:
        if phone or email or visitor:
            raise Unprocessable("give exactly one of phone, email, visitor or external")
        key = identity_key("external", external, region, "external")
    else:
        key = lookup_key(phone, email, visitor, region)
    customer = await repo.customer_by_identity(principal.tenant, key)
    if customer is None:
        return []
    return [await customer_out(repo, principal.tenant, customer, masked=masks_for(principal.roles))]


@router.get("/{customer_id}", response_model=CustomerOut, summary="One customer with identities")
async def get_customer(customer_id: str, principal: Reader, uow: Uow) -> CustomerOut:
    repo = ProfileRepository(uow.session)
    customer = await live_customer(repo, principal.tenant, customer_id)
    out = await customer_out(repo, principal.tenant, customer, masked=masks_for(principal.roles))
    PrivacyRepository(uow.session).record_access(principal, customer.id, "view")
    await uow.commit()
    return out


@router.patch("/{customer_id}", response_model=CustomerOut, summary="Change some fields")
async def patch_customer(customer_id: str, body: CustomerPatch, principal: Writer, uow: Uow) -> CustomerOut:
    repo = ProfileRepository(uow.session)
    customer = await live_customer(repo, principal.tenant, customer_id)
    await apply_changes(repo, principal.tenant, customer, body.model_dump(exclude_unset=True))
    customer.updated_at = datetime.now(UTC)
    await announce(uow, principal.tenant, customer)
    await uow.commit()
    return await customer_out(repo, principal.tenant, customer, masked=masks_for(principal.roles))


@router.get("/{customer_id}/identities", response_model=list[IdentityOut])
async def list_identities(customer_id: str, principal: Reader, uow: Uow) -> list[IdentityOut]:
    repo = ProfileRepository(uow.session)
    customer = await live_customer(repo, principal.tenant, customer_id)
    return [IdentityOut.model_validate(i) for i in await repo.identities(principal.tenant, customer.id)]


@router.post("/{customer_id}/identities", response_model=CustomerOut,
             summary="Add an identity; a verified one held by another customer merges the two")
async def add_identity(customer_id: str, body: IdentityIn, principal: Writer, uow: Uow) -> CustomerOut:
    tenant, now = principal.tenant, datetime.now(UTC)
    repo = ProfileRepository(uow.session)
    customer = await live_customer(repo, tenant, customer_id)
    key = identity_key(body.kind, body.value, await _region(repo, tenant))
    attached = await attach_identity(repo, tenant, customer, key, verified=body.verified, now=now)
    if isinstance(attached, str):
        if not body.verified:
            raise identity_taken(key, attached)
        other = await live_customer(repo, tenant, attached)
        survivor, merged = older_first(customer, other)
        customer = await merge_customers(uow, tenant, survivor, merged,  # type: ignore[arg-type]
                                         reason="verified_identity", by=principal.subject)
        identity = await repo.identity(tenant, key)
        if identity is not None:
            identity.verified = True
    customer.updated_at = now
    await uow.commit()
    return await customer_out(repo, tenant, customer, masked=masks_for(principal.roles))


@router.delete("/{customer_id}/identities", status_code=204, response_class=Response)
async def remove_identity(
    customer_id: str, principal: Writer, uow: Uow,
    kind: Annotated[str, Query()], value: Annotated[str, Query()],
) -> Response:
    repo = ProfileRepository(uow.session)
    customer = await live_customer(repo, principal.tenant, customer_id)
    key = identity_key(kind, value, await _region(repo, principal.tenant))
    identity = await repo.identity(principal.tenant, key)
    if identity is None or identity.customer_id != customer.id:
        raise NotFound(f"customer {customer_id} has no such {kind} identity")
    await repo.delete(identity)
    await uow.commit()
    return Response(status_code=204)


@router.get("/{customer_id}/timeline", response_model=TimelinePage, summary="Newest first, paged")
async def get_timeline(
    customer_id: str,
    principal: Reader,
    uow: Uow,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    before: Annotated[datetime | None, Query(description="deprecated: use cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TimelinePage:
    repo = ProfileRepository(uow.session)
    customer = await live_customer(repo, principal.tenant, customer_id)
    before_id = None
    if cursor is not None:
        before, before_id = decode_cursor(cursor)
    entries = await repo.timeline(principal.tenant, customer.id, before=before, before_id=before_id,
                                  limit=limit)
    full = len(entries) == limit
    PrivacyRepository(uow.session).record_access(principal, customer.id, "view_timeline")
    await uow.commit()
    return TimelinePage(
        items=[TimelineEntryOut.model_validate(e) for e in entries],
        next_cursor=encode_cursor(entries[-1].occurred_at, entries[-1].id) if full else None,
        next_before=entries[-1].occurred_at if full else None,
    )


def encode_cursor(at: datetime, entry_id: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{entry_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, entry_id = raw.split("|", 1)
        parsed = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Unprocessable("cursor: not a cursor this API returned") from exc
    if parsed.tzinfo is None:
        raise Unprocessable("cursor: not a cursor this API returned")
    return parsed, entry_id


__all__ = ["IdentityKey", "router"]
