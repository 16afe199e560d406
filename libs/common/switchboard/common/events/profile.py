"""Events published by `profile`: who the customer is, consent, privacy."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from switchboard.common.events.base import Payload, register


class _Profile(Payload):
    service = "profile"


class RepeatContact(BaseModel):
    model_config = ConfigDict(frozen=True)
    contacts_today: int = 1
    contacts_7d: int = 1
    last_contact_at: datetime | None = None
    last_unresolved: bool = False


@register
class ContactIdentified(_Profile):
    name = "contact.identified"
    summary = "An inbound contact was resolved to a customer (new or known)."
    customer_id: str
    conversation_id: str
    channel: str
    new_customer: bool = False
    tier: str = "standard"
    segments: list[str] = []
    language: str | None = None
    time_zone: str | None = None
    consent: dict[str, bool] = {}
    repeat: RepeatContact = RepeatContact()


@register
class CustomerUpdated(_Profile):
    name = "customer.updated"
    summary = "A customer was created or changed through the API (what routing and campaign use)."
    customer_id: str
    tier: str = "standard"
    language: str | None = None
    time_zone: str | None = None
    tags: list[str] = []
    at: datetime


@register
class CustomerMerged(_Profile):
    name = "customer.merged"
    summary = "Two customer records were merged; re-key merged_id to survivor_id."
    survivor_id: str
    merged_id: str
    reason: Literal["manual", "verified_identity"] = "manual"
    at: datetime


@register
class CustomerErased(_Profile):
    name = "customer.erased"
    summary = "A customer's personal data was erased; every service must forget them."
    customer_id: str
    at: datetime


@register
class ConsentChanged(_Profile):
    name = "consent.changed"
    summary = "Consent for a channel and purpose changed (opt-in, opt-out, do-not-contact)."
    customer_id: str | None = None
    channel: Literal["sms", "email", "chat", "voice"]
    address: str
    purpose: Literal["service", "marketing", "survey"] = "marketing"
    granted: bool
    source: str
    at: datetime
