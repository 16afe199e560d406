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
from switchboard.console.demo.scripts import population
from switchboard.console.demo.setup import Endpoints, setup_tenant
from switchboard.console.demo.setup_campaign import start_bill_blast
from switchboard.console.demo.setup_routing import SIM_NAMES, sim_agent_id
from switchboard.console.demo.stats import Tally, status_line

POPULATION = 60
BLAST_SIZE = 12
MEAN_PATIENCE_SECONDS = 90.0

Print = Callable[[str], None]


async def run(config: DemoConfig, out: Print = print) -> Tally:
    """Runs until `config.duration_seconds` pass or the task is cancelled (Ctrl-C); what it did."""
    simulation = Simulation(config, out)
    await simulation.run()
    return simulation.tally


class Simulation:
    def __init__(self, config: DemoConfig, out: Print) -> None:
        self.config, self.out = config, out
        self.rng, self.tally, self.people = random.Random(config.seed), Tally(), population(POPULATION)
        self.admin = clients(config, config.admin_token())
        self.public = httpx.AsyncClient(base_url=config.url("ingest"), timeout=20)  # providers, visitors
        self.gateway = SmsGateway(self.public, DEMO_SIGNING_SECRET, self.tally, self._sms_delivered)
        self.mail = MailSink(self.tally)
        self.customers: Customers | None = None
        self.agents: list[SimulatedAgent] = []

    async def run(self) -> None:
        try:
            endpoints = Endpoints(await self.gateway.start(), "127.0.0.1", await self.mail.start())
            tenant = await setup_tenant(self.admin, endpoints, self.people, self.config.agents)
            self.gateway.channel_id = tenant.channels["sms"]
            self.out(f"tenant {self.config.tenant!r} set up: channels {', '.join(sorted(tenant.channels))}; "
                     f"queues {', '.join(tenant.queues)}; {self.config.agents} simulated agents")
            self.customers = Customers(self.public, tenant, self.people, self.rng, self.tally,
                                       MEAN_PATIENCE_SECONDS, speech_to_text=self.admin["ingest"])
            self.agents = [self._agent(number, self.customers) for number in range(1, self.config.agents + 1)]
            await self._floor(self.customers)
        finally:
            await asyncio.gather(*(agent.stop() for agent in self.agents), return_exceptions=True)
            if self.customers is not None:
                await self.customers.stop()
            await self.gateway.stop()
            await self.mail.stop()
            await close_all(self.admin)
            await self.public.aclose()

    async def _floor(self, customers: Customers) -> None:
        blast = await start_bill_blast(self.admin["campaign"], self.rng, self.people, BLAST_SIZE)
        self.out(f"outbound: SMS blast {blast['name']!r} {blast['status']}; "
                 "CSAT journey running after each contact")
        started = asyncio.get_running_loop().time()
        work = [asyncio.create_task(agent.run()) for agent in self.agents]
        work.append(asyncio.create_task(self._traffic(customers, started)))
        work.append(asyncio.create_task(self._report(started)))
        try:
            if self.config.duration_seconds is None:
                await asyncio.gather(*work)
            else:
                await asyncio.sleep(self.config.duration_seconds)
        finally:
            for task in work:
                task.cancel()
            await asyncio.gather(*work, return_exceptions=True)
            self.out(status_line(asyncio.get_running_loop().time() - started, self.tally, None))
            for detail, n in self.tally.problems.most_common(10):
                self.out(f"  {n} x {detail}")

    def _agent(self, number: int, customers: Customers) -> SimulatedAgent:
        agent_id = sim_agent_id(number)
        token = self.config.agent_token(agent_id)
        return SimulatedAgent(agent_id, SIM_NAMES[(number - 1) % len(SIM_NAMES)],
                              client(self.config, "routing", token), client(self.config, "ingest", token),
                              customers, random.Random(self.rng.random()), self.tally,
                              self.config.handle_seconds)

    async def _sms_delivered(self, phone: str, text: str) -> None:
        if self.customers is not None:
            await self.customers.on_sms_delivered(phone, text)

    async def _traffic(self, customers: Customers, started: float) -> None:
        loop = asyncio.get_running_loop()
        # arrivals draw from their own generator: the same seed gives the same channel mix,
        # whatever the timing of the other draws
        for arrival in arrivals(random.Random(self.config.seed), self.config.rate_per_minute):
            delay = started + arrival.at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            customers.get_in_touch(self.rng.choice(self.people), arrival.channel)

    async def _report(self, started: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.config.report_every)
            try:
                live = expect(await self.admin["routing"].get("/v1/stats/live"))
            except (httpx.HTTPError, DemoError):
                live = None
            self.out(status_line(loop.time() - started, self.tally, live))
