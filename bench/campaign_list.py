"""Building a large contact list: normalization, de-duplication, suppression, next allowed time.

Figures, each against a baseline measured in the same run:
- list build: CSV -> E.164 + dedupe + suppression + window per contact; baseline = plain CSV
  parsing of the same file (the floor any import pays);
- stored upload (`--stored`): the same CSV POSTed to the campaign API in-process (auth, body,
  `import_list`: E.164, dedupe, consent suppression against the database, zones, first allowed
  instant, every row inserted, one commit) on SQLite with `synchronous=FULL`;
- scheduling decisions per second: next allowed time computed per contact (baseline) vs
  computed once per distinct zone set and shared (what a scheduler tick does).

Each step reports wall-clock and CPU seconds (the process's, every thread; the stored upload's
number-parsing worker processes separately): on a shared machine the CPU figure and the ratios
to the baseline are what hold between runs.

    .venv/bin/python bench/campaign_list.py [--contacts 1000000] [--stored [--workers 2]]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import logging
import random
import resource
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any
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


def timed(label: str, fn: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    start, cpu = time.perf_counter(), time.process_time()
    value = fn(*args)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<52} {seconds:8.2f} s wall {cpu_seconds:8.2f} s CPU")
    return value, cpu_seconds


async def stored_upload(text: str, opted_out: set[str], workers: int) -> dict[str, Any]:
    """POST the CSV to a fresh campaign through the API, its opt-outs already known to campaign."""
    import httpx
    from sqlalchemy import insert

    from switchboard.campaign.config import CampaignSettings
    from switchboard.campaign.main import create_app
    from switchboard.campaign.models import Base, Consent
    from switchboard.common.auth import mint_token

    with tempfile.TemporaryDirectory() as folder:
        settings = CampaignSettings(database_url=f"sqlite+aiosqlite:///{Path(folder) / 'list.db'}",
                                    nats_url="nats://127.0.0.1:1", list_parse_workers=workers)
        app = create_app(settings)
        runtime = app.state.runtime
        async with runtime.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
            await conn.execute(insert(Consent), [
                {"id": str(uuid.uuid4()), "tenant_id": "acme", "channel": "sms", "address": address,
                 "purpose": "marketing", "granted": False, "source": "bench", "updated_at": NOW}
                for address in opted_out])
        token = mint_token(settings, tenant="acme", subject="bench", roles=["admin"])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://campaign",
                                     headers={"Authorization": f"Bearer {token}"}, timeout=600) as api:
            campaign = (await api.post("/v1/campaigns", json={
                "name": "bench", "kind": "sms_blast", "message_template": "Hi $name",
                "default_region": "GB", "schedule": {
                    "window": {"start": "09:00", "end": "21:00"},
                    "quiet_hours": [{"start": "12:00", "end": "14:00"}]}})).json()
            start, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
            answer = await api.post(f"/v1/campaigns/{campaign['id']}/lists?name=bench", content=text.encode(),
                                    headers={"Content-Type": "text/csv"})
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
            worker_seconds = _children_cpu() - children
        await runtime.engine.dispose()
    assert answer.status_code == 201, answer.text
    return {**answer.json(), "seconds": seconds, "cpu_seconds": cpu_seconds, "worker_seconds": worker_seconds}


def _children_cpu() -> float:
    """CPU seconds of the worker processes that parsed numbers (counted once they have exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--stored", action="store_true", help="also upload the list through the API")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes parsing the stored upload's numbers (0: in the API's own process)")
    args = parser.parse_args()
    rng = random.Random(3)
    text = make_csv(args.contacts, rng)
    # One listed number in twenty has opted out.
    opted_out = {line.split(",")[0] for line in text.splitlines()[1::20]}
    _, parsing = timed("baseline: csv parsing only",
                       lambda: sum(1 for _ in csv.DictReader(io.StringIO(text))))
    (accepted, rejected, suppressed, scheduled), built = timed(
        f"list build in memory ({args.contacts:,} rows)", build_list, text, opted_out
    )
    print(f"  accepted {accepted:,}, rejected {rejected:,}, suppressed {suppressed:,}, "
          f"scheduled {scheduled:,}; {built / parsing:.1f}x the baseline's CPU")
    if args.stored:
        report = asyncio.run(stored_upload(text, opted_out, args.workers))
        print(f"{'stored upload through the API (' + format(args.contacts, ',') + ' rows)':<52} "
              f"{report['seconds']:8.2f} s wall {report['cpu_seconds']:8.2f} s CPU "
              f"(+ {report['worker_seconds']:.2f} s CPU in worker processes)")
        print(f"  accepted {report['accepted']:,}, rejected {len(report['rejected']):,}, "
              f"suppressed {report['suppressed']:,}; {report['cpu_seconds'] / parsing:.1f}x the "
              f"baseline's CPU, {report['cpu_seconds'] / built:.1f}x the in-memory build's")
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
