"""Profile's SQL for consent records and the do-not-contact list."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.common.sqlite_thread import fetch_all
from switchboard.profile.models import Consent, DoNotContact

# channel IN and address IN, not a row-value IN: SQLite searches the unique index with
# the former and scans the whole table with the latter. Built once (screen pop's hot path);
# filtered on tenant_id, so the session's tenant net is skipped (see repository.HOT).
_RECORDS_FOR = select(Consent).where(
    Consent.tenant_id == bindparam("tenant"),
    Consent.channel.in_(bindparam("channels", expanding=True)),
    Consent.address.in_(bindparam("addresses", expanding=True)),
).execution_options(all_tenants=True)
# the same, as plain rows: what resolving a contact reads (on SQLite, straight on the driver)
_GRANTED_FOR = select(Consent.channel, Consent.address, Consent.purpose, Consent.granted).where(
    Consent.tenant_id == bindparam("tenant"),
    Consent.channel.in_(bindparam("channels", expanding=True)),
    Consent.address.in_(bindparam("addresses", expanding=True)),
).execution_options(all_tenants=True)
_BLOCKED_FOR = select(DoNotContact.channel, DoNotContact.address).where(
    DoNotContact.tenant_id == bindparam("tenant"),
    DoNotContact.channel.in_(bindparam("channels", expanding=True)),
    DoNotContact.address.in_(bindparam("addresses", expanding=True)),
).execution_options(all_tenants=True)


class ConsentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, tenant: str, channel: str, address: str, purpose: str) -> Consent | None:
        return await self.session.scalar(
            select(Consent).where(
                Consent.tenant_id == tenant, Consent.channel == channel,
                Consent.address == address, Consent.purpose == purpose,
            )
        )

    async def records_for(self, tenant: str, points: Iterable[tuple[str, str]]) -> list[Consent]:
        """Every consent record of these (channel, address) contact points."""
        wanted = list(points)
        if not wanted:
            return []
        rows = await self.session.scalars(_RECORDS_FOR, {
            "tenant": tenant, "channels": sorted({c for c, _ in wanted}),
            "addresses": sorted({a for _, a in wanted}),
        })
        pairs = set(wanted)
        return [r for r in rows if (r.channel, r.address) in pairs]

    async def granted_for(
        self, tenant: str, points: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str, str], bool]:
        """(channel, address, purpose) -> granted, of every consent record of these points."""
        wanted = set(points)
        if not wanted:
            return {}
        rows = await fetch_all(self.session, _GRANTED_FOR, {
            "tenant": tenant, "channels": sorted({c for c, _ in wanted}),
            "addresses": sorted({a for _, a in wanted}),
        })
        return {(channel, address, purpose): bool(granted)
                for channel, address, purpose, granted in rows if (channel, address) in wanted}

    async def do_not_contact(self, tenant: str, channel: str, address: str) -> DoNotContact | None:
        return await self.session.scalar(
            select(DoNotContact).where(
                DoNotContact.tenant_id == tenant, DoNotContact.channel == channel,
                DoNotContact.address == address,
            )
        )

    async def do_not_contact_by_id(self, tenant: str, entry_id: str) -> DoNotContact | None:
        return await self.session.scalar(
            select(DoNotContact).where(DoNotContact.tenant_id == tenant, DoNotContact.id == entry_id)
        )

    async def do_not_contact_for(
        self, tenant: str, points: Iterable[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        wanted = list(points)
        if not wanted:
            return set()
        rows = await fetch_all(self.session, _BLOCKED_FOR, {
            "tenant": tenant, "channels": sorted({c for c, _ in wanted}),
            "addresses": sorted({a for _, a in wanted}),
        })
        return {(channel, address) for channel, address in rows} & set(wanted)

    async def do_not_contact_page(self, tenant: str, after: str | None, limit: int) -> list[DoNotContact]:
        query = select(DoNotContact).where(DoNotContact.tenant_id == tenant)
        if after:
            query = query.where(DoNotContact.id > after)
        rows = await self.session.scalars(query.order_by(DoNotContact.id).limit(limit))
        return list(rows)

    async def rekey_customer(self, tenant: str, from_id: str, to_id: str) -> None:
        await self.session.execute(
            update(Consent)
            .where(Consent.tenant_id == tenant, Consent.customer_id == from_id)
            .values(customer_id=to_id)
        )

    def add(self, row: Consent | DoNotContact) -> None:
        self.session.add(row)

    async def delete(self, row: Consent | DoNotContact) -> None:
        await self.session.delete(row)
