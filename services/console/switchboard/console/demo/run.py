"""One run of the simulator: set the tenant up, then customers, agents and a campaign until stopped."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import httpx

from switchboard.console.demo.agents import SimulatedAgent
from switchboard.console.demo.api import DemoError, client, clients, close_all, expect
from switchboard.console.demo.arrivals import arrivals
from switchboard.console.demo.carrier import MailSink, SmsGateway
from switchboard.console.demo.config import DEMO_SIGNING_SECRET, DemoConfig
from switchboard.console.demo.customers import Customers
from switchboard.console.demo.scripts import Customer, population
from switchboard.console.demo.setup import DemoTenant, Endpoints, setup_tenant
from switchboard.console.demo.setup_campaign import start_bill_blast
from switchboard.console.demo.setup_routing import SIM_NAMES, sim_agent_ids
from switchboard.console.demo.stats import Tally, status_line

POPULATION = 60
BLAST_SIZE = 12
MEAN_PATIENCE_SECONDS = 90.0

Print = Callable[[str], None]


async def run(config: DemoConfig, out: Print = print) -> Tally:
    """Runs until `config.duration_seconds` pass or the task is cancelled (Ctrl-C); what it did."""
    rng, tally, people = random.Random(config.seed), Tally(), population(POPULATION)
    admin = clients(config, config.admin_token())
    public = httpx.AsyncClient(base_url=config.url("ingest"), timeout=20)  # providers and visitors
    customers: Customers | None = None

    async def delivered(phone: str, text: str) -> None:
        if customers is not None:
            await customers.on_sms_delivered(phone, text)

    gateway, mail = SmsGateway(public, DEMO_SIGNING_SECRET, tally, delivered), MailSink(tally)
    agents: list[SimulatedAgent] = []
    try:
        endpoints = Endpoints(await gateway.start(), "127.0.0.1", await mail.start())
        tenant = await setup_tenant(admin, endpoints, people, config.agents)
        gateway.channel_id = tenant.channels["sms"]
        out(f"tenant {config.tenant!r} set up: channels {', '.join(sorted(tenant.channels))}; "
            f"queues {', '.join(tenant.queues)}; {config.agents} simulated agents")
        customers = Customers(public, tenant, people, rng, tally, MEAN_PATIENCE_SECONDS)
        agents = _agents(config, customers, rng, tally)
        await _floor(config, admin, tenant, customers, agents, people, rng, tally, out)
    finally:
        await asyncio.gather(*(agent.stop() for agent in agents), return_exceptions=True)
        if customers is not None:
            await customers.stop()
        await gateway.stop()
        await mail.stop()
        await close_all(admin)
        await public.aclose()
    return tally


async def _floor(config: DemoConfig, admin: dict[str, httpx.AsyncClient], tenant: DemoTenant,
                 customers: Customers, agents: list[SimulatedAgent], people: list[Customer],
                 rng: random.Random, tally: Tally, out: Print) -> None:
    blast = await start_bill_blast(admin["campaign"], rng, people, BLAST_SIZE)
    out(f"outbound: SMS blast {blast['name']!r} {blast['status']}; CSAT journey running after each contact")
    loop = asyncio.get_running_loop()
    started = loop.time()
    work = [asyncio.create_task(agent.run()) for agent in agents]
    work.append(asyncio.create_task(_traffic(customers, people, rng, config.rate_per_minute)))
    work.append(asyncio.create_task(_report(admin["routing"], tally, started, config.report_every, out)))
    try:
        if config.duration_seconds is None:
            await asyncio.gather(*work)
        else:
            await asyncio.sleep(config.duration_seconds)
    finally:
        for task in work:
            task.cancel()
        await asyncio.gather(*work, return_exceptions=True)
        out(status_line(loop.time() - started, tally, None))
        for detail, n in tally.problems.most_common(10):
            out(f"  {n} x {detail}")


def _agents(config: DemoConfig, customers: Customers, rng: random.Random,
            tally: Tally) -> list[SimulatedAgent]:
    agents = []
    for number, agent_id in enumerate(sim_agent_ids(config.agents), start=1):
        token = config.agent_token(agent_id)
        agents.append(SimulatedAgent(agent_id, SIM_NAMES[(number - 1) % len(SIM_NAMES)],
                                     client(config, "routing", token), client(config, "ingest", token),
                                     customers, random.Random(rng.random()), tally, config.handle_seconds))
    return agents


async def _traffic(customers: Customers, people: list[Customer], rng: random.Random, rate: float) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    for arrival in arrivals(rng, rate):
        delay = started + arrival.at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        customers.get_in_touch(rng.choice(people), arrival.channel)


async def _report(routing: httpx.AsyncClient, tally: Tally, started: float, every: float, out: Print) -> None:
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(every)
        try:
            live = expect(await routing.get("/v1/stats/live"))
        except (httpx.HTTPError, DemoError):
            live = None
        out(status_line(loop.time() - started, tally, live))
