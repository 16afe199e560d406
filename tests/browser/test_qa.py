"""The quality page in a real browser: a scorecard built on the page, a chat that reached qa
through ingest and routing, and an evaluator who changes an automatic answer and submits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from switchboard.common.testing import Platform, wait_until

CUSTOMER_LINE = "My router keeps dropping, charge card 4111 1111 1111 1111 for the fix"
AGENT_LINE = "Hello! Let me reset the port for you."


def as_agent(platform: Platform, service: str, tenant: str, agent_id: str) -> httpx.Client:
    token = platform.token(tenant, "agent", subject=agent_id)
    return httpx.Client(base_url=platform.url(service), headers={"Authorization": f"Bearer {token}"},
                        timeout=30)


def handled_chat(platform: Platform, api: Callable[[str], httpx.Client], tenant: str) -> str:
    """A visitor chats on the web site; routing offers it to agent-1, who accepts, answers through
    ingest and completes it. qa builds the contact from the events. Returns the conversation id."""
    channel = api("ingest").post("/v1/channels", json={
        "kind": "chat", "provider": "webchat", "address": f"site-{tenant}", "name": "Website",
        "signing_secret": "unused-for-chat-0123"})
    assert channel.status_code == 201, channel.text
    routing = api("routing")
    assert routing.post("/v1/queues", json={"name": "web", "channels": ["chat"], "is_default": True}
                        ).status_code == 201
    assert routing.post("/v1/agents", json={"id": "agent-1", "name": "Agent One", "capacity": {"chat": 2}}
                        ).status_code == 201
    with as_agent(platform, "routing", tenant, "agent-1") as desk, \
            as_agent(platform, "ingest", tenant, "agent-1") as sender:
        assert desk.post("/v1/agents/agent-1/sign-in", json={}).status_code == 200
        ingest = platform.url("ingest")
        session = httpx.post(f"{ingest}/v1/chat/{channel.json()['id']}/sessions", json={"name": "Ann"}).json()
        said = httpx.post(f"{ingest}/v1/chat/sessions/{session['session_id']}/messages",
                          json={"text": CUSTOMER_LINE}, headers={"X-Visitor-Token": session["visitor_token"]})
        assert said.status_code == 200, said.text
        wait_until(lambda: bool(desk.get("/v1/agents/agent-1/tasks").json()), 20, "the offer to agent-1")
        [task] = desk.get("/v1/agents/agent-1/tasks").json()
        assert desk.post(f"/v1/tasks/{task['id']}/accept").status_code == 200
        conversation = session["conversation_id"]
        assert sender.post(f"/v1/conversations/{conversation}/messages", json={"text": AGENT_LINE}
                           ).status_code == 202
        completed = desk.post(f"/v1/tasks/{task['id']}/complete", json={"disposition": "resolved"})
        assert completed.status_code == 200, completed.text
    qa = api("qa")
    wait_until(lambda: qa.get(f"/v1/contacts/{conversation}").json().get("message_count") == 2
               and qa.get(f"/v1/contacts/{conversation}").json()["disposition"] == "resolved",
               20, "qa's transcript of the chat")
    return conversation


@pytest.fixture
def open_page(new_page: Callable[..., Page]) -> Iterator[Callable[..., Page]]:
    """new_page, and the test fails if the page's script threw anything uncaught."""
    thrown: list[str] = []

    def opened(locale: str = "en-GB") -> Page:
        page = new_page(locale=locale)
        page.on("pageerror", lambda error: thrown.append(str(error)))
        return page

    yield opened
    assert thrown == []


def test_an_evaluator_corrects_an_automatic_answer_and_submits(
        platform: Platform, api: Callable[[str], httpx.Client], tenant: str,
        open_page: Callable[..., Page], sign_in: Callable[..., None]) -> None:
    conversation = handled_chat(platform, api, tenant)

    # A supervisor builds the scorecard on the page; the weight qa refuses is named at its field.
    admin = open_page()
    sign_in(admin, tenant, "admin", "/qa")
    admin.goto("/qa#/scorecards")
    admin.get_by_role("link", name="New scorecard").click()
    form = admin.get_by_test_id("scorecard-form")
    form.locator("input[name=name]").fill("Chat quality")
    form.locator("input[name='sections.0.title']").fill("Opening")
    form.locator("input[name='sections.0.questions.0.key']").fill("greeting")
    form.locator("input[name='sections.0.questions.0.text']").fill("Greeted the customer?")
    form.locator("select[name='sections.0.questions.0.auto_check']").select_option("greeting")
    form.get_by_test_id("add-question").click()
    form.locator("input[name='sections.0.questions.1.key']").fill("resolved")
    form.locator("input[name='sections.0.questions.1.text']").fill("Solved the problem?")
    form.locator("input[name='sections.0.questions.1.weight']").fill("0")
    form.get_by_role("button", name="Publish").click()
    weight_error = form.locator("label:has(input[name='sections.0.questions.1.weight']) + .field-error")
    expect(weight_error).to_contain_text("greater than 0")
    weight = form.locator("input[name='sections.0.questions.1.weight']")
    expect(weight).to_have_attribute("aria-invalid", "true")
    assert api("qa").get("/v1/scorecards").json() == []
    weight.fill("2")
    form.get_by_role("button", name="Publish").click()
    expect(admin.get_by_test_id("versions")).to_contain_text("v1")
    [card] = api("qa").get("/v1/scorecards").json()
    questions = card["definition"]["sections"][0]["questions"]
    assert [(q["key"], q["auto_check"], q["weight"]) for q in questions] == [
        ("greeting", "greeting", 1.0), ("resolved", None, 2.0)]

    # A change publishes version 2; version 1 stays readable as it was.
    text = admin.get_by_test_id("scorecard-form").locator("input[name='sections.0.questions.1.text']")
    text.fill("Solved the customer's problem?")
    admin.get_by_role("button", name="Publish").click()
    expect(admin.get_by_test_id("versions")).to_contain_text("v2")
    [card] = api("qa").get("/v1/scorecards").json()
    assert card["version"] == 2
    assert card["definition"]["sections"][0]["questions"][1]["text"] == "Solved the customer's problem?"
    admin.get_by_test_id("versions").get_by_role("button", name="v1").click()
    expect(text).to_have_value("Solved the problem?")
    expect(text).to_be_disabled()

    # Sampling: qa refuses it on without evaluators; with them, every completed contact is sampled.
    admin.goto("/qa#/rules")
    sampling = admin.get_by_test_id("sampling-rules")
    sampling.locator("input[name=enabled]").check()
    sampling.get_by_role("button", name="Save").click()
    expect(sampling.locator(".form-error")).to_contain_text("at least one evaluator_ids entry")
    sampling.locator("select[name=scorecard_id]").select_option(card["id"])
    sampling.locator("textarea[name=evaluator_ids]").fill("evaluator")
    sampling.locator("input[name=random_share]").fill("1")
    sampling.get_by_role("button", name="Save").click()
    expect(sampling.get_by_test_id("saved")).to_be_visible()
    rules = api("qa").get("/v1/sampling-rules").json()
    assert (rules["enabled"], rules["scorecard_id"], rules["evaluator_ids"], rules["random_share"]) == (
        True, card["id"], ["evaluator"], 1.0)

    # It assigns the chat to the evaluator from the contact's page.
    admin.goto("/qa#/contacts")
    admin.locator(f"[data-testid=open-contact][data-conversation='{conversation}']").click()
    assign = admin.get_by_test_id("assign-form")
    assign.locator("select[name=scorecard_id]").select_option(card["id"])
    assign.locator("input[name=evaluator_id]").fill("evaluator")
    assign.get_by_role("button", name="Assign").click()
    expect(admin.get_by_test_id("evaluation-form")).to_be_visible()

    # The evaluator finds it in their queue: the transcript is masked, the check's answer is in.
    page = open_page()
    sign_in(page, tenant, "evaluator", "/qa")
    page.locator(f"[data-testid=open-evaluation][data-conversation='{conversation}']").click()
    expect(page.locator(".eval-summary")).to_contain_text("Scorecard: Chat quality v2")
    lines = page.get_by_test_id("transcript")
    expect(lines).to_contain_text("[card ending 1111]")
    expect(lines).not_to_contain_text("4111 1111")
    expect(lines).to_contain_text(AGENT_LINE)
    expect(page.get_by_test_id("sentiment")).to_contain_text(re.compile(r"-?\d\.\d\d"))
    greeting = page.locator("fieldset[data-question=greeting]")
    expect(greeting.locator("select")).to_have_value("yes")
    expect(greeting.get_by_test_id("auto-answer")).to_have_text("Automatic")
    resolved = page.locator("fieldset[data-question=resolved]")
    expect(resolved.locator("select")).to_have_value("")

    # Overriding the check needs a reason; a question left open is named by qa.
    greeting.locator("select").select_option("no")
    expect(greeting.get_by_test_id("auto-answer")).to_contain_text("Changed by hand")
    page.get_by_test_id("submit").click()
    expect(greeting.locator(".field-error")).to_contain_text("Say why you change the automatic answer")
    greeting.locator("input[name='answers.greeting.comment']").fill("A bare hello, not our greeting script")
    page.get_by_test_id("submit").click()
    expect(page.locator("fieldset[data-question=resolved] + .field-error")).to_contain_text("is not answered")
    resolved.locator("select").select_option("yes")
    expect(page.get_by_test_id("score-preview")).to_have_text("66.67")
    page.locator("textarea[name=comment]").fill("Solved quickly; greet by the script next time.")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("status")).to_have_text("Submitted")
    expect(page.get_by_test_id("score")).to_have_text("66.67")

    [evaluation] = api("qa").get("/v1/evaluations", params={"conversation_id": conversation}).json()
    assert (evaluation["status"], evaluation["evaluator_id"]) == ("submitted", "evaluator")
    assert evaluation["score"] == 66.67  # greeting 0 of 1, resolved 2 of 2
    assert evaluation["answers"]["greeting"] == {"value": "no",
                                                 "comment": "A bare hello, not our greeting script"}
    assert evaluation["answers"]["resolved"]["value"] == "yes"
    assert evaluation["prefilled"] == ["greeting"]
    assert evaluation["comment"] == "Solved quickly; greet by the script next time."

    # In Chinese, the submitted sheet still shows which answer overrode the check.
    admin.goto(f"/qa?lang=zh#/evaluations/{evaluation['id']}")
    expect(admin.get_by_test_id("status")).to_have_text("已提交")
    expect(admin.locator("fieldset[data-question=greeting]").get_by_test_id("auto-answer")).to_have_text(
        "已人工修改（自动检测为：是）")
    expect(admin.locator("input[name='answers.greeting.comment']")).to_have_value(
        "A bare hello, not our greeting script")

    # agent-1 disputes it (from their desktop); a supervisor settles the dispute on this page.
    with as_agent(platform, "qa", tenant, "agent-1") as agent:
        disputed = agent.post(f"/v1/evaluations/{evaluation['id']}/dispute",
                              json={"reason": "I did greet: Hello is our script"})
        assert disputed.status_code == 200, disputed.text
    admin.goto(f"/qa?lang=en#/evaluations/{evaluation['id']}")
    expect(admin.get_by_test_id("dispute-reason")).to_contain_text("I did greet: Hello is our script")
    admin.locator("fieldset[data-question=greeting] select").select_option("yes")
    admin.get_by_test_id("re-review").click()
    expect(admin.locator("label:has(textarea[name=comment]) + .field-error")).to_be_visible()
    admin.locator("textarea[name=comment]").fill("Agreed: Hello is in the script.")
    admin.locator("input[name='answers.greeting.comment']").fill("Hello is in the script")
    admin.get_by_test_id("re-review").click()
    expect(admin.get_by_test_id("status")).to_have_text("Re-reviewed")
    expect(admin.get_by_test_id("score")).to_have_text("100")
    settled = api("qa").get(f"/v1/evaluations/{evaluation['id']}").json()
    assert (settled["status"], settled["score"]) == ("re_reviewed", 100.0)
    assert settled["review_comment"] == "Agreed: Hello is in the script."
    assert settled["answers"]["greeting"]["value"] == "yes"

    # Calibration: two evaluators score the same chat; the page shows where they disagree.
    admin.goto("/qa#/calibrations")
    start = admin.get_by_test_id("calibration-form")
    start.locator("input[name=conversation_id]").fill(conversation)
    start.locator("input[name=evaluator_ids]").fill("evaluator")
    start.get_by_role("button", name="Start").click()
    expect(start.locator("label:has(input[name=evaluator_ids]) + .field-error")).to_contain_text("at least 2")
    start.locator("input[name=evaluator_ids]").fill("evaluator, supervisor")
    start.get_by_role("button", name="Start").click()
    report = admin.get_by_test_id("calibration-report")
    expect(report).to_contain_text("0 of 2 sheets submitted")
    qa = api("qa")
    sheets = qa.get("/v1/evaluations", params={"conversation_id": conversation, "status": "assigned"}).json()
    for sheet, resolved in zip(sorted(sheets, key=lambda e: e["evaluator_id"]), ("yes", "no"), strict=True):
        assert qa.post(f"/v1/evaluations/{sheet['id']}/submit", json={"answers": {
            "greeting": {"value": "yes"}, "resolved": {"value": resolved}}}).status_code == 200
    admin.reload()
    expect(report).to_contain_text("2 of 2 sheets submitted; total scores spread 66.67 points.")
    first = admin.get_by_test_id("calibration-questions").locator("tbody tr").first
    expect(first.locator("td").nth(0)).to_have_text("resolved")
    expect(first.locator("td").nth(2)).to_have_text("1")
    expect(first.locator("td").nth(4)).to_have_text("No")
