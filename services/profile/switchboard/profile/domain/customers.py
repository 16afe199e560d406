"""What a valid customer record is: time zones, languages, tags, attributes."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from switchboard.common.errors import Unprocessable

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_TAG = re.compile(r"^[\w][\w .:/-]{0,47}$", re.UNICODE)
_ATTRIBUTE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
MAX_TAGS = 50
MAX_ATTRIBUTES = 100
DEFAULT_TIER = "standard"


def valid_time_zone(value: str, field: str = "time_zone") -> str:
    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Unprocessable(f"{field}: {value!r} is not an IANA time zone (e.g. Asia/Shanghai)") from exc
    return name


def valid_language(value: str) -> str:
    """A BCP 47 tag such as zh, zh-CN, en-US, yue-Hant-HK."""
    tag = value.strip()
    if not _LANGUAGE.match(tag):
        raise Unprocessable(f"language: {value!r} is not a BCP 47 language tag (e.g. zh-CN)")
    return tag


def valid_tags(values: list[str]) -> list[str]:
    """Trimmed, de-duplicated in order; a tag is a short label, not free text."""
    tags: list[str] = []
    for raw in values:
        tag = raw.strip()
        if not _TAG.match(tag):
            raise Unprocessable(f"tags: {raw!r} is not a valid tag (1-48 letters, digits, space . : / - _)")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise Unprocessable(f"tags: at most {MAX_TAGS} tags per customer")
    return tags


def valid_attributes(values: dict[str, Any]) -> dict[str, Any]:
    """Flat key -> scalar pairs (string, number, boolean or null)."""
    if len(values) > MAX_ATTRIBUTES:
        raise Unprocessable(f"attributes: at most {MAX_ATTRIBUTES} attributes per customer")
    for key, value in values.items():
        if not _ATTRIBUTE_KEY.match(key):
            raise Unprocessable(f"attributes: {key!r} is not a valid attribute name")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise Unprocessable(f"attributes.{key}: values must be strings, numbers, booleans or null")
        if isinstance(value, str) and len(value) > 1000:
            raise Unprocessable(f"attributes.{key}: at most 1000 characters")
    return dict(values)


def valid_birthday(value: date, today: date) -> date:
    if value > today or value.year < 1900:
        raise Unprocessable(f"birthday: {value.isoformat()} is not a plausible birthday")
    return value


def zone_of(*candidates: str | None) -> ZoneInfo:
    """The first usable time zone among the candidates (customer, tenant), else UTC."""
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def start_of_local_day(now: datetime, zone: ZoneInfo) -> datetime:
    """Midnight of `now`'s calendar day in `zone`, as an aware instant."""
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def is_birthday(birthday: date | None, today: date) -> bool:
    if birthday is None:
        return False
    if (birthday.month, birthday.day) == (2, 29) and not _leap(today.year):
        return (today.month, today.day) == (2, 28)
    return (birthday.month, birthday.day) == (today.month, today.day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
