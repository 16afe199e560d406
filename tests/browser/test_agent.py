"""The agent workspace in a real browser: chats from the company site reach the agent, who
answers and completes them; several chats at once; an expired session loses nothing typed;
not-ready reasons and SMS replies; outbound preview calls with the survey and disposition."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from switchboard.common.testing import Platform, wait_until

Api = Callable[[str], httpx.Client]


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Offers wait for profile's grace period and the machine may be busy: allow 15 s, not 5."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    answer: dict[str, Any] = response.json()
    return answer


def route_channel_to_agent(api: Api, channel: str, capacity: int = 1, wrap_up_seconds: int = 0) -> str:
    """A skill, a queue for `channel` with a rule sending it there, and agent-1 holding the skill."""
    routing = api("routing")
    created(routing.post("/v1/skills", json={"name": "support"}))
    queue = created(routing.post("/v1/queues", json={
        "name": f"{channel} support", "channels": [channel], "required_skills": {"support": 1},
        "wrap_up_seconds": wrap_up_seconds}))
    created(routing.post("/v1/rules", json={"name": f"{channel} to support", "position": 1,
                                            "conditions": {"channels": [channel]}, "queue_id": queue["id"]}))
    created(routing.post("/v1/agents", json={"id": "agent-1", "name": "Agent One", "skills": {"support": 5},
                                             "capacity": {channel: capacity}}))
    return str(queue["id"])


def chat_channel(api: Api) -> str:
    return str(created(api("ingest").post("/v1/channels", json={
        "kind": "chat", "provider": "webchat", "address": f"site-{uuid.uuid4().hex[:8]}", "name": "Website",
        "signing_secret": uuid.uuid4().hex}))["id"])


def go_available(page: Page, tenant: str, sign_in: Callable[..., None]) -> None:
    sign_in(page, tenant, "agent-1", "/agent")
    expect(page.get_by_test_id("agent-state")).to_have_attribute("data-state", "logged_out")
    expect(page.get_by_test_id("agent-state")).to_have_text("Signed out")
    page.get_by_test_id("state-submit").click()
    expect(page.get_by_test_id("agent-state")).to_have_text("Available")


def accept_offer(page: Page) -> str:
    offer = page.get_by_test_id("offer").first
    expect(offer).to_be_visible()
    task_id = str(offer.get_attribute("data-task"))
    offer.get_by_test_id("offer-accept").click()
    expect(page.locator(f"[data-testid=task-tab][data-task='{task_id}']")).to_be_visible()
    return task_id


def panel(page: Page, task_id: str) -> Any:
    return page.locator(f"[data-testid=task-panel][data-task='{task_id}']")


def off_the_browser_thread(read: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Runs a Platform read (asyncio.run) in another thread: the browser's event loop owns this one."""
    with ThreadPoolExecutor(1) as reader:
        return reader.submit(read, *args, **kwargs).result()


def completed_notes(platform: Platform, tenant: str, task_id: str) -> str | None:
    """The notes on routing.task.completed of the task, read from the bus."""
    events = off_the_browser_thread(platform.events, "routing", tenant)
    return next((e.data.get("notes") for e in events
                 if e.type.endswith("task.completed.v1") and e.data["task_id"] == task_id), None)


class Visitor:
    """A chat visitor talking to ingest's visitor API over HTTP, as the widget's fallback does."""

    def __init__(self, platform: Platform, channel_id: str) -> None:
        self.http = httpx.Client(base_url=platform.url("ingest"), timeout=30)
        session = created(self.http.post(f"/v1/chat/{channel_id}/sessions", json={"name": "Ann"}))
        self.session_id = session["session_id"]
        self.http.headers["X-Visitor-Token"] = session["visitor_token"]

    def say(self, text: str) -> None:
        created(self.http.post(f"/v1/chat/sessions/{self.session_id}/messages",
                               json={"text": text, "client_id": uuid.uuid4().hex}))

    def replies(self) -> list[str]:
        lines = self.http.get(f"/v1/chat/sessions/{self.session_id}/messages").json()
        return [line["text"] for line in lines if line["direction"] == "out"]


def test_a_site_visitor_s_chat_rings_with_the_screen_pop_and_the_agent_answers_and_completes_it(
        platform: Platform, new_page: Callable[..., Page], tenant: str, api: Api,
        sign_in: Callable[..., None]) -> None:
    channel_id = chat_channel(api)
    route_channel_to_agent(api, "chat", wrap_up_seconds=60)
    agent = new_page()
    go_available(agent, tenant, sign_in)

    visitor = new_page()
    visitor.goto(f"/site/{channel_id}")
    visitor.locator(".sbw-btn").click()
    # the widget takes what is typed once its chat session has started
    visitor.wait_for_function("id => sessionStorage.getItem('switchboard-chat-' + id)", arg=channel_id)
    visitor.locator(".sbw-form input").fill("My bill shows roaming charges I never made")
    visitor.locator(".sbw-form input").press("Enter")
    expect(visitor.locator(".sbw-in")).to_have_text("My bill shows roaming charges I never made")

    offer = agent.get_by_test_id("offer")
    expect(offer).to_be_visible()
    expect(offer.get_by_test_id("offer-channel")).to_have_text("Chat")
    expect(offer.get_by_test_id("offer-countdown")).to_contain_text("to accept")
    expect(offer).to_have_attribute("data-tone", "running")  # the tone played (the agent clicked before)
    expect(offer.get_by_test_id("pop-summary")).to_be_visible()
    expect(offer.get_by_test_id("pop-repeat")).to_contain_text("Contact no. 1 today")

    task_id = accept_offer(agent)
    work = panel(agent, task_id)
    expect(work.locator("[data-testid=message][data-direction=in] .text")).to_have_text(
        "My bill shows roaming charges I never made")
    expect(agent.get_by_test_id("customer").get_by_test_id("pop-repeat")).to_be_visible()
    expect(visitor.locator(".sbw-note")).to_contain_text("agent-1 joined the chat")

    work.get_by_test_id("reply-text").fill("Sorry about that: I have removed the roaming charges.")
    work.get_by_test_id("reply-send").click()
    expect(visitor.locator(".sbw-out")).to_have_text("Sorry about that: I have removed the roaming charges.")
    expect(work.get_by_test_id("reply-text")).to_have_value("")

    work.get_by_test_id("complete-disposition").fill("resolved")
    work.get_by_test_id("complete-notes").fill("Roaming charges refunded")
    work.get_by_test_id("complete-submit").click()
    expect(agent.get_by_test_id("task-tab")).to_have_count(0)
    expect(agent.get_by_test_id("agent-state")).to_have_text("Wrap-up")
    expect(agent.get_by_test_id("wrap-up")).to_contain_text("Wrap-up 0:5")
    expect(visitor.locator(".sbw-note").last).to_have_text("The chat has ended.")

    task = api("routing").get(f"/v1/tasks/{task_id}").json()
    assert (task["status"], task["disposition"], task["agent_id"]) == ("completed", "resolved", "agent-1")
    wait_until(lambda: completed_notes(platform, tenant, task_id) == "Roaming charges refunded",
               20, "routing.task.completed with the notes")

    agent.get_by_role("button", name="End wrap-up, go available").click()
    expect(agent.get_by_test_id("agent-state")).to_have_text("Available")
    assert api("routing").get("/v1/agents/agent-1").json()["state"] == "available"


def test_one_agent_handles_two_chats_at_once_each_in_its_own_tab(
        platform: Platform, new_page: Callable[..., Page], tenant: str, api: Api,
        sign_in: Callable[..., None]) -> None:
    channel_id = chat_channel(api)
    route_channel_to_agent(api, "chat", capacity=2)
    agent = new_page()
    go_available(agent, tenant, sign_in)

    ann, bob = Visitor(platform, channel_id), Visitor(platform, channel_id)
    ann.say("Where is my parcel?")
    bob.say("How do I change my plan?")
    expect(agent.get_by_test_id("offer")).to_have_count(2)
    first, second = accept_offer(agent), accept_offer(agent)
    expect(agent.get_by_test_id("task-tab")).to_have_count(2)
    expect(agent.get_by_test_id("agent-state")).to_have_text("Busy (all slots taken)")
    expect(agent.get_by_test_id("agent-load")).to_have_text("Chat 2/2")

    answers = {"Where is my parcel?": "It arrives tomorrow.",
               "How do I change my plan?": "Under My plan, Change."}
    for task_id in (first, second):
        agent.locator(f"[data-testid=task-tab][data-task='{task_id}']").click()
        work = panel(agent, task_id)
        expect(work).to_be_visible()
        question = work.locator("[data-testid=message][data-direction=in] .text")
        expect(question).to_have_count(1)
        answer = answers[question.inner_text()]
        work.get_by_test_id("reply-text").fill(answer)
        work.get_by_test_id("reply-send").click()
        expect(work.locator("[data-testid=message][data-direction=out] .text")).to_have_text(answer)
    expected = (["It arrives tomorrow."], ["Under My plan, Change."])
    wait_until(lambda: (ann.replies(), bob.replies()) == expected, 20, "each visitor to get their own answer")


def offers_of(platform: Platform, tenant: str, task_id: str) -> list[str]:
    """The agents the task was offered to, in order, from routing's events."""
    events = off_the_browser_thread(platform.events, "routing", tenant)
    return [e.data["agent_id"] for e in events
            if e.type.endswith("task.offered.v1") and e.data["task_id"] == task_id]


def test_a_rejected_offer_rings_again_and_a_chat_is_transferred_to_a_colleague(
        platform: Platform, new_page: Callable[..., Page], tenant: str, api: Api,
        sign_in: Callable[..., None]) -> None:
    channel_id = chat_channel(api)
    route_channel_to_agent(api, "chat")
    created(api("routing").post("/v1/agents", json={"id": "agent-2", "name": "Agent Two",
                                                    "skills": {"support": 5}, "capacity": {"chat": 1}}))
    colleague = platform.client("routing")
    colleague.headers["Authorization"] = f"Bearer {platform.token(tenant, 'agent', subject='agent-2')}"
    created(colleague.post("/v1/agents/agent-2/sign-in", json={"state": "not_ready", "reason": "meeting"}))
    agent = new_page()
    go_available(agent, tenant, sign_in)
    Visitor(platform, channel_id).say("Can I keep my number if I move?")

    offer = agent.get_by_test_id("offer")
    expect(offer).to_be_visible()
    task_id = str(offer.get_attribute("data-task"))
    offer.get_by_test_id("offer-reject").click()
    # nobody else is free: the task keeps its place and is offered to agent-1 again
    wait_until(lambda: offers_of(platform, tenant, task_id) == ["agent-1", "agent-1"], 20, "the offer again")
    expect(agent.locator(f"[data-testid=offer][data-task='{task_id}']")).to_be_visible()

    assert accept_offer(agent) == task_id
    created(colleague.put("/v1/agents/agent-2/state", json={"state": "available"}))
    work = panel(agent, task_id)
    work.get_by_test_id("transfer-agent").fill("agent-2")
    work.get_by_test_id("transfer-submit").click()
    expect(agent.get_by_test_id("task-tab")).to_have_count(0)
    task = api("routing").get(f"/v1/tasks/{task_id}").json()
    assert (task["status"], task["agent_id"]) == ("offered", "agent-2")
    colleague.close()


def test_an_expired_session_asks_to_sign_in_again_and_nothing_typed_is_lost(
        platform: Platform, new_page: Callable[..., Page], tenant: str, api: Api, console_url: str,
        sign_in: Callable[..., None]) -> None:
    channel_id = chat_channel(api)
    route_channel_to_agent(api, "chat")
    agent = new_page()
    go_available(agent, tenant, sign_in)
    visitor = Visitor(platform, channel_id)
    visitor.say("Is the outage over?")
    task_id = accept_offer(agent)
    reply = panel(agent, task_id).get_by_test_id("reply-text")

    def end_the_session() -> None:
        """A session that ends a second from now takes the place of the signed-in one."""
        short = platform.token(tenant, "agent", subject="agent-1", ttl=1)
        agent.context.add_cookies([{"name": "sb_session", "value": short, "url": console_url,
                                    "httpOnly": True, "sameSite": "Strict"}])

    # in place: the sign-in dialog opens over the page, the reply stays in its box and goes after
    reply.fill("Yes, the service came back at 10:05.")
    end_the_session()
    dialog = agent.locator("#session-expired")
    expect(dialog).to_be_visible()
    expect(reply).to_have_value("Yes, the service came back at 10:05.")
    dialog.locator("input[name=password]").fill("switchboard")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    panel(agent, task_id).get_by_test_id("reply-send").click()
    expect(reply).to_have_value("")
    wait_until(lambda: visitor.replies() == ["Yes, the service came back at 10:05."], 20,
               "the reply to arrive")

    # the page reloaded while signed out: through the sign-in page and back, the reply is still there
    reply.fill("Anything else I can help with?")
    end_the_session()
    expect(dialog).to_be_visible()
    agent.reload()
    expect(agent.locator("#sign-in-form")).to_be_visible()
    sign_in(agent, tenant, "agent-1", "/agent")
    reply = panel(agent, task_id).get_by_test_id("reply-text")
    expect(reply).to_have_value("Anything else I can help with?")
    panel(agent, task_id).get_by_test_id("reply-send").click()
    wait_until(lambda: visitor.replies()[-1:] == ["Anything else I can help with?"], 20,
               "the kept reply to arrive")


def sms_from(platform: Platform, channel_id: str, secret: str, sender: str, text: str) -> None:
    """An inbound SMS as a generic gateway posts it, signed with the channel's secret."""
    body = json.dumps({"message_id": uuid.uuid4().hex, "from": sender, "to": "+8610086", "text": text},
                      ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    answer = httpx.post(f"{platform.url('ingest')}/v1/webhooks/sms/generic/{channel_id}", content=body,
                        headers={"Content-Type": "application/json", "X-Signature-Timestamp": stamp,
                                 "X-Signature": signature}, timeout=30)
    assert answer.status_code == 200, answer.text


def test_not_ready_with_a_reason_is_recorded_and_an_sms_reply_goes_out_through_ingest_in_chinese(
        platform: Platform, new_page: Callable[..., Page], tenant: str, api: Api,
        sign_in: Callable[..., None]) -> None:
    secret = uuid.uuid4().hex
    channel = created(api("ingest").post("/v1/channels", json={
        "kind": "sms", "provider": "sandbox", "address": "+8610086", "name": "Hotline",
        "signing_secret": secret}))
    route_channel_to_agent(api, "sms")
    agent = new_page(locale="zh-CN")
    sign_in(agent, tenant, "agent-1", "/agent")
    expect(agent.get_by_test_id("agent-state")).to_have_text("未签入")

    agent.get_by_test_id("state-select").select_option("not_ready")
    agent.get_by_test_id("reason-select").select_option("lunch")
    agent.get_by_test_id("state-submit").click()
    expect(agent.get_by_test_id("agent-state")).to_have_text("示忙 · 用餐")
    recorded = api("routing").get("/v1/agents/agent-1").json()
    assert (recorded["state"], recorded["reason"]) == ("not_ready", "lunch")

    sms_from(platform, channel["id"], secret, "+8613800138000", "宽带又断了")
    agent.get_by_test_id("state-select").select_option("available")
    agent.get_by_test_id("state-submit").click()
    task_id = accept_offer(agent)
    work = panel(agent, task_id)
    expect(work.locator("[data-testid=message][data-direction=in] .text")).to_have_text("宽带又断了")
    expect(agent.get_by_test_id("customer").get_by_test_id("pop-repeat")).to_be_visible()
    work.get_by_test_id("reply-text").fill("您好，师傅今天下午上门检修。")
    work.get_by_test_id("reply-send").click()
    status = work.locator("[data-testid=message][data-direction=out] [data-testid=message-status]")
    expect(status).to_have_text("已送达")  # the sandbox provider delivers at once

    conversation = api("routing").get(f"/v1/tasks/{task_id}").json()["conversation_id"]
    messages = api("ingest").get(f"/v1/conversations/{conversation}/messages").json()
    [sent] = [m for m in messages if m["direction"] == "out"]
    assert (sent["text"], sent["to_address"]) == ("您好，师傅今天下午上门检修。", "+8613800138000")
    assert sent["status"] in ("queued", "sent", "delivered")


def test_an_email_reply_goes_out_by_email_with_a_subject(
        platform: Platform, new_page: Callable[..., Page], tenant: str, api: Api,
        sign_in: Callable[..., None]) -> None:
    secret = uuid.uuid4().hex
    channel = created(api("ingest").post("/v1/channels", json={
        "kind": "email", "provider": "sandbox", "address": "help@acme.cn", "name": "Help desk",
        "signing_secret": secret}))
    route_channel_to_agent(api, "email")
    agent = new_page()
    go_available(agent, tenant, sign_in)
    mail = ("From: Li Lei <li.lei@example.cn>\r\nTo: help@acme.cn\r\nSubject: March invoice\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@example.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Please send my March invoice again.\r\n").encode()
    stamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + mail, hashlib.sha256).hexdigest()
    posted = httpx.post(f"{platform.url('ingest')}/v1/webhooks/email/raw/{channel['id']}", content=mail,
                        headers={"Content-Type": "message/rfc822", "X-Signature-Timestamp": stamp,
                                 "X-Signature": signature}, timeout=30)
    assert posted.status_code == 200, posted.text

    task_id = accept_offer(agent)
    work = panel(agent, task_id)
    expect(work.locator("[data-testid=message][data-direction=in] .subject")).to_have_text("March invoice")
    work.get_by_test_id("reply-subject").fill("Your March invoice")
    work.get_by_test_id("reply-text").fill("Dear Mr Li, the invoice is attached to this mail.")
    work.get_by_test_id("reply-send").click()
    expect(work.locator("[data-testid=message][data-direction=out] .text")).to_have_text(
        "Dear Mr Li, the invoice is attached to this mail.")

    conversation = posted.json()["conversation_id"]
    [sent] = [m for m in api("ingest").get(f"/v1/conversations/{conversation}/messages").json()
              if m["direction"] == "out"]
    assert sent["to_address"] == "li.lei@example.cn"
    assert sent["text"] == "Dear Mr Li, the invoice is attached to this mail."
    assert sent["status"] in ("queued", "sent", "delivered")
    # ingest's history does not show an outbound subject; the send itself carries it
    assert off_the_browser_thread(platform.scalar, "ingest", "SELECT subject FROM deliveries WHERE id = :id",
                                  id=sent["id"]) == "Your March invoice"


def test_an_outbound_preview_call_shows_record_and_script_and_records_answers_and_disposition(
        platform: Platform, new_page: Callable[..., Page], tenant: str, api: Api,
        sign_in: Callable[..., None]) -> None:
    campaigns = api("campaign")
    campaign = created(campaigns.post("/v1/campaigns", json={
        "name": "Broadband renewals", "kind": "preview", "purpose": "service",
        "message_template": "Hello $name, this is Acme about your $plan plan.",
        "schedule": {"window": {"start": "00:00", "end": "00:00"}},
        "questions": [{"id": "satisfied", "text": "How satisfied are you (0-10)?", "kind": "score"},
                      {"id": "renew", "text": "Will you renew?", "kind": "choice",
                       "choices": ["yes", "no"]}]}))
    created(campaigns.post(f"/v1/campaigns/{campaign['id']}/lists", headers={"Content-Type": "text/csv"},
                           content=b"phone,name,plan\n+8613800138001,Wang Fang,gold\n"))
    created(campaigns.post(f"/v1/campaigns/{campaign['id']}/start"))

    agent = new_page()
    sign_in(agent, tenant, "agent-1", f"/agent?campaign={campaign['id']}")
    outbound = agent.get_by_test_id("outbound")
    outbound.get_by_test_id("preview-next").click()
    expect(outbound.get_by_test_id("preview-script")).to_have_text(
        "Hello Wang Fang, this is Acme about your gold plan.")
    expect(outbound.get_by_test_id("preview-record")).to_contain_text("Wang Fang")
    outbound.get_by_test_id("preview-dial").click()
    expect(outbound.get_by_test_id("outbound-call")).to_be_visible()

    answers = outbound.get_by_test_id("answers-form")
    answers.locator("input[name=satisfied]").fill("11")
    answers.get_by_test_id("answers-submit").click()
    # campaign names the question (answers.satisfied): its message sits next to that field
    expect(answers.locator("input[name=satisfied]")).to_have_attribute("aria-invalid", "true")
    expect(answers.locator(".field-error")).to_contain_text("a whole number from")
    answers.locator("input[name=satisfied]").fill("9")
    answers.locator("select[name=renew]").select_option("yes")
    answers.get_by_test_id("answers-submit").click()
    expect(answers.get_by_test_id("answers-saved")).to_be_visible()
    outbound.get_by_test_id("outbound-code").fill("sale")
    outbound.get_by_test_id("outbound-code-submit").click()
    expect(outbound.get_by_test_id("outbound-done")).to_have_text("Recorded: sale")

    [contact] = campaigns.get(f"/v1/campaigns/{campaign['id']}/contacts").json()
    assert contact["answers"] == {"satisfied": "9", "renew": "yes"}
    assert contact["converted"] is True
    [attempt] = campaigns.get(f"/v1/campaigns/{campaign['id']}/attempts").json()
    assert (attempt["disposition"], attempt["agent_id"]) == ("sale", "agent-1")
