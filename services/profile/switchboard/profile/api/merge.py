"""POST /v1/customers/merge: two records are one person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict, NotFound
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.profile.customers import customer_out
from switchboard.profile.merge import merge_customers
from switchboard.profile.models import Customer
from switchboard.profile.privacy_repository import PrivacyRepository
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.schemas import CustomerOut

router = APIRouter(prefix="/v1/customers", tags=["customers"])
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]
Manager = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]


class MergeIn(BaseModel):
    survivor_id: str
    merged_id: str


@router.post("/merge", response_model=CustomerOut,
             summary="Fold merged_id into survivor_id; identities, history and consent move over")
async def merge(body: MergeIn, principal: Manager, uow: Uow) -> CustomerOut:
    repo = ProfileRepository(uow.session)
    survivor = await _unmerged(repo, principal.tenant, body.survivor_id)
    merged = await _unmerged(repo, principal.tenant, body.merged_id)
    result = await merge_customers(uow, principal.tenant, survivor, merged, reason="manual",
                                   by=principal.subject)
    PrivacyRepository(uow.session).record_access(principal, result.id, "merge")
    await uow.commit()
    return await customer_out(repo, principal.tenant, result)


async def _unmerged(repo: ProfileRepository, tenant: str, customer_id: str) -> Customer:
    customer = await repo.customer(tenant, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    if customer.id != customer_id:
        raise Conflict(f"customer {customer_id} was already merged into {customer.id}",
                       survivor_id=customer.id)
    return customer
