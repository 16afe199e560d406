"""Routing for the demo floor: skills, three queues, rules, simulated and real agents.

Everything is found by name (or id) first and created only when missing, so running the
setup again changes nothing; settings an operator changed since are left as they are.
"""

from __future__ import annotations

from typing import Any

import httpx

from switchboard.console.demo.api import expect

SKILLS = ("support", "sales", "billing")
CHANNELS = ["voice", "chat", "sms", "email"]
QUEUES: dict[str, dict[str, Any]] = {
    "support": {"required_skills": {"support": 1}, "is_default": True},
    "sales": {"required_skills": {"sales": 1}},
    "billing": {"required_skills": {"billing": 1}},
}
# Tried in order; voice has no text, so callers choose in the IVR (1 sales, 2 billing).
RULES: list[dict[str, Any]] = [
    {"name": "demo: billing words", "queue": "billing", "priority": 5,
     "conditions": {"keywords": ["账单", "话费", "扣费", "bill", "charge", "refund"]}},
    {"name": "demo: sales words", "queue": "sales",
     "conditions": {"keywords": ["套餐", "优惠", "办理", "plan", "offer"]}},
    {"name": "demo: IVR 1 sales", "queue": "sales", "conditions": {"ivr_selections": ["1"]}},
    {"name": "demo: IVR 2 billing", "queue": "billing", "priority": 5,
     "conditions": {"ivr_selections": ["2"]}},
]
SIM_NAMES = ["李娜", "王磊", "张静", "Tom Reed", "陈晨", "刘洋", "Amy Lin", "赵敏", "孙浩", "周婷",
             "Ben Hall", "吴迪"]
SIM_CAPACITY = {"voice": 1, "chat": 2, "sms": 2, "email": 2}
# The console's development users who may take contacts (admin, agent-1 ... agent-6) get a seat,
# left logged out for the people who sign in with them.
CONSOLE_AGENTS = ["admin", *(f"agent-{n}" for n in range(1, 7))]
WRAP_UP_SECONDS = 5


def sim_agent_id(number: int) -> str:
    return f"sim-agent-{number}"


def sim_agent_ids(count: int) -> list[str]:
    return [sim_agent_id(n) for n in range(1, count + 1)]


def sim_agent_skills(number: int) -> dict[str, int]:
    """Everyone does support; odd numbers sell, even numbers do billing, every third does both."""
    skills = {"support": 5}
    if number % 2 == 1 or number % 3 == 0:
        skills["sales"] = 6
    if number % 2 == 0 or number % 3 == 0:
        skills["billing"] = 6
    return skills


async def setup_routing(routing: httpx.AsyncClient, agent_count: int) -> dict[str, str]:
    """The demo's queues (name -> id), with skills, rules and agents in place."""
    known_skills = {s["name"] for s in expect(await routing.get("/v1/skills"))}
    for skill in SKILLS:
        if skill not in known_skills:
            expect(await routing.post("/v1/skills", json={"name": skill}), 201)
    queues = await _queues(routing)
    await _rules(routing, queues)
    known_agents = {a["id"] for a in expect(await routing.get("/v1/agents"))}
    for number, agent_id in enumerate(sim_agent_ids(agent_count), start=1):
        if agent_id not in known_agents:
            name = f"Sim {SIM_NAMES[(number - 1) % len(SIM_NAMES)]}"
            expect(await routing.post("/v1/agents", json={
                "id": agent_id, "name": name, "skills": sim_agent_skills(number),
                "capacity": SIM_CAPACITY}), 201)
    for agent_id in CONSOLE_AGENTS:
        if agent_id not in known_agents:
            expect(await routing.post("/v1/agents", json={
                "id": agent_id, "name": agent_id, "skills": {skill: 5 for skill in SKILLS},
                "capacity": SIM_CAPACITY}), 201)
    return queues


async def _queues(routing: httpx.AsyncClient) -> dict[str, str]:
    found = expect(await routing.get("/v1/queues"))
    existing = {q["name"]: q["id"] for q in found}
    has_default = any(q["is_default"] for q in found)
    for name, settings in QUEUES.items():
        if name in existing:
            continue
        body = {"name": name, "channels": CHANNELS, "sla_seconds": 20, "sla_target": 0.8,
                "wrap_up_seconds": WRAP_UP_SECONDS, **settings}
        body["is_default"] = body.get("is_default", False) and not has_default
        existing[name] = expect(await routing.post("/v1/queues", json=body), 201)["id"]
    return {name: existing[name] for name in QUEUES}


async def _rules(routing: httpx.AsyncClient, queues: dict[str, str]) -> None:
    rules = expect(await routing.get("/v1/rules"))
    names = {r["name"] for r in rules}
    position = max((r["position"] for r in rules), default=0)
    for rule in RULES:
        if rule["name"] in names:
            continue
        position += 10
        expect(await routing.post("/v1/rules", json={
            "name": rule["name"], "position": position, "queue_id": queues[rule["queue"]],
            "priority": rule.get("priority", 0), "conditions": rule["conditions"]}), 201)
