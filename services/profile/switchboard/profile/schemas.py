"""Profile's API models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class IdentityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    value: str


class CustomerOut(BaseModel):
    id: str
    name: str | None
    tier: str
    language: str | None
    time_zone: str | None
    created_at: datetime
    identities: list[IdentityOut]


class TimelineEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: str
    channel: str
    conversation_id: str | None
    summary: str
    occurred_at: datetime


class TimelinePage(BaseModel):
    items: list[TimelineEntryOut]
    next_before: datetime | None


class TenantSettingsIn(BaseModel):
    default_region: str = Field(min_length=2, max_length=2, description="ISO 3166 code, e.g. CN, US")


class TenantSettingsOut(BaseModel):
    default_region: str | None
