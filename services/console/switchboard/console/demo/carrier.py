"""The far end of the wire while the demo runs: an SMS gateway and a mail server.

Ingest sends SMS through the demo channel's generic gateway (`send_url`) and email through
its SMTP server; both point here. The gateway takes each send as a real one would (signed
JSON, its own message id in the answer), posts a signed `delivered` receipt back to ingest a
moment later, and hands the text to the customer it was for, who may answer it. The mail
server takes agents' replies and counts them. Both listen on loopback ports of their own,
and each is a few lines of asyncio streams: they answer one kind of request from one client.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import uuid
from collections.abc import Awaitable, Callable

import httpx

from switchboard.console.demo.signing import generic_headers, generic_signature
from switchboard.console.demo.stats import Tally, refusal

Delivered = Callable[[str, str], Awaitable[None]]  # (customer number, text)


class SmsGateway:
    def __init__(self, ingest: httpx.AsyncClient, secret: str, tally: Tally, on_delivered: Delivered) -> None:
        self._ingest, self._secret, self._tally = ingest, secret, tally
        self._on_delivered = on_delivered
        self.channel_id = ""  # known once the channel is set up with this gateway's address
        self._server: asyncio.Server | None = None
        self._pending: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/send"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            headers, body = await _read_request(reader)
            if not self._signed(headers, body):
                status, answer = "403 Forbidden", {"error": "bad signature"}
            else:
                status, answer = "200 OK", self._accept(json.loads(body))
            payload = json.dumps(answer).encode()
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload)
            await writer.drain()
        except (ValueError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _signed(self, headers: dict[str, str], body: bytes) -> bool:
        timestamp, given = headers.get("x-signature-timestamp", ""), headers.get("x-signature", "")
        return hmac.compare_digest(generic_signature(self._secret, timestamp, body), given)

    def _accept(self, send: dict[str, str]) -> dict[str, str]:
        gateway_id = f"demo-gw-{uuid.uuid4().hex[:16]}"
        self._tally.count("sms to customers")
        task = asyncio.create_task(self._deliver(gateway_id, send["to"], send["text"]))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return {"message_id": gateway_id}

    async def _deliver(self, gateway_id: str, to: str, text: str) -> None:
        await asyncio.sleep(0.5)
        body = json.dumps({"message_id": gateway_id, "status": "delivered"}).encode()
        try:
            response = await self._ingest.post(f"/v1/webhooks/sms/generic/{self.channel_id}/status",
                                               content=body, headers=generic_headers(self._secret, body))
            if response.status_code == 204:
                self._tally.count("sms receipts")
            else:
                self._tally.problem(refusal(response))
        except httpx.HTTPError as exc:
            self._tally.problem(f"SMS receipt: {exc!r}")
        await self._on_delivered(to, text)


async def _read_request(reader: asyncio.StreamReader) -> tuple[dict[str, str], bytes]:
    await reader.readline()  # the request line: everything posted here is a send
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers, await reader.readexactly(int(headers.get("content-length", "0")))


class MailSink:
    """Just enough SMTP for smtplib: every message is accepted and counted."""

    def __init__(self, tally: Tally) -> None:
        self._tally = tally
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"220 demo-mail ESMTP\r\n")
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    writer.write(b"250-demo-mail\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 end with <CRLF>.<CRLF>\r\n")
                    while await reader.readline() not in (b".\r\n", b""):
                        pass
                    self._tally.count("emails to customers")
                    writer.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    break
                else:  # HELO, MAIL, RCPT, RSET, NOOP
                    writer.write(b"250 ok\r\n")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
