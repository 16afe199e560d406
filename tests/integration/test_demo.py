"""The demo traffic simulator (`python -m switchboard.console.demo`) against the real platform.

The simulator runs as its own process against all five services, as a newcomer runs it
after `make run`; everything it claims to do is then read back from the services' APIs and
from ingest's event stream. Its pure parts (arrivals, signatures, settings) are checked
first, the signatures against ingest's own verification.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchboard.common.testing import Platform, wait_until
from switchboard.console.demo.api import clients, close_all, expect
from switchboard.console.demo.arrivals import CHANNEL_MIX, arrivals, gap_seconds
from switchboard.console.demo.config import DemoConfig, service_urls
from switchboard.console.demo.scripts import contact_for, population
from switchboard.console.demo.setup import Endpoints, setup_tenant
from switchboard.console.demo.setup_campaign import contact_list_csv
from switchboard.console.demo.setup_routing import CONSOLE_AGENTS, sim_agent_ids
from switchboard.console.demo.signing import generic_headers, mailgun_signature_fields
from switchboard.console.demo.stats import Tally, status_line
from switchboard.ingest.mail.mailgun import verify_mailgun
from switchboard.ingest.signatures import verify_generic

SERVICES = ["ingest", "profile", "routing", "campaign", "qa"]
TENANT = "demo"
AGENTS = 6
RUN_SECONDS = 20


# --- the pure parts -------------------------------------------------------------------------

def test_arrivals_are_poisson_at_the_asked_rate() -> None:
    rng = random.Random(3)
    gaps = [gap_seconds(rng, 30) for _ in range(20_000)]
    assert statistics.mean(gaps) == pytest.approx(2.0, rel=0.03)  # 30 a minute: one every 2 s
    assert statistics.stdev(gaps) == pytest.approx(2.0, rel=0.05)  # exponential: sd = mean
    schedule = arrivals(random.Random(4), 60)
    first_hour = []
    for arrival in schedule:
        if arrival.at > 3600:
            break
        first_hour.append(arrival)
    assert len(first_hour) == pytest.approx(3600, rel=0.05)
    shares = Counter(a.channel for a in first_hour)
    for channel, share in CHANNEL_MIX.items():
        assert shares[channel] / len(first_hour) == pytest.approx(share, abs=0.03)
    with pytest.raises(ValueError):
        gap_seconds(rng, 0)


def test_webhook_signatures_pass_ingests_own_verification() -> None:
    body = '{"text": "查话费"}'.encode()
    headers = generic_headers("a-secret-of-16-chars", body)
    verify_generic("a-secret-of-16-chars", headers["X-Signature-Timestamp"], headers["X-Signature"],
                   body, window_seconds=300)
    with pytest.raises(Exception, match="does not match"):
        verify_generic("another-secret-16", headers["X-Signature-Timestamp"], headers["X-Signature"],
                       body, window_seconds=300)
    fields = mailgun_signature_fields("mailgun-signing-key")
    verify_mailgun("mailgun-signing-key", fields, window_seconds=300)
    with pytest.raises(Exception, match="does not match"):
        verify_mailgun("another-key-here", fields, window_seconds=300)


def test_service_urls_prefer_options_then_environment_then_urls_file(tmp_path: Path) -> None:
    urls_file = tmp_path / "urls.json"
    urls_file.write_text('{"routing": "http://127.0.0.1:9103", "qa": "http://127.0.0.1:9105"}')
    urls = service_urls({"ingest": "http://ingest.test/"}, {"SB_ROUTING_URL": "http://routing.test"},
                        urls_file)
    assert urls == {"ingest": "http://ingest.test", "profile": "http://127.0.0.1:8102",
                    "routing": "http://routing.test", "campaign": "http://127.0.0.1:8104",
                    "qa": "http://127.0.0.1:9105"}


def test_contacts_mix_languages_moods_and_opt_outs() -> None:
    rng, people = random.Random(5), population(60)
    assert len({p.phone for p in people}) == 60
    contacts = [contact_for(rng, rng.choice(people), "sms") for _ in range(2000)]
    assert {c.customer.language for c in contacts} == {"zh", "en"}
    assert 0.1 < sum(c.angry for c in contacts) / len(contacts) < 0.3
    assert 0.01 < sum(c.opt_out for c in contacts) / len(contacts) < 0.08
    assert {c.topic for c in contacts} == {"billing", "sales", "support"}
    assert contact_list_csv(people[:2]).splitlines()[0] == "phone,name,language"


def test_status_line_names_channels_agents_and_waiting_queues() -> None:
    tally = Tally()
    tally.count("sent sms", 3)
    tally.count("offers accepted", 2)
    live = {"queues": [{"name": "sales", "waiting": 2}, {"name": "support", "waiting": 0}],
            "agents_by_state": {"available": 4, "busy": 1}}
    line = status_line(12, tally, live)
    assert "sms 3" in line and "offers accepted 2" in line
    assert "waiting 2 (sales 2)" in line and "available 4 busy 1" in line


# --- against the platform -------------------------------------------------------------------

async def _set_up_and_list(config: DemoConfig) -> dict[str, Any]:
    """Run the setup and list what it made, by id."""
    services = clients(config, config.admin_token())
    try:
        endpoints = Endpoints("http://127.0.0.1:9/send", "127.0.0.1", 9)
        tenant = await setup_tenant(services, endpoints, population(60), AGENTS)
        profile = services["profile"]
        customer_ids = [expect(await profile.get("/v1/customers", params={"phone": p.phone}))[0]["id"]
                        for p in population(60)[:10]]
        return {
            "tenant": tenant,
            "channels": sorted(c["id"] for c in expect(await services["ingest"].get("/v1/channels"))),
            "queues": sorted(q["id"] for q in expect(await services["routing"].get("/v1/queues"))),
            "rules": sorted(r["id"] for r in expect(await services["routing"].get("/v1/rules"))),
            "agents": sorted(a["id"] for a in expect(await services["routing"].get("/v1/agents"))),
            "campaigns": sorted(c["id"] for c in expect(await services["campaign"].get("/v1/campaigns"))),
            "scorecards": sorted(s["id"] for s in expect(await services["qa"].get("/v1/scorecards"))),
            "customers": customer_ids,
        }
    finally:
        await close_all(services)


def _run_simulator(platform: Platform) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **{f"SB_{name.upper()}_URL": platform.url(name) for name in SERVICES}}
    command = [sys.executable, "-m", "switchboard.console.demo", "--tenant", TENANT, "--rate", "180",
               "--agents", str(AGENTS), "--duration", str(RUN_SECONDS), "--handle", "4", "--seed", "7",
               "--every", "5"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=RUN_SECONDS + 60)


def test_the_simulator_drives_every_channel_agents_campaign_and_qa(platform: Platform) -> None:
    # Many chat visitors from one address: lift ingest's per-address session limit for the run.
    platform.start(SERVICES, extra_env={"INGEST_CHAT_SESSIONS_PER_MINUTE": "1000"})
    config = DemoConfig(tenant=TENANT, urls={name: platform.url(name) for name in SERVICES})

    first, second = (asyncio.run(_set_up_and_list(config)) for _ in range(2))
    assert first == second, "running the setup again must not create anything"
    assert len(first["channels"]) == 4 and len(first["queues"]) == 3 and len(first["rules"]) == 4
    assert set(sim_agent_ids(AGENTS)) <= set(first["agents"]) and len(first["scorecards"]) == 1
    assert set(CONSOLE_AGENTS) <= set(first["agents"])
    # A real agent signed in through the console, in training: the simulator must leave them be.
    with platform.client("routing", TENANT, "agent") as person:
        person.headers["Authorization"] = f"Bearer {platform.token(TENANT, 'agent', subject='agent-1')}"
        expect(person.post("/v1/agents/agent-1/sign-in", json={"state": "not_ready", "reason": "training"}))

    finished = _run_simulator(platform)
    print(finished.stdout)  # shown with a failure: what the simulator saw
    assert finished.returncode == 0, finished.stderr + finished.stdout
    lines = finished.stdout.splitlines()
    assert sum("offers accepted" in line for line in lines) >= RUN_SECONDS // 5
    refusals = re.findall(r"\d+ x \w+ \S+: (?:401|403|404|422) .*", finished.stdout)
    assert not refusals, f"the platform refused the simulator's requests:\n{finished.stdout}"

    _assert_contacts_on_every_channel(platform)
    routing = platform.client("routing", TENANT, "supervisor")
    every_status = ["pending", "queued", "offered", "accepted", "completed", "abandoned"]
    tasks = expect(routing.get("/v1/tasks", params={"status": every_status}))
    assert {t["channel"] for t in tasks} == {"sms", "email", "chat", "voice"}
    completed = [t for t in tasks if t["status"] == "completed"]
    # Email is a tenth of the mix: its few tasks may still be queued when the run ends.
    assert len({t["channel"] for t in completed}) >= 3, Counter(t["channel"] for t in completed)
    assert all(t["agent_id"].startswith("sim-agent-") for t in completed)
    live = expect(routing.get("/v1/stats/live"))
    assert sum(q["answered"] for q in live["queues"]) >= len(completed) > 10
    agents = {a["id"]: a["state"] for a in expect(routing.get("/v1/agents"))}
    assert all(agents[a] == "logged_out" for a in sim_agent_ids(AGENTS)), "the run ends signed out"
    assert agents["agent-1"] == "not_ready", "a real agent's state is theirs"

    _assert_campaign_attempts(platform.client("campaign", TENANT, "admin"))
    _assert_qa_transcripts(platform.client("qa", TENANT, "supervisor"))
    if any(t["channel"] == "voice" for t in completed):
        _assert_calls_transcribed(platform.client("qa", TENANT, "supervisor"))


def _assert_contacts_on_every_channel(platform: Platform) -> None:
    events = platform.events("ingest", TENANT)
    opened = Counter(e.data["channel"] for e in events if e.type.startswith("sb.ingest.conversation.opened")
                     and e.data.get("direction", "inbound") == "inbound")
    assert all(opened[channel] >= 1 for channel in ("sms", "email", "chat", "voice")), opened
    types = Counter(e.type.rsplit(".", 1)[0] for e in events)
    assert types["sb.ingest.call.answered"] >= 1 and types["sb.ingest.call.ended"] >= 1, types
    assert types["sb.ingest.message.sent"] >= 10, types  # agents' replies and campaign sends


def _assert_campaign_attempts(campaign: httpx.Client) -> None:
    campaigns = expect(campaign.get("/v1/campaigns"))
    blast = next(c for c in campaigns if c["kind"] == "sms_blast")
    attempts = expect(campaign.get(f"/v1/campaigns/{blast['id']}/attempts"))
    assert len(attempts) >= 10 and all(a["channel"] == "sms" for a in attempts)
    results = expect(campaign.get(f"/v1/campaigns/{blast['id']}/results"))
    assert results["funnel"]["connected"] >= 1, results  # the gateway's receipts came back
    journey = next(c for c in campaigns if c["kind"] == "journey")
    assert journey["status"] == "running"
    assert expect(campaign.get(f"/v1/campaigns/{journey['id']}/results"))["funnel"]["attempted"] >= 1


def _assert_qa_transcripts(qa: httpx.Client) -> None:
    def answered(contact: dict[str, Any]) -> bool:
        """A customer's contact an agent replied to (not a campaign's send, which has no agent's
        reply to a customer: a survey and its reminder are two messages of the campaign's)."""
        return (str(contact["agent_id"] or "").startswith("sim-agent-") and contact["message_count"] >= 2
                and contact["channel"] != "voice")

    def answered_contact() -> bool:
        return any(answered(c) for c in expect(qa.get("/v1/contacts", params={"limit": 200})))

    wait_until(answered_contact, 20, "qa to hold a transcript with the agent's replies")
    contacts = expect(qa.get("/v1/contacts", params={"limit": 200}))
    assert {c["channel"] for c in contacts} >= {"sms", "email", "chat", "voice"}
    replied = next(c for c in contacts if answered(c))
    transcript = expect(qa.get(f"/v1/contacts/{replied['conversation_id']}"))
    assert {m["role"] for m in transcript["messages"]} >= {"customer", "agent"}, transcript["messages"]


def _assert_calls_transcribed(qa: httpx.Client) -> None:
    """The demo's speech-to-text posts each answered call: qa checks calls as it checks chats."""
    def transcribed() -> list[dict[str, object]]:
        contacts = expect(qa.get("/v1/contacts", params={"limit": 200}))
        return [c for c in contacts if c["channel"] == "voice" and c["message_count"] >= 3]

    wait_until(lambda: bool(transcribed()), 20, "qa to hold a call's transcript")
    call = expect(qa.get(f"/v1/contacts/{transcribed()[0]['conversation_id']}"))
    assert {m["role"] for m in call["messages"]} == {"customer", "agent"}, call["messages"]
