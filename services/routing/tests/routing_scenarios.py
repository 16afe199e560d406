"""Contacts and a small contact center, shared by routing's handler and desktop tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from switchboard.common.events.ingest import MessageReceived
from switchboard.common.events.profile import ContactIdentified


def message(conversation: str = "c1", text: str = "my bill is wrong",
            to: str = "+8610086") -> MessageReceived:
    return MessageReceived(message_id=str(uuid.uuid4()), conversation_id=conversation, channel="sms",
                           channel_id="ch", from_address="+8613800138000", to_address=to, text=text,
                           received_at=datetime.now(UTC))


def identified(conversation: str = "c1", tier: str = "standard", language: str | None = "en",
               customer: str = "cust-1") -> ContactIdentified:
    return ContactIdentified(customer_id=customer, conversation_id=conversation, channel="sms", tier=tier,
                             language=language)


async def setup_center(api, agents: tuple[str, ...] = ("ann",), capacity: dict | None = None) -> dict:
    await api.ok("POST", "/v1/skills", 201, json={"name": "billing"})
    general = await api.ok("POST", "/v1/queues", 201, json={
        "name": "general", "channels": ["sms", "voice"], "is_default": True, "wrap_up_seconds": 30})
    billing = await api.ok("POST", "/v1/queues", 201, json={
        "name": "billing", "channels": ["sms"], "required_skills": {"billing": 3}})
    await api.ok("POST", "/v1/rules", 201, json={
        "name": "bills", "position": 10, "queue_id": billing["id"],
        "conditions": {"channels": ["sms"], "keywords": ["bill", "话费"]}, "priority": 5})
    for agent_id in agents:
        await api.ok("POST", "/v1/agents", 201, json={
            "id": agent_id, "name": agent_id, "skills": {"billing": 5},
            "capacity": capacity or {"sms": 1, "voice": 1}})
        await api.ok("POST", f"/v1/agents/{agent_id}/sign-in", json={})
    return {"general": general["id"], "billing": billing["id"]}
