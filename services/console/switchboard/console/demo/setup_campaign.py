"""Outbound work for the demo: a CSAT journey after each contact, and a bill-reminder SMS blast.

The journey is set up once and keeps running. A blast ends when its list is done, so each
run of the simulator starts one new small blast: that is the run's outbound traffic.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime
from typing import Any

import httpx

from switchboard.console.demo.api import expect
from switchboard.console.demo.scripts import Customer

JOURNEY_NAME = "demo: CSAT after service"
ALL_DAY = {"window": {"start": "00:00", "end": "00:00"}}  # a demo runs at any hour
CSAT_TEMPLATES = {
    "zh": "感谢您联系我们！请为本次服务打分，回复1到5（5分最满意）。",
    "en": "Thanks for contacting us! How satisfied were you? Reply 1 to 5 (5 = very satisfied).",
}
BILL_TEMPLATES = {
    "zh": "$name您好，您本月账单已出，可登录APP查看。如有疑问请回复本短信。",
    "en": "Hi $name, your bill for this month is ready in the app. Reply to this message with any question.",
}


async def ensure_csat_journey(campaign: httpx.AsyncClient) -> str:
    """The running CSAT journey (created and started if missing or paused)."""
    found = [c for c in expect(await campaign.get("/v1/campaigns"))
             if c["name"] == JOURNEY_NAME and c["status"] not in ("stopped", "completed")]
    if found:
        journey = found[0]
    else:
        journey = expect(await campaign.post("/v1/campaigns", json={
            "name": JOURNEY_NAME, "kind": "journey", "channel": "sms", "purpose": "service",
            "journey_trigger": "task_completed", "survey_kind": "csat",
            "message_template": CSAT_TEMPLATES["en"], "templates": CSAT_TEMPLATES, "schedule": ALL_DAY,
        }), 201)
    if journey["status"] != "running":
        journey = expect(await campaign.post(f"/v1/campaigns/{journey['id']}/start"))
    return str(journey["id"])


async def start_bill_blast(campaign: httpx.AsyncClient, rng: random.Random,
                           customers: list[Customer], size: int) -> dict[str, Any]:
    """A new service blast to `size` of the customers, started."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    blast = expect(await campaign.post("/v1/campaigns", json={
        "name": f"demo: bill ready {stamp}", "kind": "sms_blast", "purpose": "service",
        "message_template": BILL_TEMPLATES["en"], "templates": BILL_TEMPLATES, "schedule": ALL_DAY,
    }), 201)
    chosen = rng.sample(customers, min(size, len(customers)))
    expect(await campaign.post(f"/v1/campaigns/{blast['id']}/lists", params={"name": "demo"},
                               content=contact_list_csv(chosen), headers={"Content-Type": "text/csv"}), 201)
    return dict(expect(await campaign.post(f"/v1/campaigns/{blast['id']}/start")))


def contact_list_csv(customers: list[Customer]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["phone", "name", "language"])
    for customer in customers:
        writer.writerow([customer.phone, customer.name, customer.language])
    return out.getvalue()
