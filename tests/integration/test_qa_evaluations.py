"""The evaluation workflow over HTTP against a real qa process fed from the bus: versioned
scorecards, pre-filled answers, submit, acknowledge, dispute, re-review, calibration, bad input."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import nats
import pytest

from switchboard.common.events.base import Payload, make_envelope
from switchboard.common.events.campaign import SurveyResponseRecorded
from switchboard.common.events.ingest import MessageReceived, MessageSent
from switchboard.common.events.routing import AgentStateChanged, TaskAccepted, TaskCompleted, TaskOffered
from switchboard.common.testing import Platform, wait_until

pytestmark = pytest.mark.integration

FORM = {
    "name": "Chat quality",
    "sections": [
        {"title": "Opening", "questions": [
            {"key": "greeting", "text": "Greeted the customer?", "auto_check": "greeting"},
            {"key": "identity", "text": "Verified identity?", "critical": True, "allow_na": False},
        ]},
        {"title": "Resolution", "questions": [
            {"key": "knowledge", "text": "Product knowledge", "kind": "scale", "scale_max": 4, "weight": 2},
            {"key": "closing", "text": "Offered further help?", "auto_check": "closing"},
            {"key": "hold", "text": "Asked before hold?", "channels": ["voice"]},
        ]},
    ],
}


def publish(platform: Platform, tenant: str, subject: str, *events: Payload) -> None:
    """What ingest and routing put on the bus, in the same envelope format."""
    assert platform.nats is not None

    async def run() -> None:
        connection = await nats.connect(platform.nats.url)
        js = connection.jetstream()
        for event in events:
            envelope = make_envelope(event, tenant=tenant, source=event.service, subject=subject)
            await js.publish(envelope.nats_subject, envelope.model_dump_json().encode(),
                             headers={"Nats-Msg-Id": envelope.id})
        await connection.close()

    asyncio.run(run())


def published(platform: Platform, subject: str) -> list[dict]:
    """Every event on `subject` in qa's stream, oldest first."""
    assert platform.nats is not None

    async def run() -> list[dict]:
        connection = await nats.connect(platform.nats.url)
        try:
            js = connection.jetstream()
            state = (await js.stream_info("SB_QA")).state
            found: list[dict] = []
            if state.messages == 0:
                return found
            for seq in range(state.first_seq, state.last_seq + 1):
                message = await js.get_msg("SB_QA", seq)
                if message.subject == subject and message.data:
                    found.append(json.loads(message.data)["data"])
            return found
        finally:
            await connection.close()

    return asyncio.run(run())


def chat(platform: Platform, tenant: str, agent: str) -> str:
    conversation = str(uuid.uuid4())
    t0 = datetime.now(UTC)
    publish(platform, tenant, conversation,
            MessageReceived(message_id=str(uuid.uuid4()), conversation_id=conversation, channel="chat",
                            channel_id="web", from_address="visitor", to_address="web",
                            text="My router keeps dropping", received_at=t0),
            TaskAccepted(task_id=str(uuid.uuid4()), conversation_id=conversation, queue_id="tech",
                         channel="chat", at=t0, agent_id=agent, wait_seconds=2),
            MessageSent(message_id=str(uuid.uuid4()), conversation_id=conversation, channel="chat",
                        to_address="visitor", sent_by=agent, text="Hello! Let me reset the port.",
                        sent_at=t0 + timedelta(seconds=15)))
    return conversation


def as_user(platform: Platform, tenant: str, role: str, subject: str) -> httpx.Client:
    token = platform.token(tenant, role, subject=subject)
    return httpx.Client(base_url=platform.url("qa"), headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_the_evaluation_workflow_from_assignment_to_re_review(platform: Platform) -> None:
    platform.start(["qa"])
    supervisor = as_user(platform, "acme", "supervisor", "sup")
    evaluator = as_user(platform, "acme", "evaluator", "eva")
    agent = as_user(platform, "acme", "agent", "a1")
    conversation = chat(platform, "acme", "a1")
    wait_until(lambda: supervisor.get(f"/v1/contacts/{conversation}").json().get("message_count") == 2,
               15, "the contact's transcript")

    # Scorecards are versioned.
    created = supervisor.post("/v1/scorecards", json=FORM)
    assert created.status_code == 201, created.text
    card = created.json()
    assert card["version"] == 1
    bad_form = supervisor.post("/v1/scorecards", json={**FORM, "sections": []})
    assert bad_form.status_code == 422

    # Assignment pre-fills what the checks answer; the rest is the evaluator's.
    assigned = supervisor.post("/v1/evaluations", json={
        "conversation_id": conversation, "scorecard_id": card["id"], "evaluator_id": "eva"})
    assert assigned.status_code == 201, assigned.text
    evaluation = assigned.json()
    assert (evaluation["status"], evaluation["agent_id"]) == ("assigned", "a1")
    assert (evaluation["scorecard_id"], evaluation["version"]) == (card["id"], 1)  # the form it is on
    assert evaluation["answers"]["greeting"]["value"] == "yes"   # "Hello!" in the first agent line
    assert evaluation["answers"]["closing"]["value"] == "no"     # no offer of further help
    assert evaluation["answers"]["hold"]["value"] == "na"        # a voice-only question on chat
    assert "identity" not in evaluation["answers"]
    url = f"/v1/evaluations/{evaluation['id']}"

    # Bad input names the question; another tenant's contact or evaluation is a 404.
    wrong = evaluator.post(f"{url}/submit", json={"answers": {"knowledge": {"value": 9}}})
    assert wrong.status_code == 422 and wrong.json()["question"] == "knowledge"
    assert "0 to 4" in wrong.json()["detail"]
    missing = evaluator.post(f"{url}/submit", json={"answers": {"knowledge": {"value": 3}}})
    assert missing.status_code == 422 and missing.json()["question"] == "identity"
    with as_user(platform, "globex", "supervisor", "sup") as other:
        assert other.post("/v1/evaluations", json={"conversation_id": conversation,
                                                   "scorecard_id": card["id"], "evaluator_id": "x"}
                          ).status_code == 404
        assert other.get(url).status_code == 404
    with as_user(platform, "acme", "evaluator", "someone-else") as stranger:
        assert stranger.post(f"{url}/submit", json={}).status_code == 403
    assert agent.get(url).status_code == 404  # not the agent's to see until submitted

    # Draft, then submit with a comment per question; the score is the weighted arithmetic.
    draft = evaluator.patch(url, json={"answers": {"knowledge": {"value": 3, "comment": "knew the fix"}}})
    assert draft.status_code == 200 and draft.json()["status"] == "assigned"
    done = evaluator.post(f"{url}/submit", json={"answers": {"identity": {"value": "yes"}},
                                                 "comment": "good, but no closing"})
    assert done.status_code == 200, done.text
    # greeting 1 + identity 1 + knowledge 2*3/4 + closing 0 = 3.5 of 5
    assert (done.json()["status"], done.json()["score"]) == ("submitted", 70.0)
    assert done.json()["answers"]["knowledge"]["comment"] == "knew the fix"
    assert evaluator.patch(url, json={"answers": {"closing": {"value": "yes"}}}).status_code == 409
    assert evaluator.post(f"{url}/submit", json={}).status_code == 409
    wait_until(lambda: len(published(platform, "sb.acme.qa.evaluation.completed")) == 1, 10,
               "qa.evaluation.completed on the bus")
    [event] = published(platform, "sb.acme.qa.evaluation.completed")
    assert (event["evaluation_id"], event["agent_id"], event["score"]) == (evaluation["id"], "a1", 70.0)
    assert (event["scorecard_id"], event["scorecard_version"], event["failed_critical"]) == (
        card["id"], 1, False)

    # A new scorecard version changes nothing already scored.
    v2 = supervisor.put(f"/v1/scorecards/{card['id']}", json={**FORM, "name": "Chat quality 2"})
    assert v2.json()["version"] == 2
    assert (agent.get(url).json()["score"], agent.get(url).json()["version"]) == (70.0, 1)
    with as_user(platform, "acme", "evaluator", "e9") as later:  # a new assignment takes version 2
        newer = supervisor.post("/v1/evaluations", json={
            "conversation_id": conversation, "scorecard_id": card["id"], "evaluator_id": "e9"}).json()
        assert [(e["id"], e["version"]) for e in later.get("/v1/evaluations", params={
            "evaluator_id": "e9"}).json()] == [(newer["id"], 2)]
    # An open evaluation can be handed to another evaluator; a settled one cannot.
    moved = supervisor.post(f"/v1/evaluations/{newer['id']}/reassign", json={"evaluator_id": "e10"})
    assert moved.status_code == 200 and moved.json()["evaluator_id"] == "e10", moved.text
    assert evaluator.post(f"/v1/evaluations/{newer['id']}/reassign", json={"evaluator_id": "eva"}
                          ).status_code == 403
    assert supervisor.post(f"{url}/reassign", json={"evaluator_id": "e10"}).status_code == 409
    assert supervisor.get(f"/v1/scorecards/{card['id']}/versions/1").json()["name"] == "Chat quality"
    assert [c["current_version"] for c in supervisor.get("/v1/scorecards").json()] == [2]

    # The agent disputes; a supervisor re-reviews; the agent cannot acknowledge a settled dispute.
    assert agent.post(f"{url}/dispute", json={"reason": "I did offer more help, by phone"}).json()[
        "status"] == "disputed"
    assert agent.post(f"{url}/acknowledge").status_code == 409
    assert evaluator.post(f"{url}/re-review", json={"comment": "x"}).status_code == 403
    reviewed = supervisor.post(f"{url}/re-review", json={
        "answers": {"closing": {"value": "yes", "comment": "confirmed in the call log"}},
        "comment": "dispute upheld"})
    assert reviewed.status_code == 200, reviewed.text
    assert (reviewed.json()["status"], reviewed.json()["score"]) == ("re_reviewed", 90.0)
    assert [e["id"] for e in agent.get("/v1/evaluations").json()] == [evaluation["id"]]
    wait_until(lambda: len(published(platform, "sb.acme.qa.evaluation.completed")) == 2, 10,
               "the re-reviewed score on the bus")
    assert published(platform, "sb.acme.qa.evaluation.completed")[1]["score"] == 90.0

    # Calibration: three evaluators, the spread per question.
    started = supervisor.post("/v1/calibrations", json={
        "conversation_id": conversation, "scorecard_id": card["id"], "evaluator_ids": ["e1", "e2", "e3"]})
    assert started.status_code == 201, started.text
    calibration = started.json()
    first_sheet = calibration["evaluations"][0]["id"]
    twice = supervisor.post(f"/v1/evaluations/{first_sheet}/reassign", json={"evaluator_id": "e2"})
    assert twice.status_code == 422 and "already has a sheet" in twice.json()["detail"]
    for sheet, knowledge in zip(calibration["evaluations"], (4, 0, 2), strict=True):
        with as_user(platform, "acme", "evaluator", sheet["evaluator_id"]) as who:
            response = who.post(f"/v1/evaluations/{sheet['id']}/submit", json={"answers": {
                "identity": {"value": "yes"}, "knowledge": {"value": knowledge}}})
            assert response.status_code == 200, response.text
    report = supervisor.get(f"/v1/calibrations/{calibration['calibration_id']}").json()
    assert report["submitted"] == 3
    assert report["questions"][0]["key"] == "knowledge" and report["questions"][0]["spread"] == 1.0
    assert report["score_spread"] == 40.0  # (1+1+2+0)/5 = 80 against (1+1+0+0)/5 = 40
    assert [e["id"] for e in agent.get("/v1/evaluations").json()] == [evaluation["id"]]  # calibration
    assert len(published(platform, "sb.acme.qa.evaluation.completed")) == 2  # is not the agent's score

    # Sampling: a completed complaint is assigned for review at once; CSAT rolls up per agent.
    no_card = supervisor.put("/v1/sampling-rules", json={"enabled": True, "evaluator_ids": ["eva"]})
    assert no_card.status_code == 422 and "scorecard_id" in no_card.json()["detail"]
    rules = supervisor.put("/v1/sampling-rules", json={
        "enabled": True, "scorecard_id": card["id"], "evaluator_ids": ["eva", "evb"],
        "random_share": 0, "new_agent_weeks": 0})
    assert rules.status_code == 200, rules.text
    complaint = chat(platform, "acme", "a1")
    publish(platform, "acme", complaint, TaskCompleted(
        task_id=str(uuid.uuid4()), conversation_id=complaint, queue_id="tech", channel="chat",
        at=datetime.now(UTC), agent_id="a1", disposition="complaint", talk_seconds=240, wrap_seconds=20))

    def sampled() -> list[dict]:
        return list(supervisor.get("/v1/evaluations", params={"conversation_id": complaint}).json())

    wait_until(lambda: len(sampled()) == 1, 15, "the complaint assigned for review")
    for surveyed, score in ((conversation, 5), (complaint, 2), (conversation, 4)):  # minutes later
        publish(platform, "acme", surveyed, SurveyResponseRecorded(
            survey_id="csat", conversation_id=surveyed, question="Satisfied?", score=score,
            at=datetime.now(UTC)))
    [review] = sampled()
    assert (review["reason"], review["evaluator_id"], review["status"]) == ("complaint", "eva", "assigned")
    wait_until(lambda: supervisor.get("/v1/reports/csat").json() != [], 15, "CSAT responses")
    wait_until(lambda: supervisor.get("/v1/reports/csat").json()[0]["responses"] == 3, 15, "all three")
    [row] = supervisor.get("/v1/reports/csat", params={"group_by": "agent"}).json()
    assert (row["key"], row["responses"], row["average"], row["csat_percent"]) == ("a1", 3, 3.67, 66.7)
    assert supervisor.get("/v1/reports/csat", params={"group_by": "queue"}).json()[0]["key"] == "tech"
    assert supervisor.get("/v1/reports/csat", params={"since": "2026-11-01T00:00:00"}).status_code == 422
    assert supervisor.get("/v1/reports/csat", params={"group_by": "month"}).status_code == 422
    assert agent.get("/v1/reports/csat").status_code == 403
    with as_user(platform, "globex", "supervisor", "sup") as other:
        assert other.get("/v1/reports/csat").json() == []
        empty = other.get("/v1/reports/csat", params={"format": "csv"})  # columns even without rows
        assert empty.text.splitlines() == ["key,responses,average,csat_percent"]

    # Reports: score per agent, the questions failed most, CSV export.
    [by_agent] = supervisor.get("/v1/reports/evaluations", params={"group_by": "agent"}).json()
    assert (by_agent["key"], by_agent["evaluations"], by_agent["average_score"]) == ("a1", 1, 90.0)
    failed = supervisor.get("/v1/reports/questions-failed").json()
    assert {row["key"]: (row["answered"], row["failed"]) for row in failed} == {  # hold: n.a., uncounted
        "greeting": (1, 0), "identity": (1, 0), "knowledge": (1, 0), "closing": (1, 0)}  # closing re-reviewed
    exported = supervisor.get("/v1/reports/evaluations", params={"group_by": "queue", "trend": "week",
                                                                 "format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert lines[0] == "key,period,evaluations,average_score,failed_critical"
    assert lines[1].startswith("tech,20") and lines[1].endswith(",1,90.0,0")

    # Agent KPIs: routing's agent states and tasks, a supervisor's exam score, QA scores, CSAT.
    now = datetime.now(UTC)
    publish(platform, "acme", "a2-shift",
            AgentStateChanged(agent_id="a2", state="available", at=now - timedelta(minutes=30)),
            TaskOffered(task_id="t9", conversation_id="c9", queue_id="tech", channel="voice",
                        at=now - timedelta(minutes=20), agent_id="a2", expires_at=now),
            AgentStateChanged(agent_id="a2", state="logged_out", at=now - timedelta(minutes=10)))
    exam = supervisor.post("/v1/exam-scores", json={"agent_id": "a2", "score": 75,
                                                    "taken_at": now.isoformat()})
    assert exam.status_code == 201, exam.text
    assert supervisor.post("/v1/exam-scores", json={"agent_id": "a2", "score": 101,
                                                    "taken_at": now.isoformat()}).status_code == 422
    assert supervisor.put("/v1/kpi-settings", json={"weights": {"speed": 1}}).status_code == 403  # admin only
    with as_user(platform, "acme", "admin", "boss") as admin:
        bad = admin.put("/v1/kpi-settings", json={"weights": {"speed": 1}})
        assert bad.status_code == 422 and "unknown KPI weights: speed" in bad.json()["detail"]
    hour = timedelta(hours=1)
    window = {"since": (now - hour).isoformat(), "until": (now + hour).isoformat()}

    def kpis() -> dict[str, dict]:
        return {row["agent_id"]: row for row in supervisor.get("/v1/kpis/agents", params=window).json()}

    wait_until(lambda: "utilization" in kpis().get("a2", {}).get("metrics", {}), 15, "a2's shift")
    board = kpis()
    assert board["a2"]["metrics"]["connect_rate"] == 0.0 and board["a2"]["metrics"]["exam_score"] == 75
    assert board["a1"]["metrics"]["qa_score"] == 90.0 and board["a1"]["metrics"]["csat"] == round(2 / 3, 4)
    assert sorted(row["rank"] for row in board.values()) == [1, 2]
    assert supervisor.get("/v1/kpis/agents", params={"since": window["until"], "until": window["since"]}
                          ).status_code == 422
    assert agent.get("/v1/kpis/agents", params=window).status_code == 403

    # The sampled complaint is evaluated and the agent acknowledges it; bad answers never become a 500.
    review_url = f"/v1/evaluations/{review['id']}"
    shapeless = evaluator.post(f"{review_url}/submit", json={"answers": {"identity": {"value": ["yes"]}}})
    assert shapeless.status_code == 422 and "answers.identity.value" in shapeless.json()["detail"]
    settled = evaluator.post(f"{review_url}/submit", json={"answers": {
        "identity": {"value": "yes"}, "knowledge": {"value": 2}}})
    assert settled.status_code == 200, settled.text
    assert agent.post(f"{review_url}/acknowledge").json()["status"] == "acknowledged"
    assert agent.post(f"{review_url}/dispute", json={"reason": "too late"}).status_code == 409
    assert supervisor.post("/v1/evaluations", json={"conversation_id": complaint, "scorecard_id": "nope",
                                                    "evaluator_id": "eva"}).status_code == 404
    for client in (supervisor, evaluator, agent):
        client.close()
