"""Which due contact goes first: promised callbacks at their time, then priority, then value."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from switchboard.campaign.domain.contacts import ListedContact


def dial_order_key(contact: ListedContact, now: datetime) -> tuple[int, float, int, float, str]:
    callback_due = contact.callback_due is not None and contact.callback_due <= now
    # Among due callbacks the oldest promise first; a tie ends on the id so the order is stable.
    promised_at = contact.callback_due.timestamp() if callback_due and contact.callback_due else 0.0
    return (0 if callback_due else 1, promised_at, -contact.priority, -contact.value, contact.contact_id)


def order_for_dialing(contacts: Iterable[ListedContact], now: datetime) -> list[ListedContact]:
    return sorted(contacts, key=lambda c: dial_order_key(c, now))
