"""Campaign through its database: a CSV list stored, then the scheduler's passes over it.

- list upload: `import_list` (parse, E.164, dedupe against the campaign, consent suppression,
  zones, rows inserted in one transaction); baseline = the domain's CSV import alone, in memory.
- scheduler passes: attempts requested per second, with every check made at the moment of
  contact (consent, weekly cap, window in the recipient's zone) and each attempt and its outbox
  event written in the pass's transaction; baseline = the same decisions by the domain in memory.

    .venv/bin/python bench/campaign_scheduler.py [--contacts 20000] [--batch 200] [--list 100000]
        [--window 09:00-21:00]

The campaign's window is the whole day unless `--window` names one (in Shanghai, where the
contacts are, the bench's clock reads 10:00). The passes' CPU (every thread of the process) is
reported per attempt, steadier than their rate on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from switchboard.campaign.config import CampaignSettings
from switchboard.campaign.domain.contacts import ListedContact
from switchboard.campaign.domain.suppression import ContactHistory, SuppressionPolicy, suppression_reason
from switchboard.campaign.domain.windows import next_allowed_in_all_zones
from switchboard.campaign.main import create_app
from switchboard.campaign.models import Base, Campaign, Contact
from switchboard.campaign.rules import DEFAULT_RETRY_MINUTES, schedule_of, schedule_to_json
from switchboard.campaign.scheduler import Scheduler
from switchboard.common.runtime import Runtime

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
ALL_DAY = schedule_to_json((datetime.min.time(), datetime.min.time()), [], [], list(range(7)), None, None)


def window_schedule(window: str | None) -> dict[str, Any]:
    if window is None:
        return ALL_DAY
    start, end = (datetime.strptime(part, "%H:%M").time() for part in window.split("-"))
    return schedule_to_json((start, end), [], [], list(range(7)), None, None)


def baseline(contacts: int, campaign_schedule: dict[str, Any]) -> float:
    schedule, policy = schedule_of(campaign_schedule), SuppressionPolicy()
    zone = [ZoneInfo("Asia/Shanghai")]
    started = time.perf_counter()
    for n in range(contacts):
        contact = ListedContact(str(n), f"+86138{n:08d}")
        if suppression_reason(contact, ContactHistory(), NOW, policy) is None:
            next_allowed_in_all_zones(schedule, NOW, zone)
    return contacts / (time.perf_counter() - started)


async def seed(runtime: Runtime, contacts: int, schedule: dict[str, Any] = ALL_DAY) -> None:
    async with runtime.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with runtime.sessions() as session:
        session.add(Campaign(
            id="bench", tenant_id="acme", name="bench", kind="sms_blast", channel="sms", purpose="marketing",
            status="running", message_template="Hi $name", schedule=schedule, max_attempts=3,
            retry_minutes=DEFAULT_RETRY_MINUTES, weekly_cap=3, default_region="CN", disposition_codes=[],
            created_at=NOW, updated_at=NOW, started_at=NOW,
        ))
        await session.flush()
        rows = [{"id": str(uuid.uuid4()), "tenant_id": "acme", "campaign_id": "bench",
                 "address": f"+86138{n:08d}", "dedupe_key": "", "zones": "Asia/Shanghai",
                 "fields": {"name": f"c{n}"}, "priority": 0, "value": 0.0, "status": "pending",
                 "attempts_made": 0, "next_attempt_at": NOW, "converted": False, "created_at": NOW}
                for n in range(contacts)]
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Contact), rows[start:start + 5000])
        await session.commit()


async def passes(contacts: int, batch: int, schedule: dict[str, Any]) -> tuple[float, float, int]:
    """(attempts/s, CPU seconds per attempt, attempts requested)."""
    with tempfile.TemporaryDirectory() as folder:
        settings = CampaignSettings(database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
                                    nats_url="nats://127.0.0.1:1")
        runtime: Runtime = create_app(settings).state.runtime
        await seed(runtime, contacts, schedule)
        scheduler = Scheduler(runtime, interval=1.0, batch=batch, clock=lambda: NOW)
        requested, started, cpu = 0, time.perf_counter(), time.process_time()
        while (result := await scheduler.run_once()).requested:
            requested += result.requested
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        await runtime.engine.dispose()
        return requested / seconds, cpu / max(requested, 1), requested


async def list_upload(rows: int) -> tuple[float, float]:
    """(baseline rows/s, stored rows/s) for a CSV of `rows` national Chinese numbers."""
    from switchboard.campaign.domain.csv_import import import_contacts
    from switchboard.campaign.lists import import_list
    from switchboard.campaign.repository import CampaignRepository

    text = "phone,name\n" + "".join(f"138{n:08d},c{n}\n" for n in range(rows))
    started = time.perf_counter()
    import_contacts(text, "CN")
    baseline_rate = rows / (time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as folder:
        settings = CampaignSettings(database_url=f"sqlite+aiosqlite:///{Path(folder) / 'list.db'}",
                                    nats_url="nats://127.0.0.1:1")
        runtime: Runtime = create_app(settings).state.runtime
        await seed(runtime, 0)
        started = time.perf_counter()
        async with runtime.unit_of_work() as uow:
            repo = CampaignRepository(uow.session)
            campaign = await repo.campaign("acme", "bench")
            assert campaign is not None
            stored = await import_list(repo, campaign, "bench", text, NOW)
            await uow.commit()
        stored_rate = stored.accepted / (time.perf_counter() - started)
        await runtime.engine.dispose()
    return baseline_rate, stored_rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--list", type=int, default=100_000)
    parser.add_argument("--window", help="HH:MM-HH:MM, local time (default: the whole day)")
    args = parser.parse_args()
    schedule = window_schedule(args.window)
    parsed, stored = asyncio.run(list_upload(args.list))
    print(f"baseline, domain CSV import in memory : {parsed:10,.0f} rows/s ({args.list:,} rows)")
    print(f"list upload stored on SQLite          : {stored:10,.0f} rows/s ({parsed / stored:.1f}x slower)")
    base = baseline(args.contacts, schedule)
    rate, cpu, requested = asyncio.run(passes(args.contacts, args.batch, schedule))
    print(f"baseline, domain decisions in memory : {base:10,.0f} decisions/s")
    print(f"scheduler passes on SQLite (batch {args.batch}): {rate:10,.0f} attempts/s "
          f"({requested:,} requested, {base / rate:.1f}x slower than the baseline), "
          f"{cpu * 1e6:,.0f} us CPU per attempt")


if __name__ == "__main__":
    main()
