"""All of QA's SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.qa.domain.rules import CheckRules
from switchboard.qa.domain.sampling import SamplingRules
from switchboard.qa.models import (
    Alert,
    AlertCounter,
    Contact,
    ContactTopic,
    Evaluation,
    SurveyResponse,
    TenantRules,
    TranscriptMessage,
)


class QARepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def contact(self, tenant: str, conversation_id: str) -> Contact | None:
        return await self.session.scalar(
            select(Contact).where(Contact.tenant_id == tenant, Contact.conversation_id == conversation_id)
        )

    async def contacts(
        self, tenant: str, *, agent_id: str | None, flagged: bool | None, limit: int,
        before: datetime | None,
    ) -> list[Contact]:
        query = select(Contact).where(Contact.tenant_id == tenant)
        if agent_id is not None:
            query = query.where(Contact.agent_id == agent_id)
        if flagged is not None:
            query = query.where(Contact.growing_angrier.is_(flagged))
        if before is not None:
            query = query.where(Contact.opened_at < before)
        rows = await self.session.scalars(query.order_by(Contact.opened_at.desc(), Contact.id).limit(limit))
        return list(rows)

    async def messages(self, tenant: str, conversation_id: str) -> list[TranscriptMessage]:
        rows = await self.session.scalars(
            select(TranscriptMessage)
            .where(TranscriptMessage.tenant_id == tenant,
                   TranscriptMessage.conversation_id == conversation_id)
            .order_by(TranscriptMessage.at, TranscriptMessage.id)
        )
        return list(rows)

    async def message(self, tenant: str, message_id: str) -> TranscriptMessage | None:
        return await self.session.scalar(
            select(TranscriptMessage).where(
                TranscriptMessage.tenant_id == tenant, TranscriptMessage.message_id == message_id
            )
        )

    async def rules(self, tenant: str) -> CheckRules:
        row = await self.rules_row(tenant)
        return CheckRules.model_validate(row.rules) if row else CheckRules()

    async def rules_row(self, tenant: str) -> TenantRules | None:
        return await self.session.scalar(select(TenantRules).where(TenantRules.tenant_id == tenant))

    async def next_alert_seq(self, tenant: str) -> int:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(
            insert(AlertCounter).values(tenant_id=tenant, last_seq=0).on_conflict_do_nothing())
        counter = await self.session.scalar(
            select(AlertCounter).where(AlertCounter.tenant_id == tenant).with_for_update())
        assert counter is not None
        counter.last_seq += 1
        await self.session.flush()
        return counter.last_seq

    async def alerts(
        self, tenant: str, *, after: int, kind: str | None, conversation_id: str | None, limit: int,
        before: int | None = None, newest_first: bool = False,
    ) -> list[Alert]:
        query = select(Alert).where(Alert.tenant_id == tenant, Alert.seq > after)
        if before is not None:
            query = query.where(Alert.seq < before)
        if kind is not None:
            query = query.where(Alert.kind == kind)
        if conversation_id is not None:
            query = query.where(Alert.conversation_id == conversation_id)
        order = Alert.seq.desc() if newest_first else Alert.seq
        rows = await self.session.scalars(query.order_by(order).limit(limit))
        return list(rows)

    async def has_alert(self, tenant: str, conversation_id: str, kind: str) -> bool:
        found = await self.session.scalar(
            select(Alert.id).where(
                Alert.tenant_id == tenant, Alert.conversation_id == conversation_id, Alert.kind == kind
            ).limit(1)
        )
        return found is not None

    async def forget_customer(self, tenant: str, customer_id: str) -> int:
        """Delete the transcripts of every contact of `customer_id` and drop the id; returns how many."""
        conversations = list(await self.session.scalars(select(Contact.conversation_id).where(
            Contact.tenant_id == tenant, Contact.customer_id == customer_id)))
        if conversations:
            await self.session.execute(delete(TranscriptMessage).where(
                TranscriptMessage.tenant_id == tenant, TranscriptMessage.conversation_id.in_(conversations)))
            await self.session.execute(delete(ContactTopic).where(
                ContactTopic.tenant_id == tenant, ContactTopic.conversation_id.in_(conversations)))
            await self.session.execute(update(Contact).where(
                Contact.tenant_id == tenant, Contact.customer_id == customer_id).values(customer_id=None))
        await self.session.execute(update(Evaluation).where(
            Evaluation.tenant_id == tenant, Evaluation.customer_id == customer_id).values(customer_id=None))
        return len(conversations)

    async def topic_terms(self, tenant: str, conversation_id: str) -> set[str]:
        rows = await self.session.scalars(select(ContactTopic.term).where(
            ContactTopic.tenant_id == tenant, ContactTopic.conversation_id == conversation_id))
        return set(rows)

    async def topic_counts(
        self, tenant: str, since: datetime, until: datetime, complaints: SamplingRules | None
    ) -> dict[str, int]:
        """Contacts per term first mentioned in [since, until). With the sampling rules, only
        complaints: what sampling calls one (a complaint disposition, a complaint phrase in the
        customer's words, a survey score at or below `low_csat_at_most`) or a customer growing
        angrier."""
        query = (select(ContactTopic.term, func.count()).where(
            ContactTopic.tenant_id == tenant, ContactTopic.at >= since, ContactTopic.at < until))
        if complaints is not None:
            low_csat = select(SurveyResponse.conversation_id).where(
                SurveyResponse.tenant_id == tenant, SurveyResponse.conversation_id.is_not(None),
                SurveyResponse.score <= complaints.low_csat_at_most)
            dispositions = [d.casefold() for d in complaints.complaint_dispositions]
            query = query.join(Contact, (Contact.tenant_id == ContactTopic.tenant_id)
                               & (Contact.conversation_id == ContactTopic.conversation_id)).where(
                func.lower(Contact.disposition).in_(dispositions)
                | Contact.customer_complained.is_(True) | Contact.growing_angrier.is_(True)
                | Contact.conversation_id.in_(low_csat))
        rows = await self.session.execute(query.group_by(ContactTopic.term))
        return {term: int(count) for term, count in rows.all()}

    def add(self, row: Contact | TranscriptMessage | Alert | TenantRules | ContactTopic) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
