"""Building a large contact list: normalization, de-duplication, suppression, next allowed time.

Two figures, each against a baseline measured in the same run:
- list build: CSV -> E.164 + dedupe + suppression + window per contact; baseline = plain CSV
  parsing of the same file (the floor any import pays);
- scheduling decisions per second: next allowed time computed per contact (baseline) vs
  computed once per distinct zone set and shared (what a scheduler tick does).

    .venv/bin/python bench/campaign_list.py [--contacts 1000000]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import time
from datetime import UTC, datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

from switchboard.campaign.domain.contacts import ListedContact
from switchboard.campaign.domain.csv_import import import_contacts
from switchboard.campaign.domain.suppression import (
    ContactHistory,
    SuppressionPolicy,
    suppression_reason,
)
from switchboard.campaign.domain.windows import (
    Schedule,
    Span,
    next_allowed_in_all_zones,
    next_allowed_time,
)
from switchboard.campaign.domain.zones import recipient_zones

NOW = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
SCHEDULE = Schedule(quiet_hours=(Span(clock(12, 0), clock(14, 0)), Span(clock(21, 0), clock(0, 0))))
PREFIXES = {"+86138": 8, "+86139": 8, "+1212": 7, "+1415": 7, "+44207": 7, "+447911": 6}


def make_csv(count: int, rng: random.Random) -> str:
    out = io.StringIO()
    out.write("phone,name\n")
    for i in range(count):
        prefix = rng.choice(list(PREFIXES))
        digits = PREFIXES[prefix]
        # 3% of rows are malformed so the rejection path is part of the figure.
        subscriber = rng.randrange(2 * 10 ** (digits - 1), 10**digits)
        number = "12ab" if rng.random() < 0.03 else f"{prefix}{subscriber}"
        out.write(f"{number},n{i}\n")
    return out.getvalue()


def build_list(text: str, opted_out: set[str]) -> tuple[int, int, int, int]:
    report = import_contacts(text, default_region="GB")
    policy, zone_cache = SuppressionPolicy(), {}  # zone set -> next allowed time
    suppressed = scheduled = 0
    for row in report.accepted:
        contact = ListedContact(str(row.line), row.phone_e164)
        history = ContactHistory(opted_out=row.phone_e164 in opted_out)
        if suppression_reason(contact, history, NOW, policy):
            suppressed += 1
            continue
        # The zones come from the import's own parse; one window computation per zone set.
        key = row.zones
        if key not in zone_cache:
            zones = [ZoneInfo(name) for name in key]
            zone_cache[key] = next_allowed_in_all_zones(SCHEDULE, NOW, zones)
        scheduled += zone_cache[key] is not None
    return len(report.accepted), len(report.rejected), suppressed, scheduled


def _zone_name(contact: ListedContact) -> str | None:
    zones = recipient_zones(contact)
    return zones[0].key if len(zones) == 1 else None


def timed(label: str, fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn(*args)
    seconds = time.perf_counter() - start
    print(f"{label:<44} {seconds:8.2f} s")
    return value, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--decisions", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(3)
    text = make_csv(args.contacts, rng)
    # One listed number in twenty has opted out.
    opted_out = {line.split(",")[0] for line in text.splitlines()[1::20]}
    timed("baseline: csv parsing only", lambda: sum(1 for _ in csv.DictReader(io.StringIO(text))))
    (accepted, rejected, suppressed, scheduled), _ = timed(
        f"list build ({args.contacts:,} rows)", build_list, text, opted_out
    )
    print(f"  accepted {accepted:,}, rejected {rejected:,}, suppressed {suppressed:,}, "
          f"scheduled {scheduled:,}")
    numbers = [f"{p}{rng.randrange(2 * 10 ** (d - 1), 10 ** d)}" for p, d in PREFIXES.items()]
    contacts = [ListedContact(str(i), numbers[i % len(numbers)]) for i in range(args.decisions)]
    _, per_contact = timed("baseline: zone from number + window, per contact",
                           lambda: [next_allowed_time(c, NOW, SCHEDULE) for c in contacts])
    # What the scheduler does: the zone was resolved at import and stored on the contact.
    stored = [ListedContact(c.contact_id, c.phone_e164, _zone_name(c)) for c in contacts]
    _, cached = timed("window only, zone stored at import",
                      lambda: [next_allowed_time(c, NOW, SCHEDULE) for c in stored])
    print(f"decisions/s: per contact {args.decisions / per_contact:,.0f}, "
          f"zone stored {args.decisions / cached:,.0f}")


if __name__ == "__main__":
    main()
