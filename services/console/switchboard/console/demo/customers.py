"""Customers getting in touch, through ingest's public endpoints exactly as providers post:
signed SMS gateway webhooks, Mailgun-style email, the web-chat visitor API and PBX call events.

A contact's first line opens the conversation; its other lines follow a few seconds apart in
the same conversation (a chat session, an SMS thread, an email reply naming the first mail).
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Coroutine
from typing import Any

import httpx

from switchboard.console.demo.calls import Pbx
from switchboard.console.demo.scripts import OPT_OUTS, SURVEY_SCORES, TOPICS, Contact, Customer, contact_for
from switchboard.console.demo.setup import EMAIL_ADDRESS, SMS_NUMBER, VOICE_NUMBER, DemoTenant
from switchboard.console.demo.signing import generic_headers, mailgun_signature_fields
from switchboard.console.demo.stats import Tally, refusal

# How customers recognise the demo's CSAT survey and bill reminder (setup_campaign's templates).
SURVEY_MARKERS = ("1到5", "1 to 5")
BILL_MARKERS = ("账单已出", "bill for this month")


class Customers:
    def __init__(self, ingest: httpx.AsyncClient, tenant: DemoTenant, people: list[Customer],
                 rng: random.Random, tally: Tally, mean_patience: float,
                 speech_to_text: httpx.AsyncClient) -> None:
        self._ingest, self._tenant, self._rng, self._tally = ingest, tenant, rng, tally
        self._by_phone = {person.phone: person for person in people}
        self._mean_patience = mean_patience
        self.pbx = Pbx(ingest, tenant.channels["voice"], VOICE_NUMBER, tenant.secret, tally, speech_to_text)
        self.contacts: dict[str, Contact] = {}  # conversation id -> what the customer is about
        # Who may answer a survey: a customer who got in touch since their last answer. The answer
        # is itself an SMS contact whose completion sends a survey; it must not be answered again.
        self._may_answer_survey: set[str] = set()
        self._running: set[asyncio.Task[Any]] = set()

    def get_in_touch(self, customer: Customer, channel: str) -> None:
        """Start one contact on `channel` (it runs on in the background)."""
        contact = contact_for(self._rng, customer, channel)
        self._tally.count(f"sent {channel}")
        if channel == "voice":
            patience = max(15.0, self._rng.expovariate(1 / self._mean_patience))
            self._spawn(self._call(contact, patience))
        else:
            writers = {"sms": self._sms, "email": self._email, "chat": self._chat}
            self._spawn(writers[channel](contact))

    async def stop(self) -> None:
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        await self.pbx.hang_up_all()

    async def on_sms_delivered(self, phone: str, text: str) -> None:
        """What a customer does with an SMS from us: answer a survey, ask about a bill, opt out."""
        customer = self._by_phone.get(phone)
        if customer is None:
            return
        if any(marker in text for marker in SURVEY_MARKERS):
            if customer.phone not in self._may_answer_survey or self._rng.random() >= 0.7:
                return
            self._may_answer_survey.discard(customer.phone)
            await asyncio.sleep(self._rng.uniform(2, 8))
            if await self.send_sms(customer.phone, self._rng.choice(SURVEY_SCORES)):
                self._tally.count("survey replies")
        elif any(marker in text for marker in BILL_MARKERS):
            roll = self._rng.random()
            if roll < 0.05:
                await self.send_sms(customer.phone, self._rng.choice(OPT_OUTS))
            elif roll < 0.25:
                question = self._rng.choice(TOPICS["billing"][customer.language])
                await self._sms(Contact(customer, "billing", [question]))

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _pause(self) -> None:
        await asyncio.sleep(self._rng.uniform(4, 10))

    async def _call(self, contact: Contact, patience: float) -> None:
        self._may_answer_survey.add(contact.customer.phone)  # the CSAT journey follows calls and SMS
        conversation_id = await self.pbx.ring(contact.customer.phone, contact.topic)
        if conversation_id:
            self.contacts[conversation_id] = contact
            await self.pbx.abandon_unless_answered(conversation_id, patience)

    async def _sms(self, contact: Contact) -> None:
        self._may_answer_survey.add(contact.customer.phone)
        for n, line in enumerate(contact.lines):
            if n:
                await self._pause()
            conversation_id = await self.send_sms(contact.customer.phone, line)
            if conversation_id and n == 0:
                self.contacts[conversation_id] = contact

    async def send_sms(self, phone: str, text: str) -> str | None:
        body = json.dumps({"message_id": f"demo-sms-{uuid.uuid4().hex}", "from": phone, "to": SMS_NUMBER,
                           "text": text}, ensure_ascii=False).encode()
        channel = self._tenant.channels["sms"]
        return await self._accepted(self._ingest.post(
            f"/v1/webhooks/sms/generic/{channel}", content=body,
            headers=generic_headers(self._tenant.secret, body)))

    async def _email(self, contact: Contact) -> None:
        customer, first_id = contact.customer, f"<demo-{uuid.uuid4().hex}@example.com>"
        subject = contact.lines[0][:40]
        for n, line in enumerate(contact.lines):
            if n:
                await self._pause()
            message_id = first_id if n == 0 else f"<demo-{uuid.uuid4().hex}@example.com>"
            form = {"sender": customer.email, "recipient": EMAIL_ADDRESS,
                    "from": f"{customer.name} <{customer.email}>",
                    "subject": subject if n == 0 else f"Re: {subject}", "body-plain": line,
                    "Message-Id": message_id, **mailgun_signature_fields(self._tenant.secret)}
            if n:
                form["In-Reply-To"] = form["References"] = first_id
            conversation_id = await self._accepted(self._ingest.post(
                f"/v1/webhooks/email/mailgun/{self._tenant.channels['email']}", data=form))
            if conversation_id and n == 0:
                self.contacts[conversation_id] = contact

    async def _chat(self, contact: Contact) -> None:
        try:
            response = await self._ingest.post(f"/v1/chat/{self._tenant.channels['chat']}/sessions",
                                               json={"name": contact.customer.name})
        except httpx.HTTPError as exc:
            self._tally.problem(f"chat session: {exc!r}")
            return
        if response.status_code != 201:
            self._refused(response)
            return
        session = response.json()
        self.contacts[session["conversation_id"]] = contact
        for n, line in enumerate(contact.lines):
            if n:
                await self._pause()
            sent = await self._accepted(self._ingest.post(
                f"/v1/chat/sessions/{session['session_id']}/messages",
                json={"text": line, "client_id": uuid.uuid4().hex},
                headers={"X-Visitor-Token": session["visitor_token"]}))
            if sent is None:  # the agent ended the chat (or it failed): the visitor leaves
                return

    def _refused(self, response: httpx.Response) -> None:
        if response.status_code == 429:  # ingest's per-address limits on chat
            self._tally.count("throttled")
        elif response.status_code != 409:  # 409: a chat the agent has already ended
            self._tally.problem(refusal(response))

    async def _accepted(self, request: Coroutine[Any, Any, httpx.Response]) -> str | None:
        """The conversation id ingest put the message in, or None (counted) if it refused."""
        try:
            response = await request
        except httpx.HTTPError as exc:
            self._tally.problem(f"posting to ingest: {exc!r}")
            return None
        if response.status_code != 200:
            self._refused(response)
            return None
        return str(response.json()["conversation_id"])
