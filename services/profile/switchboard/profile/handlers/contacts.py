"""Inbound contacts, a batch at a time: resolve, link, append, count, announce.

Each contact (an inbound message or call) is resolved to its customer (a new, unnamed
one when nobody matches), its conversation linked, its timeline entry appended, its
repeat-contact facts counted and `profile.contact.identified` emitted, exactly as if
the contacts had been handled one by one in order: the second contact of a new
sender in the same batch finds the customer the first one created, and counts it.
The whole batch costs a fixed dozen statements (contact_repository.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from switchboard.common.events.base import Envelope
from switchboard.common.events.ingest import MessageReceived
from switchboard.common.events.profile import ContactIdentified, RepeatContact
from switchboard.common.ids import new_id
from switchboard.common.uow import UnitOfWork
from switchboard.profile.consent_repository import ConsentRepository
from switchboard.profile.contact_repository import ContactRepository, ContactSettings, KnownConversation
from switchboard.profile.domain.consent import PURPOSES, decide
from switchboard.profile.domain.customers import DEFAULT_TIER, start_of_local_day, zone_of
from switchboard.profile.identities import IdentityKey, channels_of, identity_for


@dataclass(frozen=True)
class InboundContact:
    envelope: Envelope
    channel: str
    address: str
    conversation_id: str
    at: datetime
    kind: str  # the timeline kind: message.received | call.inbound
    summary: str


@dataclass
class _Known:
    """What the batch knows of one customer: the row's fields and its inbound history."""

    id: str
    tier: str
    tags: list[str]
    language: str | None
    time_zone: str | None
    last_contact_at: datetime | None
    new: bool = False
    touched: bool = False  # last_contact_at moved
    # (occurred_at, entry id, channel, conversation id) of inbound entries, from the window read
    inbound: list[tuple[datetime, str, str, str | None]] = field(default_factory=list)
    points: set[tuple[str, str]] = field(default_factory=set)


async def on_messages_received(events: list[tuple[MessageReceived, Envelope]], uow: UnitOfWork) -> None:
    await resolve_contacts(uow, [
        InboundContact(envelope, e.channel, e.from_address, e.conversation_id, e.received_at,
                       "message.received", e.text)
        for e, envelope in events
    ])


async def resolve_contacts(uow: UnitOfWork, contacts: list[InboundContact]) -> None:
    """Contacts of one tenant, in stream order."""
    tenant = contacts[0].envelope.tenant
    repo = ContactRepository(uow.session)
    settings = await repo.settings(tenant)
    region = settings.default_region if settings else None
    keys = [identity_for(c.channel, c.address, region) for c in contacts]
    now = datetime.now(UTC)
    by_key = await _customers_for(repo, tenant, keys)
    resolved = await _load_history(repo, tenant, by_key, now)
    conversations = await repo.conversations(tenant, {c.conversation_id for c in contacts})
    batch = _Batch(tenant, settings, now, resolved, conversations)
    identified = [batch.add(contact, by_key[key]) for contact, key in zip(contacts, keys, strict=True)]
    await _write(repo, batch, by_key)
    customers = list({k.id: k for k in by_key.values()}.values())
    consent = await _consent_summaries(uow, tenant, settings, customers)
    await uow.emit_all(
        [(event.model_copy(update={"consent": consent[event.customer_id]}), event.conversation_id)
         for event in identified],
        tenant=tenant, causes=[c.envelope for c in contacts],
    )


async def _customers_for(
    repo: ContactRepository, tenant: str, keys: list[IdentityKey]
) -> dict[IdentityKey, _Known]:
    """Each key's customer; two keys of one customer (a phone and an email) share one."""
    found = await repo.customers_by_identity(tenant, keys)
    by_key: dict[IdentityKey, _Known] = {}
    by_id: dict[str, _Known] = {}
    for key in keys:
        if key in by_key:
            continue
        row = found.get(key)
        if row is None:
            by_key[key] = _Known(new_id(), DEFAULT_TIER, [], None, None, None, new=True)
        else:
            by_key[key] = by_id.setdefault(row.id, _Known(
                row.id, row.tier, list(row.tags or []), row.language, row.time_zone,
                row.last_contact_at))
        by_key[key].points.update((channel, key.value) for channel in channels_of(key.kind))
    return by_key


async def _load_history(
    repo: ContactRepository, tenant: str, by_key: dict[IdentityKey, _Known], now: datetime
) -> dict[str | None, bool]:
    """Fill each known customer's recent inbound entries; the resolved flag of their
    conversations. The week window covers 'today' in every zone (a day is shorter)."""
    known = {k.id: k for k in by_key.values() if not k.new}
    resolved: dict[str | None, bool] = {}
    rows = await repo.inbound_since(tenant, known, now - timedelta(days=7))
    seen = {row.customer_id for row in rows}
    rows += await repo.latest_inbound(tenant, set(known) - seen)
    for row in rows:
        known[row.customer_id].inbound.append((row.occurred_at, row.id, row.channel, row.conversation_id))
        resolved[row.conversation_id] = bool(row.resolved)
    return resolved


class _Batch:
    """The rows to write, built contact by contact in order."""

    def __init__(self, tenant: str, settings: ContactSettings | None, now: datetime,
                 resolved: dict[str | None, bool], conversations: dict[str, KnownConversation]) -> None:
        self.tenant, self.settings, self.now = tenant, settings, now
        self.resolved = resolved
        self.conversations = conversations
        self.new_conversations: dict[str, dict[str, Any]] = {}
        self.touched_conversations: dict[str, datetime] = {}
        self.timeline: list[dict[str, Any]] = []

    def add(self, contact: InboundContact, customer: _Known) -> ContactIdentified:
        first_time = customer.new and not customer.inbound  # the contact that creates it
        repeat = self._repeat(customer)
        self._link(contact, customer)
        entry_id = new_id()
        self.timeline.append({
            "id": entry_id, "tenant_id": self.tenant, "customer_id": customer.id,
            "event_id": contact.envelope.id, "kind": contact.kind, "channel": contact.channel,
            "conversation_id": contact.conversation_id, "summary": contact.summary[:200],
            "agent_id": None, "detail": None, "occurred_at": contact.at,
        })
        customer.inbound.append((contact.at, entry_id, contact.channel, contact.conversation_id))
        if customer.last_contact_at is None or contact.at > customer.last_contact_at:
            customer.last_contact_at = contact.at
            customer.touched = True
        return ContactIdentified(
            customer_id=customer.id, conversation_id=contact.conversation_id, channel=contact.channel,
            new_customer=first_time, tier=customer.tier, segments=list(customer.tags),
            language=customer.language, time_zone=customer.time_zone, repeat=repeat,
        )

    def _repeat(self, customer: _Known) -> RepeatContact:
        """Counts include the contact being handled; 'last' is the one before it."""
        zone = zone_of(customer.time_zone, self.settings.time_zone if self.settings else None)
        today, week = start_of_local_day(self.now, zone), self.now - timedelta(days=7)
        contacts_today = 1 + sum(1 for at, *_ in customer.inbound if at >= today)
        contacts_7d = 1 + sum(1 for at, *_ in customer.inbound if at >= week)
        if not customer.inbound:
            return RepeatContact(contacts_today=contacts_today, contacts_7d=contacts_7d,
                                 last_contact_at=None, last_unresolved=False)
        at, _, _, conversation_id = max(customer.inbound, key=lambda entry: (entry[0], entry[1]))
        unresolved = conversation_id is not None and not self.resolved.get(conversation_id, False)
        return RepeatContact(contacts_today=contacts_today, contacts_7d=contacts_7d,
                             last_contact_at=at, last_unresolved=unresolved)

    def _link(self, contact: InboundContact, customer: _Known) -> None:
        cid, at = contact.conversation_id, contact.at
        if (new := self.new_conversations.get(cid)) is not None:
            new["last_contact_at"] = max(new["last_contact_at"], at)
        elif (row := self.conversations.get(cid)) is None:
            self.new_conversations[cid] = {
                "tenant_id": self.tenant, "id": cid, "customer_id": customer.id,
                "channel": contact.channel, "opened_at": at, "last_contact_at": at, "resolved": False}
            self.resolved[cid] = False
        else:
            self.resolved.setdefault(cid, bool(row.resolved))
            if at > self.touched_conversations.get(cid, row.last_contact_at):
                self.touched_conversations[cid] = at


async def _write(repo: ContactRepository, batch: _Batch, by_key: dict[IdentityKey, _Known]) -> None:
    tenant, now = batch.tenant, batch.now
    customers = list({k.id: k for k in by_key.values()}.values())
    await repo.insert("customers", [
        {"id": k.id, "tenant_id": tenant, "name": None, "tier": k.tier, "language": None,
         "time_zone": None, "birthday": None, "tags": [], "attributes": {},
         "last_contact_at": k.last_contact_at, "merged_into": None, "erased_at": None,
         "created_at": now, "updated_at": None}
        for k in customers if k.new])
    await repo.insert("identities", [
        {"id": new_id(), "tenant_id": tenant, "customer_id": k.id, "kind": key.kind,
         "value": key.value, "verified": False, "created_at": now}
        for key, k in by_key.items() if k.new])
    await repo.insert("conversations", list(batch.new_conversations.values()))
    await repo.touch_conversations(tenant, batch.touched_conversations)
    await repo.insert("timeline", batch.timeline)
    await repo.touch_customers(tenant, {
        k.id: k.last_contact_at for k in customers
        if not k.new and k.touched and k.last_contact_at is not None})


async def _consent_summaries(
    uow: UnitOfWork, tenant: str, settings: ContactSettings | None, customers: list[_Known]
) -> dict[str, dict[str, bool]]:
    """'sms:marketing' -> allowed, per customer, for every contact point's channel."""
    repo = ContactRepository(uow.session)
    by_id = {k.id: k for k in customers}
    for row in await repo.contact_points(tenant, [k.id for k in customers if not k.new]):
        by_id[row.customer_id].points.update((channel, row.value) for channel in channels_of(row.kind))
    points = {point for k in customers for point in k.points}
    consents = ConsentRepository(uow.session)
    records = await consents.granted_for(tenant, points)
    blocked = await consents.do_not_contact_for(tenant, points)
    opt_in = True if settings is None else settings.marketing_requires_opt_in
    # most contact points have no record and no block: one answer per purpose serves them all
    default = {purpose: decide(purpose, recorded=None, do_not_contact=False,
                               marketing_requires_opt_in=opt_in).allowed for purpose in PURPOSES}
    out: dict[str, dict[str, bool]] = {}
    for k in customers:
        summary: dict[str, bool] = {}
        for channel, address in sorted(k.points):
            is_blocked = (channel, address) in blocked
            for purpose in PURPOSES:
                recorded = records.get((channel, address, purpose))
                allowed = default[purpose] if recorded is None and not is_blocked else decide(
                    purpose, recorded=recorded, do_not_contact=is_blocked,
                    marketing_requires_opt_in=opt_in).allowed
                name = f"{channel}:{purpose}"
                summary[name] = summary.get(name, False) or allowed
        out[k.id] = summary
    return out
