"""The screen pop's SQL: plain rows (SQLAlchemy Core), not ORM objects.

The pop only reads, and builds its answer straight from the rows; loading ORM
objects (identity map, instance state) cost about as much as running the query
(docs/performance.md). Every statement is built once with bound parameters and
filters on tenant_id itself, so the session's tenant net is skipped (`HOT`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.profile.identities import IdentityKey
from switchboard.profile.models import (
    Consent,
    Conversation,
    Customer,
    DoNotContact,
    Identity,
    Tier,
    TimelineEntry,
)
from switchboard.profile.repository import HOT, AnyRow

_P = bindparam
_CUSTOMERS, _TIERS, _IDENTITIES = Customer.__table__, Tier.__table__, Identity.__table__
_ENTRIES, _CONVERSATIONS = TimelineEntry.__table__, Conversation.__table__
_CONSENTS, _BLOCKED = Consent.__table__, DoNotContact.__table__


class ScreenPopRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def customer(self, tenant: str, key: IdentityKey) -> AnyRow | None:
        """The customer holding this identity, with its tier's `tier_rank` and
        `tier_description` (None when the tier is not defined)."""
        rows = await self.session.execute(
            _CUSTOMER, {"tenant": tenant, "kind": key.kind, "value": key.value}
        )
        return rows.first()

    async def identities(self, tenant: str, customer_id: str) -> Sequence[AnyRow]:
        return (await self.session.execute(_IDENTITIES_OF, {"tenant": tenant, "customer": customer_id})).all()

    async def consents(self, tenant: str, points: Iterable[tuple[str, str]]) -> Sequence[AnyRow]:
        """The consent records of these (channel, address) contact points."""
        wanted = set(points)
        if not wanted:
            return []
        rows = await self.session.execute(_CONSENTS_FOR, _points(tenant, wanted))
        return [r for r in rows if (r.channel, r.address) in wanted]

    async def blocked(self, tenant: str, points: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """The contact points among these that are on the do-not-contact list."""
        wanted = set(points)
        if not wanted:
            return set()
        rows = await self.session.execute(_BLOCKED_FOR, _points(tenant, wanted))
        return {(channel, address) for channel, address in rows} & wanted

    async def newest_entries(self, tenant: str, customer_id: str, limit: int) -> Sequence[AnyRow]:
        return (await self.session.execute(
            _NEWEST_ENTRIES, {"tenant": tenant, "customer": customer_id, "limit": limit}
        )).all()

    async def open_conversations(self, tenant: str, customer_id: str, limit: int) -> Sequence[AnyRow]:
        return (await self.session.execute(
            _OPEN_CONVERSATIONS, {"tenant": tenant, "customer": customer_id, "limit": limit}
        )).all()


def _points(tenant: str, points: set[tuple[str, str]]) -> dict[str, Any]:
    # channel IN and address IN, not a row-value IN: SQLite searches the unique index
    # with the former and scans the whole table with the latter
    return {"tenant": tenant, "channels": sorted({c for c, _ in points}),
            "addresses": sorted({a for _, a in points})}


_CUSTOMER = (
    select(_CUSTOMERS, _TIERS.c.rank.label("tier_rank"), _TIERS.c.description.label("tier_description"))
    .join(_IDENTITIES, _IDENTITIES.c.customer_id == _CUSTOMERS.c.id)
    .outerjoin(_TIERS, and_(_TIERS.c.tenant_id == _CUSTOMERS.c.tenant_id, _TIERS.c.name == _CUSTOMERS.c.tier))
    .where(_IDENTITIES.c.tenant_id == _P("tenant"), _IDENTITIES.c.kind == _P("kind"),
           _IDENTITIES.c.value == _P("value"), _CUSTOMERS.c.tenant_id == _P("tenant"))
    .execution_options(**HOT)
)
_IDENTITIES_OF = (
    select(_IDENTITIES.c.kind, _IDENTITIES.c.value, _IDENTITIES.c.verified)
    .where(_IDENTITIES.c.tenant_id == _P("tenant"), _IDENTITIES.c.customer_id == _P("customer"))
    .order_by(_IDENTITIES.c.created_at, _IDENTITIES.c.id)
    .execution_options(**HOT)
)
_CONSENTS_FOR = (
    select(_CONSENTS.c.channel, _CONSENTS.c.address, _CONSENTS.c.purpose, _CONSENTS.c.granted,
           _CONSENTS.c.source, _CONSENTS.c.updated_at)
    .where(_CONSENTS.c.tenant_id == _P("tenant"),
           _CONSENTS.c.channel.in_(_P("channels", expanding=True)),
           _CONSENTS.c.address.in_(_P("addresses", expanding=True)))
    .execution_options(**HOT)
)
_BLOCKED_FOR = (
    select(_BLOCKED.c.channel, _BLOCKED.c.address)
    .where(_BLOCKED.c.tenant_id == _P("tenant"),
           _BLOCKED.c.channel.in_(_P("channels", expanding=True)),
           _BLOCKED.c.address.in_(_P("addresses", expanding=True)))
    .execution_options(**HOT)
)
_NEWEST_ENTRIES = (
    select(_ENTRIES.c.id, _ENTRIES.c.kind, _ENTRIES.c.channel, _ENTRIES.c.conversation_id,
           _ENTRIES.c.summary, _ENTRIES.c.agent_id, _ENTRIES.c.detail, _ENTRIES.c.occurred_at)
    .where(_ENTRIES.c.tenant_id == _P("tenant"), _ENTRIES.c.customer_id == _P("customer"))
    .order_by(_ENTRIES.c.occurred_at.desc(), _ENTRIES.c.id.desc())
    .limit(_P("limit"))
    .execution_options(**HOT)
)
_OPEN_CONVERSATIONS = (
    select(_CONVERSATIONS.c.id, _CONVERSATIONS.c.channel, _CONVERSATIONS.c.opened_at,
           _CONVERSATIONS.c.last_contact_at)
    .where(_CONVERSATIONS.c.tenant_id == _P("tenant"), _CONVERSATIONS.c.customer_id == _P("customer"),
           _CONVERSATIONS.c.closed_at.is_(None))
    .order_by(_CONVERSATIONS.c.last_contact_at.desc())
    .limit(_P("limit"))
    .execution_options(**HOT)
)
