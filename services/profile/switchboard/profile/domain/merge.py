"""Survivorship: what a merged customer record keeps from each of the two.

- The survivor's id stays; the other record becomes a pointer to it.
- A field set on the survivor wins; an empty one is filled from the other
  (name, language, time zone, birthday).
- The tier is the more valued of the two (the higher rank).
- Tags are the union; attributes are the union, the survivor winning a key both have.
- Created at is the earlier, last contact the later.
- Two different external ids of the same system are a conflict: the records
  are then two people (or the CRM is wrong), and a person must decide.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol


class MergeConflict(Exception):
    pass


class CustomerFields(Protocol):
    id: str
    name: str | None
    tier: str
    language: str | None
    time_zone: str | None
    birthday: date | None
    tags: list[str]
    attributes: dict[str, Any]
    created_at: datetime
    last_contact_at: datetime | None


def older_first(a: CustomerFields, b: CustomerFields) -> tuple[CustomerFields, CustomerFields]:
    """For an automatic merge the older record survives: its id is the one others know longest."""
    return (a, b) if (a.created_at, a.id) <= (b.created_at, b.id) else (b, a)


def survivorship(
    survivor: CustomerFields, merged: CustomerFields, ranks: dict[str, int]
) -> dict[str, Any]:
    """The survivor's fields after the merge."""
    tier = survivor.tier
    if ranks.get(merged.tier, 0) > ranks.get(survivor.tier, 0):
        tier = merged.tier
    last = [t for t in (survivor.last_contact_at, merged.last_contact_at) if t is not None]
    return {
        "name": survivor.name or merged.name,
        "tier": tier,
        "language": survivor.language or merged.language,
        "time_zone": survivor.time_zone or merged.time_zone,
        "birthday": survivor.birthday or merged.birthday,
        "tags": list(dict.fromkeys([*(survivor.tags or []), *(merged.tags or [])])),
        "attributes": {**(merged.attributes or {}), **(survivor.attributes or {})},
        "created_at": min(survivor.created_at, merged.created_at),
        "last_contact_at": max(last) if last else None,
    }


def check_external_ids(survivor_ids: list[str], merged_ids: list[str]) -> None:
    """`system:id` values of each record; the same system with two ids is a conflict."""
    mine = dict(value.split(":", 1) for value in survivor_ids)
    for value in merged_ids:
        system, ident = value.split(":", 1)
        if system in mine and mine[system] != ident:
            raise MergeConflict(
                f"the two customers have different {system} ids ({mine[system]} and {ident}); "
                "they may be two people: remove one id first if they are not"
            )
