"""Privacy: export everything about a customer, erase a customer, and who looked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict

from switchboard.common.auth import Principal, require_roles
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.profile.api.customers import live_customer
from switchboard.profile.privacy import erase_customer, export_customer
from switchboard.profile.privacy_repository import PrivacyRepository
from switchboard.profile.repository import ProfileRepository

router = APIRouter(prefix="/v1/customers", tags=["privacy"])
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Manager = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]


class AccessOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    actor: str
    roles: str
    action: str
    at: Any


@router.get("/{customer_id}/export", summary="Everything held about the customer (JSON)")
async def export(customer_id: str, principal: Admin, uow: Uow) -> dict[str, Any]:
    customer = await live_customer(ProfileRepository(uow.session), principal.tenant, customer_id)
    document = await export_customer(uow, customer)
    PrivacyRepository(uow.session).record_access(principal, customer.id, "export")
    await uow.commit()
    return document


@router.post("/{customer_id}/erase", status_code=204, response_class=Response,
             summary="Erase the customer's personal data; publishes profile.customer.erased")
async def erase(customer_id: str, principal: Admin, uow: Uow) -> Response:
    return await _erase(customer_id, principal, uow)


@router.delete("/{customer_id}", status_code=204, response_class=Response,
               summary="Same as POST /{id}/erase: a customer is deleted by erasing them")
async def delete_customer(customer_id: str, principal: Admin, uow: Uow) -> Response:
    return await _erase(customer_id, principal, uow)


async def _erase(customer_id: str, principal: Principal, uow: UnitOfWork) -> Response:
    customer = await live_customer(ProfileRepository(uow.session), principal.tenant, customer_id)
    await erase_customer(uow, customer)
    PrivacyRepository(uow.session).record_access(principal, customer.id, "erase")
    await uow.commit()
    return Response(status_code=204)


@router.get("/{customer_id}/access-log", response_model=list[AccessOut],
            summary="Who viewed, exported or erased this customer, newest first")
async def access_log(
    customer_id: str, principal: Manager, uow: Uow, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AccessOut]:
    rows = await PrivacyRepository(uow.session).access_log(principal.tenant, customer_id, limit)
    return [AccessOut.model_validate(r) for r in rows]
