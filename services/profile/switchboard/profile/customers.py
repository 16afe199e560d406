"""Creating and changing customers and their identities (used by the API and the handlers)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from switchboard.common.errors import Conflict, Unprocessable
from switchboard.common.events.profile import CustomerUpdated
from switchboard.common.ids import new_id
from switchboard.common.uow import UnitOfWork
from switchboard.profile.domain.customers import (
    DEFAULT_TIER,
    valid_attributes,
    valid_birthday,
    valid_language,
    valid_tags,
    valid_time_zone,
)
from switchboard.profile.domain.sensitive import masked_attributes, refuse_card_numbers
from switchboard.profile.identities import IdentityKey
from switchboard.profile.models import Customer, Identity
from switchboard.profile.repository import AnyRow, ProfileRepository
from switchboard.profile.schemas import CustomerOut, IdentityOut


async def customer_out(
    repo: ProfileRepository, tenant: str, customer: Customer, identities: list[Identity] | None = None,
    *, masked: bool = False,
) -> CustomerOut:
    """The customer as the API shows it; `masked` hides ID-like attributes (for agents)."""
    if identities is None:
        identities = await repo.identities(tenant, customer.id)
    return customer_view(customer, identities, masked=masked)


def customer_view(
    customer: Customer | AnyRow, identities: Sequence[Identity | AnyRow], *, masked: bool
) -> CustomerOut:
    """`customer_out` from what is already read (ORM objects or the screen pop's rows)."""
    external = dict(i.value.split(":", 1) for i in identities if i.kind == "external")
    return CustomerOut(
        id=customer.id, name=customer.name, tier=customer.tier, language=customer.language,
        time_zone=customer.time_zone, birthday=customer.birthday, tags=list(customer.tags or []),
        attributes=masked_attributes(dict(customer.attributes or {})) if masked
        else dict(customer.attributes or {}),
        external_ids=external,
        last_contact_at=customer.last_contact_at, created_at=customer.created_at,
        updated_at=customer.updated_at,
        identities=[IdentityOut(kind=i.kind, value=i.value, verified=i.verified) for i in identities],
    )


def masks_for(roles: frozenset[str]) -> bool:
    """Agents see sensitive attributes masked; supervisors, admins and services see them whole."""
    return not roles.intersection({"admin", "supervisor", "service"})


def new_customer(tenant: str, now: datetime) -> Customer:
    return Customer(id=new_id(), tenant_id=tenant, tier=DEFAULT_TIER, tags=[],
                    attributes={}, created_at=now)


async def apply_changes(
    repo: ProfileRepository, tenant: str, customer: Customer, changes: dict[str, Any]
) -> None:
    """Validate and apply the given fields; any bad one raises 422 before anything changes."""
    today = datetime.now(UTC).date()
    valid: dict[str, Any] = {}
    _refuse_card_numbers(changes)
    for field, value in changes.items():
        if value is None or field == "name":
            valid[field] = value.strip() or None if isinstance(value, str) else value
        elif field == "tier":
            valid[field] = await existing_tier(repo, tenant, value)
        elif field == "language":
            valid[field] = valid_language(value)
        elif field == "time_zone":
            valid[field] = valid_time_zone(value)
        elif field == "birthday":
            valid[field] = valid_birthday(value, today)
        elif field == "tags":
            valid[field] = valid_tags(value)
        elif field == "attributes":
            merged = {**(customer.attributes or {}), **value}
            valid[field] = valid_attributes({k: v for k, v in merged.items() if v is not None})
    if "tier" in valid and valid["tier"] is None:
        valid["tier"] = DEFAULT_TIER
    if "tags" in valid and valid["tags"] is None:
        valid["tags"] = []
    if "attributes" in valid and valid["attributes"] is None:
        valid["attributes"] = {}
    for field, value in valid.items():
        setattr(customer, field, value)


def _refuse_card_numbers(changes: dict[str, Any]) -> None:
    refuse_card_numbers("name", changes.get("name"))
    for tag in changes.get("tags") or []:
        refuse_card_numbers("tags", tag)
    for key, value in (changes.get("attributes") or {}).items():
        refuse_card_numbers(f"attributes.{key}", value)


async def existing_tier(repo: ProfileRepository, tenant: str, name: str) -> str:
    if name == DEFAULT_TIER or await repo.tier(tenant, name) is not None:
        return name
    raise Unprocessable(f"tier: {name!r} is not a tier of this tenant; define it with PUT /v1/tiers/{name}")


async def attach_identity(
    repo: ProfileRepository, tenant: str, customer: Customer, key: IdentityKey, *, verified: bool,
    now: datetime,
) -> Identity | str:
    """Attach `key` to `customer`. If another customer holds it, return that customer's id
    (the caller decides: merge on a verified identity, 409 otherwise)."""
    existing = await repo.identity(tenant, key)
    if existing is None:
        identity = Identity(id=new_id(), tenant_id=tenant, customer_id=customer.id,
                            kind=key.kind, value=key.value, verified=verified, created_at=now)
        repo.add(identity)
        return identity
    if existing.customer_id == customer.id:
        existing.verified = existing.verified or verified
        return existing
    return existing.customer_id


def identity_taken(key: IdentityKey, holder_id: str) -> Conflict:
    return Conflict(
        f"the {key.kind} identity is already held by customer {holder_id}; "
        "mark it verified to merge the two records, or merge them with POST /v1/customers/merge",
        holder=holder_id,
    )


async def announce(uow: UnitOfWork, tenant: str, customer: Customer) -> None:
    await uow.emit(
        CustomerUpdated(customer_id=customer.id, tier=customer.tier, language=customer.language,
                        time_zone=customer.time_zone, tags=list(customer.tags or []),
                        at=datetime.now(UTC)),
        tenant=tenant, subject=customer.id,
    )
