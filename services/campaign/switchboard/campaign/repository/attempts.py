"""Attempts, surveys, callbacks and the pacing figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update

from switchboard.campaign.models import (
    AgentAvailability,
    Attempt,
    Callback,
    Campaign,
    Contact,
    SurveyResponse,
)
from switchboard.campaign.repository._base import CONNECTED, RepositoryBase, in_chunks


class AttemptQueries(RepositoryBase):
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

    async def in_talk(self, tenant: str, campaign_id: str, since: datetime) -> int:
        """Answered calls of the campaign not yet ended: its agents busy on them (answered since
        `since`, so a lost end report stops counting)."""
        count = await self.session.scalar(
            select(func.count()).select_from(Attempt)
            .where(Attempt.tenant_id == tenant, Attempt.campaign_id == campaign_id,
                   Attempt.status == "answered", Attempt.answered_at >= since)
        )
        return int(count or 0)

    async def sends_since_for(self, tenant: str, addresses: list[str], since: datetime,
                              campaign_id: str | None = None) -> dict[str, list[datetime]]:
        """When each address was contacted since: by marketing anywhere, or by one campaign."""
        found: dict[str, list[datetime]] = {}
        for chunk in in_chunks(addresses):
            query = select(Attempt.address, Attempt.requested_at).where(
                Attempt.tenant_id == tenant, Attempt.address.in_(chunk), Attempt.requested_at >= since,
                or_(Attempt.outcome.is_(None), Attempt.outcome != "expired"))  # expired: never sent
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
        for chunk in in_chunks(addresses):
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
        for chunk in in_chunks(addresses):
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
        """(attempted, connected, converted) contacts; connected once stays connected, whatever a
        later attempt (a callback that finds the line busy) brings."""
        row = (await self.session.execute(
            select(func.count().filter(Contact.attempts_made > 0),
                   func.count().filter(Contact.converted.is_(True)))
            .where(Contact.tenant_id == tenant, Contact.campaign_id == campaign_id)
        )).one()
        connected = await self.session.scalar(
            select(func.count(func.distinct(Attempt.contact_id)))
            .where(Attempt.tenant_id == tenant, Attempt.campaign_id == campaign_id,
                   Attempt.outcome.in_(CONNECTED))
        )
        return int(row[0]), int(connected or 0), int(row[1])

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
                   Attempt.channel != "voice",  # a keypad survey is answered on its call
                   SurveyResponse.id.is_(None))
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def survey_response_of(self, tenant: str, attempt_id: str) -> SurveyResponse | None:
        return await self.session.scalar(select(SurveyResponse).where(
            SurveyResponse.tenant_id == tenant, SurveyResponse.attempt_id == attempt_id))

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

    async def complete_callbacks(self, tenant: str, *, due_by: datetime, at: datetime,
                                 contact_id: str | None = None, address: str | None = None) -> int:
        """Mark made the pending callbacks a call reached: a campaign contact's, or those owed to an
        address outside any campaign (complaints, abandoned contacts). Only those due by `due_by`."""
        query = update(Callback).where(Callback.tenant_id == tenant, Callback.status == "pending",
                                       Callback.due_at <= due_by)
        if contact_id is not None:
            query = query.where(Callback.contact_id == contact_id)
        else:
            query = query.where(Callback.contact_id.is_(None), Callback.address == address)
        result = await self.session.execute(query.values(status="done", completed_at=at))
        return int(getattr(result, "rowcount", 0) or 0)

    # pacing

    async def availability(self, tenant: str, queue_id: str) -> AgentAvailability | None:
        return await self.session.scalar(
            select(AgentAvailability).where(AgentAvailability.tenant_id == tenant,
                                            AgentAvailability.queue_id == queue_id)
        )

