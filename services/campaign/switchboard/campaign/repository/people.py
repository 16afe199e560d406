"""Consent, conversations, customers known from profile, and erasure."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from switchboard.campaign.models import (
    Attempt,
    Callback,
    Consent,
    Contact,
    Conversation,
    KnownCustomer,
    SurveyResponse,
    TenantSettings,
)
from switchboard.campaign.repository._base import LARGE_LIST, RepositoryBase, in_chunks


class PeopleQueries(RepositoryBase):
    # consent

    async def revoked_purposes(self, tenant: str, channel: str,
                               addresses: list[str]) -> list[tuple[str, str]]:
        """(address, purpose) of every revoked consent among the addresses."""
        found: list[tuple[str, str]] = []
        for chunk in in_chunks(addresses):
            rows = await self.session.execute(
                select(Consent.address, Consent.purpose).where(
                    Consent.tenant_id == tenant, Consent.channel == channel,
                    Consent.address.in_(chunk), Consent.granted.is_(False))
            )
            found.extend((address, purpose) for address, purpose in rows)
        return found

    async def consent_row(self, tenant: str, channel: str, address: str, purpose: str) -> Consent | None:
        return await self.session.scalar(
            select(Consent).where(Consent.tenant_id == tenant, Consent.channel == channel,
                                  Consent.address == address, Consent.purpose == purpose)
        )

    async def revoked_addresses(self, tenant: str, channel: str, purposes: tuple[str, ...],
                                addresses: list[str]) -> set[str]:
        """Which of `addresses` refused any of `purposes` on the channel (a large list: one pass
        over the tenant's refusals on the channel)."""
        refused = select(Consent.address).where(Consent.tenant_id == tenant, Consent.channel == channel,
                                                Consent.purpose.in_(purposes), Consent.granted.is_(False))
        if len(addresses) > LARGE_LIST:
            return set(await self.session.scalars(refused)).intersection(addresses)
        found: set[str] = set()
        for chunk in in_chunks(addresses):
            found.update(await self.session.scalars(refused.where(Consent.address.in_(chunk))))
        return found

    # conversations (for journeys)

    async def conversation(self, tenant: str, conversation_id: str) -> Conversation | None:
        return await self.session.scalar(
            select(Conversation).where(Conversation.tenant_id == tenant, Conversation.id == conversation_id)
        )

    async def set_conversation_agent(self, tenant: str, conversation_id: str, agent_id: str) -> None:
        await self.session.execute(
            update(Conversation).where(Conversation.tenant_id == tenant, Conversation.id == conversation_id)
            .values(agent_id=agent_id)
        )

    async def tenant_settings(self, tenant: str) -> TenantSettings | None:
        return await self.session.scalar(select(TenantSettings).where(TenantSettings.tenant_id == tenant))

    async def known_customer(self, tenant: str, customer_id: str) -> KnownCustomer | None:
        return await self.session.scalar(
            select(KnownCustomer).where(KnownCustomer.tenant_id == tenant, KnownCustomer.id == customer_id)
        )

    async def customer_zones(self, tenant: str, customer_ids: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in in_chunks(customer_ids):
            rows = await self.session.execute(
                select(KnownCustomer.id, KnownCustomer.time_zone).where(
                    KnownCustomer.tenant_id == tenant, KnownCustomer.id.in_(chunk),
                    KnownCustomer.time_zone.is_not(None))
            )
            found.update({cid: zone for cid, zone in rows if zone})
        return found

    async def move_waiting_contacts_to_zone(self, tenant: str, customer_id: str, zone: str) -> None:
        await self.session.execute(
            update(Contact).where(Contact.tenant_id == tenant, Contact.customer_id == customer_id,
                                  Contact.status == "pending", Contact.zone_given.is_(False),
                                  Contact.zones != zone)
            .values(zones=zone))

    async def customers_with_phone(self, tenant: str) -> list[KnownCustomer]:
        rows = await self.session.scalars(
            select(KnownCustomer).where(KnownCustomer.tenant_id == tenant, KnownCustomer.phone.is_not(None))
            .order_by(KnownCustomer.id)
        )
        return list(rows)

    async def phone_of_customer(self, tenant: str, customer_id: str) -> str | None:
        """The customer's number as campaign last saw it: a conversation, else a list."""
        address = await self.session.scalar(
            select(Conversation.address).where(Conversation.tenant_id == tenant,
                                               Conversation.customer_id == customer_id,
                                               Conversation.channel.in_(("sms", "voice")))
            .order_by(Conversation.opened_at.desc()).limit(1)
        )
        if address is None:
            address = await self.session.scalar(
                select(Contact.address).where(Contact.tenant_id == tenant, Contact.customer_id == customer_id,
                                              Contact.address.like("+%"))
                .order_by(Contact.created_at.desc()).limit(1)
            )
        return address

    async def journey_contact(self, tenant: str, campaign_id: str, address: str, key: str) -> Contact | None:
        return await self.session.scalar(
            select(Contact).where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id,
                                  Contact.address == address, Contact.dedupe_key == key)
        )

    # privacy

    async def erase_customer(self, tenant: str, customer_id: str) -> None:
        contacts = list(await self.session.scalars(
            select(Contact).where(Contact.tenant_id == tenant, Contact.customer_id == customer_id)))
        for contact in contacts:
            erased = f"erased:{contact.id}"
            await self.session.execute(
                update(Attempt).where(Attempt.tenant_id == tenant, Attempt.contact_id == contact.id)
                .values(address=erased, disposition_notes=None))
            await self.session.execute(
                update(SurveyResponse).where(SurveyResponse.tenant_id == tenant,
                                             SurveyResponse.contact_id == contact.id).values(answer=""))
            if contact.status in ("pending", "previewing", "in_progress"):
                contact.status, contact.next_attempt_at = "suppressed", None
                contact.suppressed_reason = "erased"
            contact.address, contact.fields, contact.zones = erased, {}, ""
        await self.session.execute(
            update(Callback).where(Callback.tenant_id == tenant, Callback.customer_id == customer_id)
            .values(address="erased", status="done"))
        await self.session.execute(
            delete(Conversation).where(Conversation.tenant_id == tenant,
                                       Conversation.customer_id == customer_id))
        await self.session.execute(
            delete(KnownCustomer).where(KnownCustomer.tenant_id == tenant, KnownCustomer.id == customer_id))

    async def rekey_customer(self, tenant: str, merged_id: str, survivor_id: str) -> None:
        await self.session.execute(
            delete(KnownCustomer).where(KnownCustomer.tenant_id == tenant, KnownCustomer.id == merged_id))
        for model in (Contact, Callback, Conversation):
            await self.session.execute(
                update(model).where(model.tenant_id == tenant, model.customer_id == merged_id)
                .values(customer_id=survivor_id))

