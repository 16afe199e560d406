"""The demo tenant, set up idempotently: channels, routing, customers, a scorecard, a journey.

Running it twice leaves one of everything. The only thing rewritten on every run is where
the demo's SMS gateway and mail server listen (they move with each run of the simulator),
together with the channels' known signing secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from switchboard.console.demo.api import expect
from switchboard.console.demo.config import DEMO_SIGNING_SECRET
from switchboard.console.demo.scripts import Customer
from switchboard.console.demo.setup_campaign import ensure_csat_journey
from switchboard.console.demo.setup_routing import setup_routing

SMS_NUMBER = "10690095555"
VOICE_NUMBER = "95555"
EMAIL_ADDRESS = "service@demo.switchboard.test"
CHAT_WIDGET = "demo-website"
TIERS = {"vip": 20, "gold": 10}
SCORECARD_NAME = "demo: service basics"


@dataclass(frozen=True)
class Endpoints:
    """Where the demo's stand-ins for the providers listen."""

    sms_send_url: str
    smtp_host: str
    smtp_port: int


@dataclass(frozen=True)
class DemoTenant:
    channels: dict[str, str]  # kind -> channel id
    queues: dict[str, str]  # name -> queue id
    secret: str = DEMO_SIGNING_SECRET


async def setup_tenant(services: dict[str, httpx.AsyncClient], endpoints: Endpoints,
                       customers: list[Customer], agent_count: int) -> DemoTenant:
    channels = await setup_channels(services["ingest"], endpoints)
    queues = await setup_routing(services["routing"], agent_count)
    await setup_customers(services["profile"], customers)
    await setup_scorecard(services["qa"])
    await ensure_csat_journey(services["campaign"])
    return DemoTenant(channels=channels, queues=queues)


def channel_specs(endpoints: Endpoints) -> list[dict[str, Any]]:
    return [
        {"kind": "sms", "provider": "generic", "address": SMS_NUMBER, "name": "Demo SMS line",
         "credentials": {"send_url": endpoints.sms_send_url}},
        {"kind": "email", "provider": "smtp", "address": EMAIL_ADDRESS, "name": "Demo service mailbox",
         "credentials": {"host": endpoints.smtp_host, "port": str(endpoints.smtp_port), "starttls": "false"}},
        {"kind": "chat", "provider": "webchat", "address": CHAT_WIDGET, "name": "Demo website chat",
         "credentials": {}},
        {"kind": "voice", "provider": "pbx", "address": VOICE_NUMBER, "name": "Demo hotline",
         "credentials": {}},
    ]


async def setup_channels(ingest: httpx.AsyncClient, endpoints: Endpoints) -> dict[str, str]:
    existing = {(c["kind"], c["address"]): c["id"] for c in expect(await ingest.get("/v1/channels"))}
    ids = {}
    for spec in channel_specs(endpoints):
        key = (spec["kind"], spec["address"])
        if key in existing:
            expect(await ingest.patch(f"/v1/channels/{existing[key]}", json={
                "signing_secret": DEMO_SIGNING_SECRET, "credentials": spec["credentials"]}))
            ids[spec["kind"]] = existing[key]
        else:
            created = expect(await ingest.post("/v1/channels",
                                               json={**spec, "signing_secret": DEMO_SIGNING_SECRET}), 201)
            ids[spec["kind"]] = created["id"]
    return ids


async def setup_customers(profile: httpx.AsyncClient, customers: list[Customer]) -> None:
    """Tiers, and the first customers known by name (the others become known as they write)."""
    for name, rank in TIERS.items():
        expect(await profile.put(f"/v1/tiers/{name}", json={"rank": rank, "description": f"demo {name}"}))
    for number, customer in enumerate(customers[:10]):
        if expect(await profile.get("/v1/customers", params={"phone": customer.phone})):
            continue
        tier = "vip" if number % 5 == 0 else "gold" if number % 5 == 1 else None
        expect(await profile.post("/v1/customers", json={
            "name": customer.name, "tier": tier, "time_zone": "Asia/Shanghai",
            "language": "zh-CN" if customer.language == "zh" else "en",
            "identities": [{"kind": "phone", "value": customer.phone},
                           {"kind": "email", "value": customer.email}],
        }), 201)


async def setup_scorecard(qa: httpx.AsyncClient) -> None:
    """A scorecard the checks pre-fill, and sampling that puts contacts in front of evaluators."""
    cards = [c for c in expect(await qa.get("/v1/scorecards")) if c["name"] == SCORECARD_NAME]
    if cards:
        card_id = cards[0]["id"]
    else:
        card_id = expect(await qa.post("/v1/scorecards", json={"name": SCORECARD_NAME, "sections": [
            {"title": "Conduct", "questions": [
                {"key": "greeting", "text": "Greets the customer", "auto_check": "greeting"},
                {"key": "closing", "text": "Offers further help before closing", "auto_check": "closing"},
                {"key": "no_forbidden", "text": "No forbidden phrases", "critical": True,
                 "auto_check": "forbidden_phrases"},
            ]},
            {"title": "Resolution", "questions": [
                {"key": "resolved", "text": "How well the issue was solved", "kind": "scale",
                 "scale_max": 5, "weight": 2},
            ]},
        ]}), 201)["id"]
    sampling = expect(await qa.get("/v1/sampling-rules"))
    if not sampling["enabled"]:
        expect(await qa.put("/v1/sampling-rules", json={
            **sampling, "enabled": True, "scorecard_id": card_id, "evaluator_ids": ["evaluator"],
            "random_share": 0.2, "new_agent_weeks": 0}))
