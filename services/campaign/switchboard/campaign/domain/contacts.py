"""What the campaign rules need to know about one contact on a list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ListedContact:
    contact_id: str
    phone_e164: str | None = None
    time_zone: str | None = None
    customer_id: str | None = None
    priority: int = 0
    value: float = 0.0
    callback_due: datetime | None = None
    callback_agent_id: str | None = None
