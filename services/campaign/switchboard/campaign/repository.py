"""All of campaign's SQL. Every query names its tenant; the scheduler's sweep is the one exception
that looks across tenants, and only to find which campaigns are running."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeAlias

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.campaign.models import (
    AgentAvailability,
    Attempt,
    Callback,
    Campaign,
    Consent,
    Contact,
    ContactList,
    Conversation,
    KnownCustomer,
    SurveyResponse,
    TenantSettings,
)

Row: TypeAlias = (Campaign | ContactList | Contact | Attempt | Consent | SurveyResponse | Callback
                  | AgentAvailability | Conversation | KnownCustomer | TenantSettings)
CONNECTED = ("connected", "delivered")


class CampaignRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Row) -> None:
        self.session.add(row)

    def add_all(self, rows: Iterable[Row]) -> None:
        self.session.add_all(list(rows))

    async def flush(self) -> None:
        await self.session.flush()

    # campaigns

    async def campaign(self, tenant: str, campaign_id: str, *, lock: bool = False) -> Campaign | None:
        query = select(Campaign).where(Campaign.tenant_id == tenant, Campaign.id == campaign_id)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def campaigns(self, tenant: str) -> list[Campaign]:
        rows = await self.session.scalars(
            select(Campaign).where(Campaign.tenant_id == tenant).order_by(Campaign.created_at.desc())
        )
        return list(rows)

    async def running_campaigns(self) -> list[tuple[str, str]]:
        """(tenant, campaign id) of every running campaign that sends by itself (the sweep)."""
        rows = await self.session.execute(
            select(Campaign.tenant_id, Campaign.id)
            .where(Campaign.status == "running", Campaign.kind != "preview")
            .order_by(Campaign.started_at)
            .execution_options(all_tenants=True)
        )
        return [(r[0], r[1]) for r in rows]

    async def journeys(self, tenant: str, trigger: str) -> list[Campaign]:
        rows = await self.session.scalars(
            select(Campaign).where(Campaign.tenant_id == tenant, Campaign.kind == "journey",
                                   Campaign.journey_trigger == trigger, Campaign.status == "running")
        )
        return list(rows)

    # contacts

    async def contact(self, tenant: str, contact_id: str) -> Contact | None:
        return await self.session.scalar(
            select(Contact).where(Contact.tenant_id == tenant, Contact.id == contact_id)
        )

    async def addresses_on(self, tenant: str, campaign_id: str, addresses: list[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(addresses):
            rows = await self.session.scalars(
                select(Contact.address).where(Contact.tenant_id == tenant,
                                              Contact.campaign_id == campaign_id,
                                              Contact.address.in_(chunk))
            )
            found.update(rows)
        return found

    async def due_contacts(self, tenant: str, campaign_id: str, now: datetime, limit: int) -> list[Contact]:
        """Due contacts in dialing order: promised callbacks first, then priority, then value."""
        callback_first = case((Contact.callback_due.is_not(None), 0), else_=1)
        rows = await self.session.scalars(
            select(Contact)
            .where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id,
                   Contact.status == "pending", Contact.next_attempt_at <= now)
            .order_by(callback_first, Contact.callback_due, Contact.priority.desc(),
                      Contact.value.desc(), Contact.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows)

    async def previewing_for(self, tenant: str, campaign_id: str, agent_id: str) -> Contact | None:
        return await self.session.scalar(
            select(Contact).where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id,
                                  Contact.status == "previewing", Contact.agent_id == agent_id).limit(1)
        )

    async def count_contacts(self, tenant: str, campaign_id: str) -> dict[str, int]:
        rows = await self.session.execute(
            select(Contact.status, func.count()).where(Contact.tenant_id == tenant,
                                                       Contact.campaign_id == campaign_id)
            .group_by(Contact.status)
        )
        return {status: int(n) for status, n in rows}

    async def contacts(self, tenant: str, campaign_id: str, status: str | None,
                       limit: int, offset: int) -> list[Contact]:
        query = select(Contact).where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id)
        if status:
            query = query.where(Contact.status == status)
        rows = await self.session.scalars(query.order_by(Contact.created_at, Contact.id)
                                          .limit(limit).offset(offset))
        return list(rows)

    async def release_contacts(self, tenant: str, campaign_id: str, now: datetime) -> None:
        """Make every waiting contact due again (a restarted campaign re-checks its windows)."""
        await self.session.execute(
            update(Contact).where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id,
                                  Contact.status == "pending", Contact.next_attempt_at.is_(None))
            .values(next_attempt_at=now)
        )

    # attempts

    async def attempt(self, tenant: str, attempt_id: str) -> Attempt | None:
        return await self.session.scalar(
            select(Attempt).where(Attempt.tenant_id == tenant, Attempt.id == attempt_id)
        )

    async def attempts(self, tenant: str, campaign_id: str, limit: int, offset: int) -> list[Attempt]:
        rows = await self.session.scalars(
            select(Attempt).where(Attempt.tenant_id == tenant, Attempt.campaign_id == campaign_id)
            .order_by(Attempt.requested_at, Attempt.id).limit(limit).offset(offset)
        )
        return list(rows)

    async def attempt_by_call(self, tenant: str, call_id: str) -> Attempt | None:
        return await self.session.scalar(
            select(Attempt).where(Attempt.tenant_id == tenant, Attempt.call_id == call_id)
        )

    async def attempt_by_conversation(self, tenant: str, conversation_id: str) -> Attempt | None:
        return await self.session.scalar(
            select(Attempt).where(Attempt.tenant_id == tenant, Attempt.conversation_id == conversation_id)
            .order_by(Attempt.requested_at.desc()).limit(1)
        )

    async def in_flight(self, tenant: str, campaign_id: str, since: datetime) -> int:
        """Calls dialled since `since` and not yet answered or ended (a call never reported on
        stops counting after a while, so one lost report cannot stall the dialer)."""
        count = await self.session.scalar(
            select(func.count()).select_from(Attempt)
            .where(Attempt.tenant_id == tenant, Attempt.campaign_id == campaign_id,
                   Attempt.status.in_(("requested", "ringing")), Attempt.requested_at >= since)
        )
        return int(count or 0)

    async def sends_since_for(self, tenant: str, addresses: list[str], since: datetime,
                              campaign_id: str | None = None) -> dict[str, list[datetime]]:
        """When each address was contacted since: by marketing anywhere, or by one campaign."""
        found: dict[str, list[datetime]] = {}
        for chunk in _chunks(addresses):
            query = select(Attempt.address, Attempt.requested_at).where(
                Attempt.tenant_id == tenant, Attempt.address.in_(chunk), Attempt.requested_at >= since)
            if campaign_id is None:
                query = query.where(Attempt.purpose == "marketing")
            else:
                query = query.where(Attempt.campaign_id == campaign_id)
            for address, at in await self.session.execute(query):
                found.setdefault(address, []).append(at)
        return found

    async def last_complaint_for(self, tenant: str, addresses: list[str]) -> dict[str, datetime]:
        """When each address last complained (a complaint callback is recorded for every one)."""
        found: dict[str, datetime] = {}
        for chunk in _chunks(addresses):
            rows = await self.session.execute(
                select(Callback.address, func.max(Callback.created_at))
                .where(Callback.tenant_id == tenant, Callback.address.in_(chunk),
                       Callback.reason == "complaint")
                .group_by(Callback.address)
            )
            found.update({address: at for address, at in rows if at is not None})
        return found

    async def last_abandoned_for(self, tenant: str, addresses: list[str]) -> dict[str, datetime]:
        found: dict[str, datetime] = {}
        for chunk in _chunks(addresses):
            rows = await self.session.execute(
                select(Attempt.address, func.max(Attempt.ended_at))
                .where(Attempt.tenant_id == tenant, Attempt.address.in_(chunk),
                       Attempt.outcome == "abandoned")
                .group_by(Attempt.address)
            )
            found.update({address: at for address, at in rows if at is not None})
        return found

    async def answered_calls_since(self, tenant: str, campaign_id: str,
                                   since: datetime | None) -> list[tuple[datetime, bool]]:
        """Answered calls that ended after `since`, oldest first: (ended at, abandoned)."""
        query = select(Attempt.ended_at, Attempt.outcome).where(
            Attempt.tenant_id == tenant, Attempt.campaign_id == campaign_id,
            Attempt.answered_at.is_not(None), Attempt.ended_at.is_not(None))
        if since is not None:
            query = query.where(Attempt.ended_at > since)
        rows = await self.session.execute(query.order_by(Attempt.ended_at.desc()).limit(500))
        return [(ended, outcome == "abandoned") for ended, outcome in reversed(list(rows))]

    async def call_rates(self, tenant: str, campaign_id: str) -> tuple[float | None, float | None]:
        """(answer rate, mean talk seconds) over the campaign's last 300 ended calls."""
        rows = (await self.session.execute(
            select(Attempt.answered_at, Attempt.talk_seconds)
            .where(Attempt.tenant_id == tenant, Attempt.campaign_id == campaign_id,
                   Attempt.ended_at.is_not(None))
            .order_by(Attempt.ended_at.desc()).limit(300)
        )).all()
        if len(rows) < 20:
            return None, None
        talks = [t for _, t in rows if t]
        return (sum(1 for a, _ in rows if a is not None) / len(rows),
                sum(talks) / len(talks) if talks else None)

    async def outcome_counts(self, tenant: str, campaign_id: str) -> dict[str, int]:
        rows = await self.session.execute(
            select(Attempt.outcome, func.count()).where(Attempt.tenant_id == tenant,
                                                        Attempt.campaign_id == campaign_id)
            .group_by(Attempt.outcome)
        )
        return {outcome or "pending": int(n) for outcome, n in rows}

    async def agent_rows(self, tenant: str,
                         campaign_id: str) -> list[tuple[str, str | None, str | None, int]]:
        rows = await self.session.execute(
            select(Attempt.agent_id, Attempt.outcome, Attempt.disposition, func.count())
            .where(Attempt.tenant_id == tenant, Attempt.campaign_id == campaign_id,
                   Attempt.agent_id.is_not(None))
            .group_by(Attempt.agent_id, Attempt.outcome, Attempt.disposition)
        )
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    async def suppressed_by(self, tenant: str, campaign_id: str) -> dict[str, int]:
        rows = await self.session.execute(
            select(Contact.suppressed_reason, func.count())
            .where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id,
                   Contact.status == "suppressed")
            .group_by(Contact.suppressed_reason)
        )
        return {reason or "unknown": int(n) for reason, n in rows}

    async def funnel_counts(self, tenant: str, campaign_id: str) -> tuple[int, int, int]:
        """(attempted, connected, converted) contacts."""
        row = (await self.session.execute(
            select(func.count().filter(Contact.attempts_made > 0),
                   func.count().filter(Contact.last_outcome.in_(CONNECTED)),
                   func.count().filter(Contact.converted.is_(True)))
            .where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id)
        )).one()
        return int(row[0]), int(row[1]), int(row[2])

    # consent

    async def revoked_purposes(self, tenant: str, channel: str,
                               addresses: list[str]) -> list[tuple[str, str]]:
        """(address, purpose) of every revoked consent among the addresses."""
        found: list[tuple[str, str]] = []
        for chunk in _chunks(addresses):
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
        found: set[str] = set()
        for chunk in _chunks(addresses):
            rows = await self.session.scalars(
                select(Consent.address).where(Consent.tenant_id == tenant, Consent.channel == channel,
                                              Consent.purpose.in_(purposes),
                                              Consent.granted.is_(False),
                                              Consent.address.in_(chunk))
            )
            found.update(rows)
        return found

    # surveys and callbacks

    async def open_surveys(self, tenant: str, address: str,
                           since: datetime) -> list[tuple[Attempt, Campaign, Contact]]:
        rows = await self.session.execute(
            select(Attempt, Campaign, Contact)
            .join(Campaign, Campaign.id == Attempt.campaign_id)
            .join(Contact, Contact.id == Attempt.contact_id)
            .outerjoin(SurveyResponse, SurveyResponse.attempt_id == Attempt.id)
            .where(Attempt.tenant_id == tenant, Attempt.address == address,
                   Attempt.requested_at >= since, Campaign.survey_kind.is_not(None),
                   SurveyResponse.id.is_(None))
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def survey_scores(self, tenant: str, campaign_id: str) -> list[int]:
        rows = await self.session.scalars(
            select(SurveyResponse.score).where(SurveyResponse.tenant_id == tenant,
                                               SurveyResponse.campaign_id == campaign_id)
        )
        return list(rows)

    async def callbacks(self, tenant: str, status: str | None) -> list[Callback]:
        query = select(Callback).where(Callback.tenant_id == tenant)
        if status:
            query = query.where(Callback.status == status)
        return list(await self.session.scalars(query.order_by(Callback.due_at).limit(500)))

    async def pending_callbacks_for(self, tenant: str, contact_id: str) -> list[Callback]:
        rows = await self.session.scalars(
            select(Callback).where(Callback.tenant_id == tenant, Callback.contact_id == contact_id,
                                   Callback.status == "pending")
        )
        return list(rows)

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

    async def journey_contact(self, campaign_id: str, address: str, key: str) -> Contact | None:
        return await self.session.scalar(
            select(Contact).where(Contact.campaign_id == campaign_id, Contact.address == address,
                                  Contact.dedupe_key == key)
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

    # pacing

    async def availability(self, tenant: str, queue_id: str) -> AgentAvailability | None:
        return await self.session.scalar(
            select(AgentAvailability).where(AgentAvailability.tenant_id == tenant,
                                            AgentAvailability.queue_id == queue_id)
        )


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    """IN lists of a size every database takes."""
    return [items[start:start + size] for start in range(0, len(items), size)]
