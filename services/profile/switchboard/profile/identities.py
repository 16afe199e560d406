"""Turning a channel address into a normalized identity (pure domain, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from switchboard.common.errors import Unprocessable

KINDS = ("phone", "email", "visitor", "external")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EXTERNAL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}:\S{1,200}$")


class UnreadableAddress(Exception):
    """The address cannot be normalized with what the tenant has configured."""


@dataclass(frozen=True)
class IdentityKey:
    kind: str  # phone | email | visitor | external
    value: str


@lru_cache(maxsize=65_536)  # pure, and parsing costs ~0.15 ms: callers call again and again
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


def normalize_email(raw: str) -> str:
    text = raw.strip().lower()
    if not _EMAIL.match(text) or len(text) > 254:
        raise UnreadableAddress("not an email address")
    return text


def identity_for(channel: str, address: str, default_region: str | None) -> IdentityKey:
    if channel in ("sms", "voice"):
        return IdentityKey("phone", normalize_phone(address, default_region))
    if channel == "email":
        return IdentityKey("email", address.strip().lower())
    return IdentityKey("visitor", address.strip())


def identity_key(kind: str, value: str, default_region: str | None, field: str = "value") -> IdentityKey:
    """An identity given through the API, normalized; 422 naming the field if it cannot be."""
    try:
        if kind == "phone":
            return IdentityKey("phone", normalize_phone(value, default_region))
        if kind == "email":
            return IdentityKey("email", normalize_email(value))
    except UnreadableAddress as exc:
        raise Unprocessable(f"{field}: {exc}") from exc
    text = value.strip()
    if kind == "visitor":
        if not 0 < len(text) <= 255:
            raise Unprocessable(f"{field}: a visitor id is 1-255 characters")
        return IdentityKey("visitor", text)
    if kind == "external":
        if not _EXTERNAL.match(text):
            raise Unprocessable(f"{field}: an external id is '<system>:<id>', e.g. 'crm:C-1001'")
        return IdentityKey("external", text)
    raise Unprocessable(f"kind: {kind!r} is not one of {', '.join(KINDS)}")


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


def channels_of(kind: str) -> tuple[str, ...]:
    """The channels a contact point of this kind reaches."""
    return {"phone": ("sms", "voice"), "email": ("email",), "visitor": ("chat",)}.get(kind, ())


def kind_of_channel(channel: str) -> str:
    return {"sms": "phone", "voice": "phone", "email": "email", "chat": "visitor"}[channel]
