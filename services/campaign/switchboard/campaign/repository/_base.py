"""The session every query class shares, and helpers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias

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


class RepositoryBase:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Row) -> None:
        self.session.add(row)

    def add_all(self, rows: Iterable[Row]) -> None:
        self.session.add_all(list(rows))

    async def flush(self) -> None:
        await self.session.flush()


LARGE_LIST = 20_000  # more addresses than this: one pass over the table beats IN lists of 500


def in_chunks(items: list[str], size: int = 500) -> list[list[str]]:
    """IN lists of a size every database takes."""
    return [items[start:start + size] for start in range(0, len(items), size)]

