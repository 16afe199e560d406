"""The visitor sockets connected to this process, and pushing frames to them.

Every message is durable before it is pushed, so a visitor who is not
connected (or connected to another replica) reads it from the history on
(re)connect or from the HTTP fallback; the push only makes it immediate.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any, Protocol

log = logging.getLogger(__name__)


class FrameSink(Protocol):
    async def send_json(self, data: Any, mode: str = "text") -> None: ...


class ChatHub:
    def __init__(self) -> None:
        self._sockets: dict[str, set[FrameSink]] = defaultdict(set)

    def join(self, conversation_id: str, socket: FrameSink) -> None:
        self._sockets[conversation_id].add(socket)

    def leave(self, conversation_id: str, socket: FrameSink) -> None:
        sockets = self._sockets.get(conversation_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self._sockets[conversation_id]

    async def push(self, conversation_id: str, frame: dict[str, Any]) -> int:
        """Send a frame to every socket of the conversation; returns how many took it."""
        delivered = 0
        for socket in list(self._sockets.get(conversation_id, ())):
            try:
                await socket.send_json(frame)
                delivered += 1
            except Exception:  # noqa: BLE001 - a socket that went away is just dropped
                self.leave(conversation_id, socket)
        return delivered
