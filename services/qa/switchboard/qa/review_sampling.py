"""Picking completed contacts for human review by the tenant's sampling rules. Never commits."""

from __future__ import annotations

import uuid
from datetime import datetime

from switchboard.common.auth import Principal
from switchboard.common.errors import NotFound
from switchboard.common.uow import UnitOfWork
from switchboard.qa import evaluations as workflow
from switchboard.qa.domain.sampling import ContactFacts, SamplingRules, sampling_reason
from switchboard.qa.models import AgentRecord, Contact, Evaluation
from switchboard.qa.repository import QARepository
from switchboard.qa.sampling_repository import SamplingRepository
from switchboard.qa.transcripts import customer_complained

SYSTEM = "qa-sampling"


async def note_agent(repo: SamplingRepository, tenant: str, agent_id: str, at: datetime) -> AgentRecord:
    record = await repo.agent_first_seen(tenant, agent_id)
    if record is None:
        record = AgentRecord(id=str(uuid.uuid4()), tenant_id=tenant, agent_id=agent_id, first_contact_at=at)
        repo.add(record)
        await repo.session.flush()  # the session does not autoflush; sampling reads it next
    elif at < record.first_contact_at:
        record.first_contact_at = at
    return record


async def sample_if_due(uow: UnitOfWork, contact: Contact, at: datetime, *,
                        forced_reason: str | None = None, completed: bool = False) -> Evaluation | None:
    """Assign the contact for review when a rule picks it (or `forced_reason`, e.g. a bad CSAT).
    The random share is drawn once, when the contact's task completed (`completed`, `at` its
    time); lines arriving later are looked at again only for what they say."""
    repo = SamplingRepository(uow.session)
    rules = await repo.rules(contact.tenant_id)
    if not (rules.enabled and rules.scorecard_id and rules.evaluator_ids):
        return None
    if await repo.sampled_already(contact.tenant_id, contact.conversation_id):
        return None
    reason = forced_reason or await _reason(repo, contact, at, rules, completed=completed)
    if reason is None:
        return None
    evaluator = await repo.least_loaded(contact.tenant_id, rules.evaluator_ids)
    system = Principal(subject=SYSTEM, tenant=contact.tenant_id, roles=frozenset({"service"}))
    try:
        return await workflow.assign(uow, system, conversation_id=contact.conversation_id,
                                     scorecard_id=rules.scorecard_id, evaluator_id=evaluator,
                                     reason=reason)
    except NotFound:
        return None  # the configured scorecard was removed: sample nothing rather than fail the event


async def _reason(
    repo: SamplingRepository, contact: Contact, at: datetime, rules: SamplingRules, *, completed: bool
) -> str | None:
    median, samples = await repo.handle_time_norm(contact.tenant_id, contact.channel, contact.conversation_id)
    record = await repo.agent_first_seen(contact.tenant_id, contact.agent_id) if contact.agent_id else None
    lines = await QARepository(repo.session).messages(contact.tenant_id, contact.conversation_id)
    # the rules may have changed since the contact's last line: judge, and keep, with these
    contact.customer_complained = customer_complained(lines, rules.complaint_phrases)
    facts = ContactFacts(
        conversation_id=contact.conversation_id, disposition=contact.disposition,
        customer_complained=contact.customer_complained,
        sentiment=contact.sentiment, growing_angrier=contact.growing_angrier,
        handle_seconds=contact.handle_seconds, median_handle_seconds=median, handle_samples=samples,
        agent_first_seen=record.first_contact_at if record else None, at=at, agent_id=contact.agent_id,
        week_ordinal=(await repo.week_ordinal(contact.tenant_id, contact.agent_id, at)
                      if completed and contact.agent_id else None),
    )
    return sampling_reason(facts, rules)
