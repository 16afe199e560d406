"""GET /v1/screen-pop: the customer behind a phone number, email or chat visitor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import NotFound
from switchboard.common.runtime import Runtime, get_runtime
from switchboard.profile.customers import masks_for
from switchboard.profile.identities import lookup_key
from switchboard.profile.privacy_repository import PrivacyRepository
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.schemas import ScreenPopOut
from switchboard.profile.screen_pop import screen_pop
from switchboard.profile.screen_pop_repository import ScreenPopRepository
from switchboard.profile.sqlite_reader import SqliteReader

router = APIRouter(prefix="/v1/screen-pop", tags=["screen pop"])
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent", "service"))]


@router.get("", response_model=ScreenPopOut,
            summary="Customer, tier, tags, consent, open items, last interactions, repeat facts")
async def get_screen_pop(
    principal: Reader, runtime: Annotated[Runtime, Depends(get_runtime)],
    phone: str | None = None, email: str | None = None, visitor: str | None = None,
) -> ScreenPopOut:
    async def pop(session: Any) -> ScreenPopOut:
        """Look up and build the answer (reads only)."""
        repo = ProfileRepository(session)
        settings = await repo.tenant_settings(principal.tenant)
        key = lookup_key(phone, email, visitor, settings.default_region if settings else None)
        customer = await ScreenPopRepository(session).customer(principal.tenant, key)
        if customer is None:
            raise NotFound(f"no customer with this {key.kind}")
        return await screen_pop(repo, settings, customer, masked=masks_for(principal.roles))

    async def record_access(session: Any, out: ScreenPopOut) -> None:
        """Who looked at whom: committed before the answer is sent."""
        await PrivacyRepository(session).insert_access(principal, out.customer.id, "screen_pop")

    reader = runtime.extras.get("sqlite_reader")
    if isinstance(reader, SqliteReader):
        return await reader.run(principal.tenant, pop, record_access)
    async with runtime.unit_of_work() as uow:
        uow.scope_to(principal.tenant)
        answer = await pop(uow.session)
        await record_access(uow.session, answer)
        await uow.commit()
    return answer
