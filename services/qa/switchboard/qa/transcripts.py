"""Building a contact's transcript: redact, score, check, alert. Never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from switchboard.common.events.qa import AlertRaised
from switchboard.common.uow import UnitOfWork
from switchboard.qa.domain import sentiment
from switchboard.qa.domain.checks import Line, run_checks
from switchboard.qa.domain.redaction import redact
from switchboard.qa.domain.rules import CheckRules, phrases_in
from switchboard.qa.domain.topics import topic_terms
from switchboard.qa.models import Alert, Contact, ContactTopic, TranscriptMessage
from switchboard.qa.repository import QARepository
from switchboard.qa.sampling_repository import SamplingRepository

_KIND_NAMES = {"card_number": "a card number", "national_id": "a national ID number"}


async def contact_for(
    repo: QARepository, tenant: str, conversation_id: str, channel: str, at: datetime
) -> Contact:
    contact = await repo.contact(tenant, conversation_id)
    if contact is None:
        contact = Contact(
            id=str(uuid.uuid4()), tenant_id=tenant, conversation_id=conversation_id, channel=channel,
            opened_at=at, message_count=0, growing_angrier=False, sensitive_data=False, checks=[],
            updated_at=datetime.now(UTC),
        )
        repo.add(contact)
        await repo.flush()
    return contact


async def record_message(
    uow: UnitOfWork, tenant: str, *, conversation_id: str, message_id: str, channel: str,
    role: str, text: str, at: datetime, agent_id: str | None = None, inbound: bool = True,
) -> Contact | None:
    """Store one message (redacted first), refresh the contact, raise what must be raised.
    Returns the contact, or None when the message was stored before. Only the customer's lines
    of inbound contacts are topics."""
    repo = QARepository(uow.session)
    if await repo.message(tenant, message_id) is not None:
        return None  # the same message reached us twice (e.g. re-published by its producer)
    contact = await contact_for(repo, tenant, conversation_id, channel, at)
    if role == "agent":
        agent_id = agent_id or contact.agent_id
        contact.agent_id = contact.agent_id or agent_id
    redacted = redact(text)
    repo.add(TranscriptMessage(
        id=str(uuid.uuid4()), tenant_id=tenant, conversation_id=conversation_id,
        message_id=message_id, role=role, agent_id=agent_id if role == "agent" else None,
        text=redacted.text, redactions=redacted.kinds, language=sentiment.language_of(redacted.text),
        sentiment=sentiment.score(redacted.text), at=at,
    ))
    await repo.flush()
    if role == "customer" and inbound:
        await _note_topics(repo, tenant, conversation_id, redacted.text, at)
    rules = await repo.rules(tenant)
    was_angrier = contact.growing_angrier
    await refresh_contact(repo, contact, rules)
    if redacted.found:
        contact.sensitive_data = True
        kinds = " and ".join(_KIND_NAMES[k] for k in sorted(redacted.kinds))
        await raise_alert(uow, repo, contact, "sensitive_data", "critical",
                          f"{kinds} in a {role} message (redacted before storage)")
    if role == "agent" and (hits := phrases_in(redacted.text, rules.forbidden_phrases)):
        await raise_alert(uow, repo, contact, "forbidden_phrase", "warning",
                          "the agent said " + ", ".join(map(repr, hits)))
    if contact.growing_angrier and not was_angrier:
        await raise_alert(uow, repo, contact, "sentiment_drop", "warning",
                          f"the customer is growing angrier (conversation sentiment {contact.sentiment})")
    return contact


async def _note_topics(
    repo: QARepository, tenant: str, conversation_id: str, text: str, at: datetime
) -> None:
    new_terms = topic_terms(text) - await repo.topic_terms(tenant, conversation_id)
    for term in sorted(new_terms):
        repo.add(ContactTopic(id=str(uuid.uuid4()), tenant_id=tenant, conversation_id=conversation_id,
                              term=term[:64], at=at))


async def refresh_contact(repo: QARepository, contact: Contact, rules: CheckRules) -> None:
    """Recompute the checks, the customer's mood and whether they complained from the whole
    transcript so far, with the rules in force."""
    messages = await repo.messages(contact.tenant_id, contact.conversation_id)
    customer_scores = [m.sentiment for m in messages if m.role == "customer"]
    complaint_phrases = (await SamplingRepository(repo.session).rules(contact.tenant_id)).complaint_phrases
    contact.customer_complained = customer_complained(messages, complaint_phrases)
    contact.message_count = len(messages)
    contact.sentiment = sentiment.conversation_score(customer_scores)
    contact.growing_angrier = contact.growing_angrier or sentiment.is_growing_angrier(
        customer_scores, drop=rules.sentiment_drop, floor=rules.sentiment_floor)
    lines = [Line(role=m.role, text=m.text, at=m.at, sensitive=bool(m.redactions))  # type: ignore[arg-type]
             for m in messages]
    contact.checks = [result.as_dict() for result in run_checks(lines, contact.channel, rules)]
    contact.updated_at = datetime.now(UTC)


def customer_complained(messages: list[TranscriptMessage], complaint_phrases: list[str]) -> bool:
    return any(m.role == "customer" and phrases_in(m.text, complaint_phrases) for m in messages)


async def raise_alert(
    uow: UnitOfWork, repo: QARepository, contact: Contact, kind: str, severity: str, detail: str
) -> None:
    now = datetime.now(UTC)
    alert = await _insert_alert(repo, contact, kind, severity, detail, now)
    await uow.emit(
        AlertRaised(alert_id=alert.id, conversation_id=contact.conversation_id, agent_id=contact.agent_id,
                    kind=kind, severity=severity, detail=detail, at=now),  # type: ignore[arg-type]
        tenant=contact.tenant_id, subject=contact.conversation_id,
    )


async def _insert_alert(
    repo: QARepository, contact: Contact, kind: str, severity: str, detail: str, now: datetime
) -> Alert:
    alert = Alert(
        id=str(uuid.uuid4()), tenant_id=contact.tenant_id, seq=await repo.next_alert_seq(contact.tenant_id),
        conversation_id=contact.conversation_id, agent_id=contact.agent_id, kind=kind,
        severity=severity, detail=detail, at=now,
    )
    repo.add(alert)
    await repo.flush()
    return alert
