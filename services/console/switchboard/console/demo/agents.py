"""Simulated agents working the floor beside real ones, through the same desktop API.

Each follows its desktop feed (server-sent events), accepts an offer after a human pause,
answers the customer through ingest (a voice call is answered and hung up at the PBX),
completes with a disposition after a handle time, and now and then takes a break. Only the
`sim-agent-*` seats are ever touched.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Coroutine
from typing import Any

import httpx

from switchboard.console.demo.customers import Customers
from switchboard.console.demo.scripts import (
    AGENT_ANSWERS,
    AGENT_CLOSINGS,
    AGENT_GREETINGS,
    AGENT_SLIP,
    DISPOSITIONS,
    Contact,
)
from switchboard.console.demo.stats import Tally, refusal

BREAK_REASONS = ("break", "training", "meeting", "coaching")


class SimulatedAgent:
    def __init__(self, agent_id: str, name: str, routing: httpx.AsyncClient, ingest: httpx.AsyncClient,
                 customers: Customers, rng: random.Random, tally: Tally, handle_seconds: float) -> None:
        self.agent_id, self._name = agent_id, name
        self._routing, self._ingest, self._customers = routing, ingest, customers
        self._rng, self._tally, self._handle = rng, tally, handle_seconds
        self._state = "logged_out"
        self._working: set[str] = set()  # task ids being worked on now
        self._finished: set[str] = set()
        self._running: set[asyncio.Task[Any]] = set()

    async def run(self) -> None:
        await self._sign_in()
        self._spawn(self._take_breaks())
        while True:
            try:
                await self._follow_desktop()
            except (httpx.HTTPError, ValueError) as exc:
                self._tally.problem(f"desktop feed of {self.agent_id}: {exc!r}")
            await asyncio.sleep(1)

    async def stop(self) -> None:
        """Finish what is accepted and sign out, so the seat is clean for the next run."""
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        try:
            held = (await self._routing.get(f"/v1/agents/{self.agent_id}/tasks")).json()
            for task in held:
                if task["status"] == "accepted":
                    await self._routing.post(f"/v1/tasks/{task['id']}/complete",
                                             json={"disposition": "resolved"})
            await self._routing.post(f"/v1/agents/{self.agent_id}/sign-out")
        except (httpx.HTTPError, ValueError) as exc:
            self._tally.problem(f"signing out {self.agent_id}: {exc!r}")
        finally:
            await self._routing.aclose()
            await self._ingest.aclose()

    async def _sign_in(self) -> None:
        response = await self._routing.post(f"/v1/agents/{self.agent_id}/sign-in",
                                            json={"state": "available"})
        if response.status_code == 409:  # still signed in from an earlier run
            await self._set_state("available")

    async def _set_state(self, state: str, reason: str | None = None) -> None:
        await self._routing.put(f"/v1/agents/{self.agent_id}/state", json={"state": state, "reason": reason})

    async def _follow_desktop(self) -> None:
        url = f"/v1/agents/{self.agent_id}/stream"
        async with self._routing.stream("GET", url, params={"every": 1}, timeout=None) as response:
            data: list[str] = []
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    data.append(line[5:].strip())
                elif not line and data:
                    self._on_desktop(json.loads("\n".join(data)))
                    data = []

    def _on_desktop(self, desktop: dict[str, Any]) -> None:
        agent = desktop["agent"]
        self._state = agent["state"]
        if agent["state"] == "not_ready" and agent["reason"] == "missed_offers":
            self._spawn(self._set_state("available"))
        for task in desktop["tasks"]:
            if task["status"] in ("offered", "accepted") and task["id"] not in self._working | self._finished:
                self._working.add(task["id"])
                self._spawn(self._work(task))

    async def _work(self, task: dict[str, Any]) -> None:
        try:
            if task["status"] == "offered":
                await asyncio.sleep(self._rng.uniform(1.0, 4.0))  # reads the screen pop
                accepted = await self._routing.post(f"/v1/tasks/{task['id']}/accept")
                if accepted.status_code != 200:  # withdrawn, expired, or the customer left
                    return
                self._tally.count("offers accepted")
            contact = self._customers.contacts.get(task["conversation_id"])
            await self._handle_contact(task, contact)
            completed = await self._routing.post(f"/v1/tasks/{task['id']}/complete", json={
                "disposition": _disposition(contact), "notes": "handled by the demo floor"})
            if completed.status_code == 200:
                self._tally.count("tasks completed")
            self._customers.contacts.pop(task["conversation_id"], None)
            if task["channel"] != "voice":  # a call ends at the PBX
                await self._ingest.post(f"/v1/conversations/{task['conversation_id']}/close")
        except httpx.HTTPError as exc:
            self._tally.problem(f"working on task {task['id']}: {exc!r}")
        finally:
            self._working.discard(task["id"])
            self._finished.add(task["id"])

    async def _handle_contact(self, task: dict[str, Any], contact: Contact | None) -> None:
        handle = min(max(self._rng.expovariate(1 / self._handle), self._handle * 0.3), self._handle * 3)
        conversation_id = task["conversation_id"]
        language = contact.customer.language if contact else "zh"
        topic = contact.topic if contact else "support"
        if task["channel"] == "voice":
            answered = await self._customers.pbx.answer(conversation_id)
            await asyncio.sleep(handle)
            if answered:
                await self._customers.pbx.hang_up(conversation_id, handle)
                said = self._call_lines(contact, language, topic)
                await self._customers.pbx.transcribe(conversation_id, said, handle)
            return
        if task["channel"] == "chat":
            await self._ingest.post(f"/v1/conversations/{conversation_id}/notices",
                                    json={"notice": "agent_joined", "agent_name": self._name})
        await self._reply(conversation_id, AGENT_GREETINGS[language].format(name=self._name) + " "
                          + AGENT_ANSWERS[topic][language])
        await asyncio.sleep(handle * 0.6)
        if self._rng.random() < 0.05:
            await self._reply(conversation_id, AGENT_SLIP[language])
        await self._reply(conversation_id, AGENT_CLOSINGS[language])
        await asyncio.sleep(handle * 0.4)

    def _call_lines(self, contact: Contact | None, language: str, topic: str) -> list[tuple[str, str]]:
        """What was said on the phone: the agent's greeting and answer around the caller's lines."""
        said = [("agent", AGENT_GREETINGS[language].format(name=self._name))]
        said += [("customer", line) for line in (contact.lines if contact else [])]
        said.append(("agent", AGENT_ANSWERS[topic][language]))
        if self._rng.random() < 0.05:
            said.append(("agent", AGENT_SLIP[language]))
        return [*said, ("agent", AGENT_CLOSINGS[language])]

    async def _reply(self, conversation_id: str, text: str) -> None:
        response = await self._ingest.post(f"/v1/conversations/{conversation_id}/messages",
                                           json={"text": text})
        if response.status_code == 202:
            self._tally.count("agent replies")
        elif response.status_code != 409:  # the customer's chat already ended
            self._tally.problem(refusal(response))

    async def _take_breaks(self) -> None:
        while True:
            await asyncio.sleep(self._rng.expovariate(1 / 180))
            if self._state != "available" or self._working:
                continue
            await self._set_state("not_ready", self._rng.choice(BREAK_REASONS))
            self._tally.count("breaks")
            await asyncio.sleep(self._rng.uniform(15, 45))
            await self._set_state("available")

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)


def _disposition(contact: Contact | None) -> str:
    if contact is None:
        return "resolved"
    if contact.angry:
        return "complaint"
    return "opt_out" if contact.opt_out else DISPOSITIONS[contact.topic]
