"""Web chat end to end over a real WebSocket: a visitor and an agent talk both ways, resends are
one message, tokens are checked, sessions are rate-limited and an idle chat is closed."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from switchboard.common.testing import Platform, wait_until

pytestmark = pytest.mark.integration


def _frame(socket: Any, timeout: float = 15) -> dict[str, Any]:
    return dict(json.loads(socket.recv(timeout=timeout)))


def _frame_of_type(socket: Any, kind: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = _frame(socket, max(0.1, deadline - time.monotonic()))
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def test_a_visitor_and_an_agent_chat_both_ways_and_an_idle_chat_ends(platform: Platform) -> None:
    platform.start(["ingest"], extra_env={
        "INGEST_CHAT_SESSIONS_PER_MINUTE": "3", "INGEST_CHAT_INACTIVITY_MINUTES": "0.15",
        "INGEST_INACTIVITY_SWEEP_SECONDS": "1"})
    base = platform.url("ingest")
    with platform.client("ingest", "acme", "admin") as admin:
        channel = admin.post("/v1/channels", json={
            "kind": "chat", "provider": "webchat", "address": "widget-acme", "name": "Website",
            "signing_secret": "unused-for-chat-0123"}).json()["id"]
    widget = httpx.get(f"{base}/v1/chat/widget.js", timeout=10)
    assert widget.status_code == 200 and widget.headers["content-type"].startswith("application/javascript")
    assert "WebSocket" in widget.text
    assert f'data-channel="{channel}"' in httpx.get(f"{base}/v1/chat/demo/{channel}", timeout=10).text

    started = httpx.post(f"{base}/v1/chat/{channel}/sessions", json={"name": "Ann"}, timeout=10)
    assert started.status_code == 201, started.text
    session = started.json()
    ws_url = base.replace("http", "ws") + f"/v1/chat/sessions/{session['session_id']}/socket"
    agent = platform.client("ingest", "acme", "agent")

    with connect(f"{ws_url}?token={session['visitor_token']}") as socket:
        assert _frame(socket) == {"type": "history", "messages": []}
        socket.send(json.dumps({"type": "message", "text": "你好，在吗？", "client_id": "c1"}))
        ack = _frame_of_type(socket, "ack")
        socket.send(json.dumps({"type": "message", "text": "你好，在吗？", "client_id": "c1"}))
        again = _frame_of_type(socket, "ack")
        assert (again["message_id"], again["duplicate"]) == (ack["message_id"], True)
        socket.send(json.dumps({"type": "message", "text": ""}))
        assert _frame_of_type(socket, "error")["detail"]

        notice = agent.post(f"/v1/conversations/{session['conversation_id']}/notices",
                            json={"notice": "agent_joined", "agent_name": "Li"})
        assert notice.json() == {"delivered": 1}
        joined = {"type": "notice", "notice": "agent_joined", "agent_name": "Li"}
        assert _frame_of_type(socket, "notice") == joined
        conversation = session["conversation_id"]
        reply = agent.post(f"/v1/conversations/{conversation}/messages", json={"text": "在的，请讲"})
        assert reply.status_code == 202, reply.text
        pushed = _frame_of_type(socket, "message")["message"]
        assert (pushed["id"], pushed["text"]) == (reply.json()["id"], "在的，请讲")
        assert pushed["direction"] == "out"
        wait_until(lambda: agent.get(f"/v1/messages/{pushed['id']}").json()["status"] == "delivered", 10,
                   "the push to count as delivered")

    headers = {"X-Visitor-Token": session["visitor_token"]}
    messages_url = f"{base}/v1/chat/sessions/{session['session_id']}/messages"
    fallback = httpx.post(messages_url, json={"text": "Order 1234", "client_id": "c2"}, headers=headers)
    assert fallback.json()["status"] == "accepted"
    history = httpx.get(messages_url, headers=headers).json()
    assert [(m["direction"], m["text"]) for m in history] == [
        ("in", "你好，在吗？"), ("out", "在的，请讲"), ("in", "Order 1234")]
    assert httpx.get(messages_url, headers={"X-Visitor-Token": "wrong"}).status_code == 403
    assert httpx.get(f"{base}/v1/chat/sessions/no-such/messages", headers=headers).status_code == 404
    with pytest.raises(ConnectionClosed) as refused, connect(f"{ws_url}?token=wrong") as bad:
        bad.recv(timeout=10)
    assert refused.value.rcvd is not None and refused.value.rcvd.code == 4403

    # Two more sessions are allowed from this address this minute, the next is refused.
    statuses = [httpx.post(f"{base}/v1/chat/{channel}/sessions", json={}).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]

    # Nobody writes for 9 s: the sweep closes the chat and tells the visitor.
    with connect(f"{ws_url}?token={session['visitor_token']}") as socket:
        assert len(_frame(socket)["messages"]) == 3
        ended = _frame_of_type(socket, "notice", timeout=30)
        assert (ended["notice"], ended["reason"]) == ("ended", "inactivity")
    assert httpx.post(messages_url, json={"text": "hello?"}, headers=headers).status_code == 409
    status = platform.scalar("ingest", "SELECT status FROM conversations WHERE id = :c",
                             c=session["conversation_id"])
    assert status == "closed"
    agent.close()
