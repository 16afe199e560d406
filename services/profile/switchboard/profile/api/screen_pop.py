"""GET /v1/screen-pop: the customer behind a phone number, email or chat visitor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.profile.customers import masks_for
from switchboard.profile.identities import lookup_key
from switchboard.profile.privacy_repository import PrivacyRepository
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.schemas import ScreenPopOut
from switchboard.profile.screen_pop import screen_pop

router = APIRouter(prefix="/v1/screen-pop", tags=["screen pop"])
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent", "service"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


@router.get("", response_model=ScreenPopOut,
            summary="Customer, tier, tags, consent, open items, last interactions, repeat facts")
async def get_screen_pop(
    principal: Reader, uow: Uow, phone: str | None = None, email: str | None = None,
    visitor: str | None = None,
) -> ScreenPopOut:
    repo = ProfileRepository(uow.session)
    settings = await repo.tenant_settings(principal.tenant)
    key = lookup_key(phone, email, visitor, settings.default_region if settings else None)
    found = await repo.customer_and_tier(principal.tenant, key)
    if found is None:
        raise NotFound(f"no customer with this {key.kind}")
    pop = await screen_pop(repo, settings, *found, masked=masks_for(principal.roles))
    PrivacyRepository(uow.session).record_access(principal, pop.customer.id, "screen_pop")
    await uow.commit()
    return pop
