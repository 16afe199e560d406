"""Profile's API models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

IdentityKind = Literal["phone", "email", "visitor", "external"]
ChannelName = Literal["sms", "email", "chat", "voice"]
PurposeName = Literal["service", "marketing", "survey"]


class IdentityIn(BaseModel):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=255)
    verified: bool = Field(False, description="proven (e.g. by a one-time code); may merge records")


class IdentityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    value: str
    verified: bool = False


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=255)
    tier: str | None = Field(None, max_length=32, description="a tier defined with PUT /v1/tiers/{name}")
    language: str | None = Field(None, max_length=16, description="BCP 47, e.g. zh-CN")
    time_zone: str | None = Field(None, max_length=64, description="IANA, e.g. Asia/Shanghai")
    birthday: date | None = None
    tags: list[str] = []
    attributes: dict[str, Any] = {}
    identities: list[IdentityIn] = []


class CustomerPatch(BaseModel):
    """Only the fields sent change; `null` clears a field."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=255)
    tier: str | None = Field(None, max_length=32)
    language: str | None = Field(None, max_length=16)
    time_zone: str | None = Field(None, max_length=64)
    birthday: date | None = None
    tags: list[str] | None = None
    attributes: dict[str, Any] | None = Field(
        None, description="merged into the existing attributes; a null value removes the key"
    )


class CustomerOut(BaseModel):
    id: str
    name: str | None
    tier: str
    language: str | None
    time_zone: str | None
    birthday: date | None = None
    tags: list[str] = []
    attributes: dict[str, Any] = {}
    external_ids: dict[str, str] = {}
    last_contact_at: datetime | None = None
    created_at: datetime
    updated_at: datetime | None = None
    identities: list[IdentityOut]


class TierIn(BaseModel):
    rank: int = Field(0, ge=0, le=1000, description="higher is more valued (VIP above standard)")
    description: str = Field("", max_length=255)


class TierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    rank: int
    description: str


class TimelineEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: str
    channel: str
    conversation_id: str | None
    summary: str
    agent_id: str | None = None
    detail: dict[str, Any] | None = None
    occurred_at: datetime


class TimelinePage(BaseModel):
    items: list[TimelineEntryOut]
    next_cursor: str | None = Field(None, description="pass as ?cursor= for the next (older) page")
    next_before: datetime | None = Field(None, description="deprecated: use next_cursor")


class TenantSettingsIn(BaseModel):
    default_region: str | None = Field(
        None, min_length=2, max_length=2, description="ISO 3166 code, e.g. CN, US"
    )
    time_zone: str | None = Field(None, description="IANA zone that 'today' means for this tenant")
    marketing_requires_opt_in: bool | None = Field(
        None, description="marketing needs an explicit grant (default true)"
    )


class TenantSettingsOut(BaseModel):
    default_region: str | None
    time_zone: str | None = None
    marketing_requires_opt_in: bool = True


class ConsentIn(BaseModel):
    channel: ChannelName
    purpose: PurposeName
    granted: bool
    address: str | None = Field(
        None, description="one contact point; omitted: every address of the customer on the channel"
    )
    source: str = Field("agent", max_length=64)


class ConsentOut(BaseModel):
    channel: str
    address: str
    purpose: str
    allowed: bool
    reason: str
    source: str | None = None
    updated_at: datetime | None = None


class ConsentCheckOut(BaseModel):
    channel: str
    address: str
    purpose: str
    allowed: bool
    reason: str
    customer_id: str | None = None


class DoNotContactIn(BaseModel):
    channel: ChannelName
    address: str = Field(min_length=1, max_length=255)
    reason: str = Field("", max_length=255)


class DoNotContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    channel: str
    address: str
    reason: str
    source: str
    created_at: datetime


class OpenItemOut(BaseModel):
    conversation_id: str
    channel: str
    opened_at: datetime
    last_contact_at: datetime


class RepeatContactOut(BaseModel):
    contacts_today: int
    contacts_7d: int
    last_contact_at: datetime | None
    last_channel: str | None
    last_unresolved: bool
    summary: str


class ScreenPopOut(BaseModel):
    customer: CustomerOut
    tier: TierOut
    tags: list[str]
    consent: list[ConsentOut]
    open_items: list[OpenItemOut]
    last_interactions: list[TimelineEntryOut]
    repeat: RepeatContactOut
