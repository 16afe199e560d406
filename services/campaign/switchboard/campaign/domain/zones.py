"""The recipient's time zones: from the profile, else from the number's region."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_timezones

from switchboard.campaign.domain.contacts import ListedContact

UNKNOWN_ZONE = "Etc/Unknown"


def zones_of_number(phone_e164: str) -> list[ZoneInfo]:
    """Every zone the number may ring in (a US area code can span two)."""
    try:
        number = phonenumbers.parse(phone_e164, None)
    except phonenumbers.NumberParseException:
        return []
    names = sorted({z for z in number_timezones.time_zones_for_number(number) if z != UNKNOWN_ZONE})
    return [ZoneInfo(name) for name in names]


def recipient_zones(contact: ListedContact) -> list[ZoneInfo]:
    """The profile's zone when known; otherwise all zones of the number, to be allowed in each."""
    if contact.time_zone:
        try:
            return [ZoneInfo(contact.time_zone)]
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if contact.phone_e164:
        return zones_of_number(contact.phone_e164)
    return []
