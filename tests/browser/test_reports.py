"""The reports page in a real browser: two chats handled through ingest and routing, evaluated
and rated; every report shows qa's and routing's own figures, as charts, tables and CSV."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from switchboard.common.events.campaign import SurveyResponseRecorded
from switchboard.common.testing import Platform, wait_until

FORM = {"name": "Chat quality", "sections": [{"title": "Service", "questions": [
    {"key": "greeting", "text": "Greeted the customer?", "auto_check": "greeting"},
    {"key": "resolved", "text": "Solved the problem?", "weight": 2},
]}]}


def publish(platform: Platform, event: SurveyResponseRecorded, tenant: str) -> None:
    """What campaign publishes when a customer answers the survey. From a thread of its own:
    Playwright's sync API keeps an event loop running in this one."""
    worker = ThreadPoolExecutor(1)
    worker.submit(platform.publish, event, tenant).result(timeout=30)
    worker.shutdown()


def as_agent(platform: Platform, service: str, tenant: str) -> httpx.Client:
    token = platform.token(tenant, "agent", subject="agent-1")
    return httpx.Client(base_url=platform.url(service), headers={"Authorization": f"Bearer {token}"},
                        timeout=30)


def chats_handled_by_agent_1(platform: Platform, api: Callable[[str], httpx.Client], tenant: str,
                             lines: list[str]) -> list[str]:
    """Each line: a visitor's chat that routing offers to agent-1, who accepts, answers and completes."""
    channel = api("ingest").post("/v1/channels", json={
        "kind": "chat", "provider": "webchat", "address": f"site-{tenant}", "name": "Website",
        "signing_secret": "unused-for-chat-0123"}).json()["id"]
    routing = api("routing")
    assert routing.post("/v1/queues", json={"name": "web", "channels": ["chat"], "is_default": True}
                        ).status_code == 201
    assert routing.post("/v1/agents", json={"id": "agent-1", "name": "Agent One", "capacity": {"chat": 1}}
                        ).status_code == 201
    ingest = platform.url("ingest")
    conversations = []
    with as_agent(platform, "routing", tenant) as desk, as_agent(platform, "ingest", tenant) as sender:
        assert desk.post("/v1/agents/agent-1/sign-in", json={}).status_code == 200
        for line in lines:
            session = httpx.post(f"{ingest}/v1/chat/{channel}/sessions", json={}).json()
            said = httpx.post(f"{ingest}/v1/chat/sessions/{session['session_id']}/messages",
                              json={"text": line}, headers={"X-Visitor-Token": session["visitor_token"]})
            assert said.status_code == 200, said.text
            wait_until(lambda: bool(desk.get("/v1/agents/agent-1/tasks").json()), 20, "the offer to agent-1")
            [task] = desk.get("/v1/agents/agent-1/tasks").json()
            assert desk.post(f"/v1/tasks/{task['id']}/accept").status_code == 200
            assert sender.post(f"/v1/conversations/{session['conversation_id']}/messages",
                               json={"text": "Hello, I will fix that now."}).status_code == 202
            completed = desk.post(f"/v1/tasks/{task['id']}/complete", json={"disposition": "resolved"})
            assert completed.status_code == 200, completed.text
            conversations.append(session["conversation_id"])
    qa = api("qa")
    wait_until(lambda: all(qa.get(f"/v1/contacts/{c}").json().get("disposition") == "resolved"
                           for c in conversations), 20, "qa's contacts")
    return conversations


def evaluate_and_rate(platform: Platform, api: Callable[[str], httpx.Client], tenant: str,
                      conversations: list[str]) -> None:
    qa = api("qa")
    card = qa.post("/v1/scorecards", json=FORM).json()
    for conversation, resolved, rating in zip(conversations, ("yes", "no"), (5, 2), strict=True):
        evaluation = qa.post("/v1/evaluations", json={
            "conversation_id": conversation, "scorecard_id": card["id"], "evaluator_id": "evaluator"}).json()
        done = qa.post(f"/v1/evaluations/{evaluation['id']}/submit",
                       json={"answers": {"resolved": {"value": resolved}}})
        assert done.status_code == 200, done.text
        publish(platform, SurveyResponseRecorded(
            survey_id="csat", conversation_id=conversation, agent_id="agent-1", question="How did we do?",
            score=rating, at=datetime.now(UTC)), tenant)
    wait_until(lambda: [r["responses"] for r in csat_rows(qa)] == [2], 20, "qa's survey answers")


def window() -> dict[str, str]:
    today = datetime.now(UTC).date()
    start = datetime.combine(today - timedelta(days=7), datetime.min.time(), UTC)
    return {"since": start.isoformat(), "until": (start + timedelta(days=9)).isoformat()}


def csat_rows(qa: httpx.Client) -> list[dict]:
    return list(qa.get("/v1/reports/csat", params={"group_by": "agent", **window()}).json())


def cells(table: Locator) -> list[list[str]]:
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()]
            for row in table.locator("tbody tr").all()]


def downloaded(page: Page, report: Locator) -> list[list[str]]:
    with page.expect_download() as download:
        report.get_by_test_id("download-csv").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    return list(csv.reader(text.splitlines()))


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


def test_reports_show_the_services_figures_as_charts_tables_and_csv(
        platform: Platform, api: Callable[[str], httpx.Client], tenant: str,
        open_page: Callable[..., Page], sign_in: Callable[..., None]) -> None:
    marker = "router"
    conversations = chats_handled_by_agent_1(platform, api, tenant, [
        f"My {marker} keeps dropping every evening", f"The {marker} light is red again"])
    evaluate_and_rate(platform, api, tenant, conversations)
    qa, routing = api("qa"), api("routing")
    wait_until(lambda: bool(qa.get("/v1/kpis/agents", params=window()).json()), 20, "agent-1's KPIs")

    page = open_page()
    sign_in(page, tenant, "supervisor", "/reports")

    csat = page.get_by_test_id("report-csat")
    expect(csat.locator("figure.chart-box figcaption")).to_have_text("CSAT (satisfied)")
    expect(csat.locator("svg.chart rect")).to_have_count(1)
    [rated] = csat_rows(qa)
    assert (rated["key"], rated["responses"], rated["average"]) == ("agent-1", 2, 3.5)
    assert rated["csat_percent"] == 50.0
    expect(csat.locator("tbody tr")).to_have_count(1)
    assert cells(csat.locator("table")) == [["agent-1", "2", "3.5", "50%"]]
    assert downloaded(page, csat) == [["Agent", "Answers", "Average rating", "CSAT (satisfied)"],
                                      ["agent-1", "2", "3.5", "50"]]

    scores = page.get_by_test_id("report-evaluations")
    [scored] = qa.get("/v1/reports/evaluations", params={"group_by": "agent", **window()}).json()
    assert (scored["evaluations"], scored["average_score"]) == (2, 66.66)  # (100 + 33.33) / 2, rounded by qa
    expect(scores.locator("tbody tr")).to_have_count(1)
    assert cells(scores.locator("table")) == [["agent-1", "2", "66.66", "0"]]
    expect(scores.locator("svg.chart rect")).to_have_count(1)

    failed = page.get_by_test_id("report-questions")
    api_failed = qa.get("/v1/reports/questions-failed", params=window()).json()
    expect(failed.locator("tbody tr")).to_have_count(len(api_failed))
    as_text = [[q["scorecard"], q["text"], str(q["answered"]), str(q["failed"]),
                f"{round(q['fail_rate'] * 100, 1):g}"] for q in api_failed]
    assert cells(failed.locator("table")) == [[*row[:4], f"{row[4]}%"] for row in as_text]
    assert cells(failed.locator("table"))[0][1:4] == ["Solved the problem?", "2", "1"]
    assert downloaded(page, failed)[1:] == as_text

    topics = page.get_by_test_id("report-topics")
    expect(topics.locator("table")).to_contain_text(marker)
    topic_row = next(row for row in cells(topics.locator("table")) if row[0] == marker)
    assert topic_row[1] == "2"
    expect(topics.locator("svg.chart")).to_have_count(1)

    kpis = page.get_by_test_id("report-kpis")
    [ranked] = qa.get("/v1/kpis/agents", params=window()).json()
    expect(kpis.locator("tbody tr")).to_have_count(1)
    kpi_row = cells(kpis.locator("table"))[0]
    assert kpi_row[:2] == [str(ranked["rank"]), "agent-1"]
    assert kpi_row[3] == "50%"  # CSAT: one of the two answers satisfied
    assert kpi_row[4] == f"{round(ranked['metrics']['qa_score'], 1):g}"  # the QA score, to one decimal

    volume = page.get_by_test_id("report-intervals")
    expect(volume.locator("figure")).to_have_count(2)
    today = datetime.now(UTC).date().isoformat()
    by_interval = routing.get("/v1/stats/intervals", params={"day": today}).json()
    assert sum(r["offered"] for r in by_interval) == 2
    shown = cells(volume.locator("table"))
    assert [(row[2], row[3]) for row in shown] == [(str(r["offered"]), str(r["answered"]))
                                                   for r in by_interval]
    assert all(row[1] == "web" for row in shown)
    assert [row[2] for row in downloaded(page, volume)[1:]] == [str(r["offered"]) for r in by_interval]

    # An evaluator reads qa's reports, not the team's KPIs or routing's figures.
    evaluator = open_page()
    sign_in(evaluator, tenant, "evaluator", "/reports")
    expect(evaluator.get_by_test_id("report-csat").locator("tbody tr")).to_have_count(1)
    expect(evaluator.get_by_test_id("report-kpis")).to_have_count(0)
    expect(evaluator.get_by_test_id("report-intervals")).to_have_count(0)


def test_reports_speak_chinese_down_to_the_csv(
        platform: Platform, api: Callable[[str], httpx.Client], tenant: str,
        open_page: Callable[..., Page], sign_in: Callable[..., None]) -> None:
    conversations = chats_handled_by_agent_1(platform, api, tenant, ["我的宽带又断了"])
    api("qa").post("/v1/scorecards", json=FORM)
    publish(platform, SurveyResponseRecorded(survey_id="csat", conversation_id=conversations[0],
                                             agent_id="agent-1", question="满意吗？", score=4,
                                             at=datetime.now(UTC)), tenant)
    wait_until(lambda: len(csat_rows(api("qa"))) == 1, 20, "qa's survey answer")

    page = open_page(locale="zh-CN")
    sign_in(page, tenant, "admin", "/reports")
    csat = page.get_by_test_id("report-csat")
    expect(csat.locator("h2")).to_have_text("客户满意度（CSAT）")
    expect(csat.locator("thead")).to_contain_text("满意率")
    expect(page.get_by_test_id("report-intervals").locator("h2")).to_have_text("话务量与服务水平")
    expect(csat.locator("tbody tr")).to_have_count(1)
    assert downloaded(page, csat) == [["坐席", "评价数", "平均评分", "满意率"], ["agent-1", "1", "4", "100"]]

    # a bad range is named at its field, in Chinese
    page.fill("input[name=from]", "2026-11-20")
    page.fill("input[name=to]", "2026-11-10")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("label:has(input[name=to]) + .field-error")).to_have_text("结束日期早于开始日期。")
