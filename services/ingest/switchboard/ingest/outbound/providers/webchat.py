"""Web chat's provider: the message is already in the visitor's history; push it live too.

Pushed to a socket of this process: `delivered`. No socket here: `sent`, and
the visitor reads it from the history when it (re)connects or polls.
"""

from __future__ import annotations

from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.outbound.providers.base import OutboundSend, SendOutcome


async def send(hub: ChatHub, outbound: OutboundSend) -> SendOutcome:
    frame = {"type": "message", "message": {
        "id": outbound.delivery_id, "direction": "out", "text": outbound.text,
        "created_at": outbound.created_at.isoformat(), "agent": outbound.sent_by,
    }}
    pushed = await hub.push(outbound.conversation_id, frame)
    return SendOutcome(accepted=True, status="delivered" if pushed else "sent",
                       provider_message_id=f"chat-{outbound.delivery_id}")
