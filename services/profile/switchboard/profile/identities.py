"""Turning a channel address into a normalized identity (pure domain, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from switchboard.common.errors import Unprocessable


class UnreadableAddress(Exception):
    """The address cannot be normalized with what the tenant has configured."""


@dataclass(frozen=True)
class IdentityKey:
    kind: str  # phone | email | visitor | external
    value: str


def normalize_phone(raw: str, default_region: str | None) -> str:
    """E.164. A national number needs the tenant's default region to be read."""
    text = raw.strip()
    if not text.startswith("+") and not default_region:
        raise UnreadableAddress(
            "a national phone number arrived but the tenant has no default region; "
            "set one with PUT /v1/settings"
        )
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException as exc:
        raise UnreadableAddress(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_possible_number(number):
        raise UnreadableAddress("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def identity_for(channel: str, address: str, default_region: str | None) -> IdentityKey:
    if channel in ("sms", "voice"):
        return IdentityKey("phone", normalize_phone(address, default_region))
    if channel == "email":
        return IdentityKey("email", address.strip().lower())
    return IdentityKey("visitor", address.strip())


def valid_region(region: str) -> str:
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise Unprocessable(f"default_region: {region!r} is not an ISO 3166 region code")
    return code


def lookup_key(
    phone: str | None, email: str | None, visitor: str | None, default_region: str | None
) -> IdentityKey:
    """The identity an API caller asks about; exactly one of the three must be given."""
    given = [(k, v) for k, v in (("phone", phone), ("email", email), ("visitor", visitor)) if v]
    if len(given) != 1:
        raise Unprocessable("give exactly one of phone, email or visitor")
    kind, value = given[0]
    if kind == "phone":
        try:
            return IdentityKey("phone", normalize_phone(value, default_region))
        except UnreadableAddress as exc:
            raise Unprocessable(f"phone: {exc}") from exc
    if kind == "email":
        return IdentityKey("email", value.strip().lower())
    return IdentityKey("visitor", value.strip())
