"""The demo's PBX: calls ring, wait in the queue, are answered by an agent or abandoned.

Each event goes to ingest's PBX webhook, signed like the generic gateway. A caller who
waits longer than their patience hangs up (`abandoned`); otherwise the agent who accepts the
task answers the call and, after talking, ends it. The demo's speech-to-text system then
posts what was said, so qa checks calls as it checks chats.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from switchboard.console.demo.signing import generic_headers
from switchboard.console.demo.stats import Tally, refusal

IVR_BY_TOPIC = {"sales": "1", "billing": "2", "support": "3"}


@dataclass
class Call:
    call_id: str
    caller: str
    state: str = "ringing"  # ringing -> answered -> ended


class Pbx:
    def __init__(self, ingest: httpx.AsyncClient, channel_id: str, number: str, secret: str,
                 tally: Tally, speech_to_text: httpx.AsyncClient) -> None:
        """`ingest` carries the PBX's signed webhooks; `speech_to_text` posts with a token."""
        self._ingest, self._channel_id, self._number = ingest, channel_id, number
        self._secret, self._tally, self._speech_to_text = secret, tally, speech_to_text
        self.calls: dict[str, Call] = {}  # conversation id -> call

    async def ring(self, caller: str, topic: str) -> str | None:
        """A new inbound call, its IVR choice made by topic; its conversation id."""
        call = Call(call_id=f"demo-call-{uuid.uuid4().hex[:12]}", caller=caller)
        answer = await self._post(call, "ringing", ivr_selection=IVR_BY_TOPIC.get(topic, "3"))
        if answer is None:
            return None
        self.calls[str(answer["conversation_id"])] = call
        return str(answer["conversation_id"])

    async def abandon_unless_answered(self, conversation_id: str, patience: float) -> None:
        """The caller hangs up after `patience` seconds if no agent has answered."""
        await asyncio.sleep(patience)
        call = self.calls.get(conversation_id)
        if call is not None and call.state == "ringing":
            call.state = "ended"
            self.calls.pop(conversation_id, None)
            await self._post(call, "abandoned")
            self._tally.count("calls abandoned")

    async def answer(self, conversation_id: str) -> bool:
        """The agent picks up; False when the call is not (or no longer) ringing here."""
        call = self.calls.get(conversation_id)
        if call is None or call.state != "ringing":
            return False
        call.state = "answered"
        await self._post(call, "answered")
        return True

    async def hang_up(self, conversation_id: str, talk_seconds: float) -> None:
        call = self.calls.pop(conversation_id, None)
        if call is None or call.state != "answered":
            return
        call.state = "ended"
        await self._post(call, "ended", talk_seconds=round(talk_seconds, 1),
                         recording_ref=f"demo/{call.call_id}.wav")

    async def transcribe(self, conversation_id: str, lines: list[tuple[str, str]],
                         talk_seconds: float) -> None:
        """The finished call's transcript, `(speaker, text)` lines spread over the talk time."""
        step = max(talk_seconds, 1.0) / max(len(lines), 1)
        segments = [{"speaker": speaker, "text": text, "start": round(n * step, 1),
                     "end": round((n + 1) * step, 1)} for n, (speaker, text) in enumerate(lines)]
        try:
            response = await self._speech_to_text.post(f"/v1/calls/{conversation_id}/transcript",
                                               json={"segments": segments})
        except httpx.HTTPError as exc:
            self._tally.problem(f"transcript: {exc!r}")
            return
        if response.is_success:
            self._tally.count("calls transcribed")
        else:
            self._tally.problem(refusal(response))

    async def hang_up_all(self) -> None:
        """The simulator stops: nobody stays on the line."""
        for conversation_id, call in list(self.calls.items()):
            if call.state == "answered":
                await self.hang_up(conversation_id, 0.0)
            else:
                call.state = "ended"
                self.calls.pop(conversation_id, None)
                await self._post(call, "abandoned")

    async def _post(self, call: Call, event: str, **extra: object) -> dict[str, object] | None:
        body = json.dumps({"event": event, "call_id": call.call_id, "from": call.caller, "to": self._number,
                           "at": datetime.now(UTC).isoformat(), **extra}).encode()
        url, headers = f"/v1/webhooks/voice/pbx/{self._channel_id}", generic_headers(self._secret, body)
        try:
            for _ in range(2):  # 409: two events of the call crossed, and ingest asks to send again
                response = await self._ingest.post(url, content=body, headers=headers)
                if response.status_code != 409:
                    break
        except httpx.HTTPError as exc:
            self._tally.problem(f"PBX {event}: {exc!r}")
            return None
        if not response.is_success:
            self._tally.problem(refusal(response))
            return None
        return dict(response.json())
