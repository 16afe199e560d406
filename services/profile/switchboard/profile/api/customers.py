"""Customers and their timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.profile.identities import lookup_key
from switchboard.profile.models import Customer
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.schemas import CustomerOut, IdentityOut, TimelineEntryOut, TimelinePage

router = APIRouter(prefix="/v1/customers", tags=["customers"])
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent", "service"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


@router.get("", response_model=list[CustomerOut], summary="Find customers by phone, email or visitor")
async def find_customers(
    principal: Reader,
    uow: Uow,
    phone: str | None = None,
    email: str | None = None,
    visitor: str | None = None,
) -> list[CustomerOut]:
    repo = ProfileRepository(uow.session)
    settings = await repo.tenant_settings(principal.tenant)
    key = lookup_key(phone, email, visitor, settings.default_region if settings else None)
    customer = await repo.customer_by_identity(principal.tenant, key)
    return [await _customer_out(repo, principal.tenant, customer)] if customer else []


@router.get("/{customer_id}", response_model=CustomerOut, summary="One customer with identities")
async def get_customer(customer_id: str, principal: Reader, uow: Uow) -> CustomerOut:
    repo = ProfileRepository(uow.session)
    customer = await repo.customer(principal.tenant, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return await _customer_out(repo, principal.tenant, customer)


async def _customer_out(repo: ProfileRepository, tenant: str, customer: Customer) -> CustomerOut:
    identities = await repo.identities(tenant, customer.id)
    return CustomerOut(
        id=customer.id, name=customer.name, tier=customer.tier, language=customer.language,
        time_zone=customer.time_zone, created_at=customer.created_at,
        identities=[IdentityOut.model_validate(i) for i in identities],
    )


@router.get("/{customer_id}/timeline", response_model=TimelinePage, summary="Newest first, paged")
async def get_timeline(
    customer_id: str,
    principal: Reader,
    uow: Uow,
    before: Annotated[datetime | None, Query(description="page cursor: next_before")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TimelinePage:
    repo = ProfileRepository(uow.session)
    if await repo.customer(principal.tenant, customer_id) is None:
        raise NotFound(f"no customer {customer_id}")
    entries = await repo.timeline(principal.tenant, customer_id, before=before, limit=limit)
    return TimelinePage(
        items=[TimelineEntryOut.model_validate(e) for e in entries],
        next_before=entries[-1].occurred_at if len(entries) == limit else None,
    )
