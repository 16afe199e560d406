"""Building a campaign's list from a CSV: the domain import, then what only the database knows
(addresses already on the campaign, revoked consent), then the rows, all in the caller's transaction."""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from switchboard.campaign.domain.csv_import import (
    EMAIL_COLUMN,
    PHONE_COLUMN,
    ImportedRow,
    ImportReport,
    MissingPhoneColumn,
    RejectedRow,
    import_contacts,
    import_email_contacts,
)
from switchboard.campaign.domain.templates import template_problems
from switchboard.campaign.domain.windows import next_allowed_in_all_zones
from switchboard.campaign.domain.zones import zones_of_number
from switchboard.campaign.list_workers import ListParsing, import_contacts_in_workers
from switchboard.campaign.models import Campaign, ContactList
from switchboard.campaign.profile_client import ProfileClient, SegmentMember
from switchboard.campaign.profile_tokens import ProfileAuthError
from switchboard.campaign.repository import CampaignRepository
from switchboard.campaign.rules import Rules, all_templates, rules_for, time_zone_problem
from switchboard.common.errors import Unavailable, Unprocessable

# Columns with a meaning of their own; every other column is a template variable.
TIME_ZONE, CUSTOMER_ID, LANGUAGE = "time_zone", "customer_id", "language"
PRIORITY, VALUE = "priority", "value"
MEANINGFUL = frozenset({TIME_ZONE, CUSTOMER_ID, LANGUAGE, PRIORITY, VALUE})


async def parse_csv(campaign: Campaign, text: str, parsing: ListParsing | None = None) -> ImportReport:
    try:
        if campaign.channel == "email":
            return import_email_contacts(text)
        if parsing is not None and parsing.parallel_for(text):
            return await import_contacts_in_workers(text, campaign.default_region, parsing)
        return import_contacts(text, campaign.default_region)
    except MissingPhoneColumn as exc:
        raise Unprocessable(str(exc)) from exc


def check_template_variables(campaign: Campaign, columns: set[str]) -> None:
    known = columns | {PHONE_COLUMN, EMAIL_COLUMN}
    problems = [p.replace("template:", f"{field}:")
                for field, text in all_templates(campaign).items() for p in template_problems(text, known)]
    if problems:
        raise Unprocessable.from_lines([f"{problem} (not a column of the list)" for problem in problems])


def _contact_values(row: ImportedRow) -> tuple[dict[str, Any], str | None]:
    """The row's own columns for the contact, or why the row is rejected."""
    fields = dict(row.fields)
    zone = fields.pop(TIME_ZONE, "") or None
    if (problem := time_zone_problem(zone, TIME_ZONE)) is not None:
        return {}, problem
    try:
        priority = int(fields.pop(PRIORITY, "") or 0)
        value = float(fields.pop(VALUE, "") or 0)
    except ValueError:
        return {}, "priority/value: not a number"
    return {
        "zones": zone or " ".join(row.zones), "zone_given": zone is not None,
        "customer_id": fields.pop(CUSTOMER_ID, "") or None,
        "language": fields.pop(LANGUAGE, "") or None,
        "priority": priority, "value": value, "fields": fields,
    }, None


def _plain_values(row: ImportedRow) -> tuple[dict[str, Any], None]:
    """`_contact_values` of a list without any column of its own meaning: nothing to check."""
    return {"zones": " ".join(row.zones), "zone_given": False, "customer_id": None, "language": None,
            "priority": 0, "value": 0.0, "fields": row.fields}, None


async def import_list(
    repo: CampaignRepository, campaign: Campaign, name: str, text: str, now: datetime,
    parsing: ListParsing | None = None,
) -> ContactList:
    """A CSV list stored on the campaign; a large one's numbers parsed in worker processes when
    `parsing` says so (the same list either way)."""
    with collector_paused():
        return await _import_list(repo, campaign, name, text, now, parsing)


async def _import_list(
    repo: CampaignRepository, campaign: Campaign, name: str, text: str, now: datetime,
    parsing: ListParsing | None,
) -> ContactList:
    report = await parse_csv(campaign, text, parsing)
    columns = set(report.accepted[0].fields) if report.accepted else set()
    check_template_variables(campaign, columns)
    rejected: list[RejectedRow] = list(report.rejected)
    candidates: list[tuple[str, dict[str, Any]]] = []
    values_of = _contact_values if columns & MEANINGFUL else _plain_values
    for row in report.accepted:
        values, problem = values_of(row)
        if problem is not None:
            rejected.append(RejectedRow(row.line, problem))
        else:
            candidates.append((row.phone_e164, values))
    await _profile_zones(repo, campaign.tenant_id, candidates)
    return await store_list(repo, campaign, name, "csv", candidates, rejected, now)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while a list is built: every row, its values and
    its contact are alive until the rows are stored, so each full collection on a large list
    walks millions of objects to free none of them (a quarter of the upload's CPU). Reference
    counting frees all else as usual, and the collector runs again as the list is stored (or
    refused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def _profile_zones(repo: CampaignRepository, tenant: str,
                         candidates: list[tuple[str, dict[str, Any]]]) -> None:
    """A known customer's zone from profile wins over the number's region (a column still wins)."""
    linked = [v for _, v in candidates if v["customer_id"] and not v["zone_given"]]
    zones = await repo.customer_zones(tenant, sorted({v["customer_id"] for v in linked}))
    for values in linked:
        if zones.get(values["customer_id"]):
            values["zones"] = zones[values["customer_id"]]


async def store_list(
    repo: CampaignRepository, campaign: Campaign, name: str, source: str,
    candidates: list[tuple[str, dict[str, Any]]], rejected: list[RejectedRow], now: datetime,
) -> ContactList:
    """Store new (address, contact values) on the campaign: addresses already on it are skipped,
    revoked consent is suppressed at list time."""
    addresses = [address for address, _ in candidates]
    already = await repo.addresses_on(campaign.tenant_id, campaign.id, addresses)
    revoked = await repo.revoked_addresses(campaign.tenant_id, campaign.channel,
                                           (campaign.purpose, "all", "dnc"), addresses)
    list_id = str(uuid.uuid4())
    # In address order with ids drawn in order: each index of a large list then grows at its end
    # instead of at random pages (a million random keys cost more than the rows themselves).
    fresh = sorted(((address, values) for address, values in candidates if address not in already),
                   key=lambda candidate: candidate[0])
    common = {"tenant_id": campaign.tenant_id, "campaign_id": campaign.id, "list_id": list_id,
              "dedupe_key": "", "attempts_made": 0, "converted": False, "created_at": now}
    rules = rules_for(campaign, await repo.tenant_settings(campaign.tenant_id))
    contact_list = ContactList(
        id=list_id, tenant_id=campaign.tenant_id, campaign_id=campaign.id, name=name, source=source,
        accepted=len(fresh), duplicates=len(already),
        suppressed=sum(1 for address, _ in fresh if address in revoked),
        rejected=[{"line": r.line, "reason": r.reason} for r in sorted(rejected, key=lambda r: r.line)],
        created_at=now,
    )
    repo.add(contact_list)
    await repo.flush()
    await repo.insert_contacts(common, _contact_rows(fresh, revoked, FirstAllowed(campaign, rules, now)))
    return contact_list


_SUPPRESSED = ("suppressed", None, "consent")  # status, next attempt, reason


def _contact_rows(fresh: list[tuple[str, dict[str, Any]]], revoked: set[str],
                  first_allowed: FirstAllowed) -> Iterator[tuple[Any, ...]]:
    """Each new contact as the values of the repository's `CONTACT_ROW`, with ids drawn in order:
    pending from the first instant its zones allow, or suppressed for revoked consent."""
    for (address, values), contact_id in zip(fresh, sorted(new_ids(len(fresh))), strict=True):
        zones = values["zones"]
        state = _SUPPRESSED if address in revoked else ("pending", first_allowed(zones), None)
        yield (contact_id, address, zones, values["zone_given"], values["customer_id"], values["language"],
               values["fields"], values["priority"], values["value"], *state)


class FirstAllowed:
    """The first instant the campaign's rules allow in a contact's zones, worked out once per
    distinct set of zones on the list. With no instant left (or no zone known), the contact is due
    at once and the scheduler closes it with the reason at contact time (the campaign may still
    be edited before it starts)."""

    def __init__(self, campaign: Campaign, rules: Rules, now: datetime) -> None:
        self.campaign, self.schedule, self.now = campaign, rules.schedule, now
        self.known: dict[str, datetime] = {}

    def __call__(self, zones: str) -> datetime:
        found = self.known.get(zones)
        if found is None:
            names = zones.split() or ([self.campaign.default_time_zone] if self.campaign.default_time_zone
                                      else [])
            allowed = next_allowed_in_all_zones(self.schedule, self.now, [ZoneInfo(n) for n in names])
            found = self.known[zones] = allowed or self.now
        return found


def new_ids(count: int) -> Iterator[str]:
    """`count` random (version 4) UUIDs, drawn at once: one `uuid4()` each costs more than the
    row's insert on a large list."""
    drawn = os.urandom(16 * count).hex()
    for start in range(0, 32 * count, 32):
        h = drawn[start:start + 32]
        yield f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}  # RFC 4122 variant


async def import_segment(
    repo: CampaignRepository, campaign: Campaign, name: str, segment: str, now: datetime
) -> ContactList:
    """A list of the customers profile has put in `segment` (or tagged so), as campaign knows them
    from profile's events; their tier is the template variable `$tier`."""
    if campaign.channel == "email":
        raise Unprocessable("segment: lists from a segment carry phone numbers; this campaign sends email")
    check_template_variables(campaign, {"tier", CUSTOMER_ID})
    candidates: list[tuple[str, dict[str, Any]]] = []
    for customer in await repo.customers_with_phone(campaign.tenant_id):
        if customer.phone is None or segment not in (*customer.segments, *customer.tags):
            continue
        zones = customer.time_zone or " ".join(z.key for z in zones_of_number(customer.phone))
        candidates.append((customer.phone, {
            "zones": zones, "zone_given": False, "customer_id": customer.id, "language": customer.language,
            "priority": 0, "value": 0.0, "fields": {"tier": customer.tier, CUSTOMER_ID: customer.id},
        }))
    return await store_list(repo, campaign, name, "segment", candidates, [], now)


async def profile_members(profile: ProfileClient, tenant: str, segment_id: str) -> list[SegmentMember]:
    """Every member of a profile segment (422 for a segment profile does not know, 503 when
    profile cannot be asked)."""
    try:
        return [member async for member in profile.segment_members(tenant, segment_id)]
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code == 404:
            raise Unprocessable(f"segment_id: profile has no segment {segment_id!r}") from exc
        raise Unavailable(f"profile answered {exc.response.status_code} for the segment") from exc
    except httpx.HTTPError as exc:
        raise Unavailable("profile cannot be reached to read the segment; try again") from exc
    except ProfileAuthError as exc:
        raise Unavailable(f"no service token for profile: {exc}") from exc


async def import_members(repo: CampaignRepository, campaign: Campaign, name: str,
                         members: list[SegmentMember], now: datetime) -> ContactList:
    """A list of a profile segment's members with a phone number, in their zone and language."""
    if campaign.channel == "email":
        raise Unprocessable("segment_id: lists from a segment carry phone numbers; this campaign sends email")
    check_template_variables(campaign, {"tier", "name", CUSTOMER_ID})
    candidates = [(m.phone, {
        "zones": m.time_zone or " ".join(z.key for z in zones_of_number(m.phone)), "zone_given": False,
        "customer_id": m.customer_id, "language": m.language, "priority": 0, "value": 0.0,
        "fields": {"tier": m.tier, "name": m.name or "", CUSTOMER_ID: m.customer_id},
    }) for m in members if m.phone is not None]
    return await store_list(repo, campaign, name, "segment", candidates, [], now)
