"""Domain errors carry their HTTP status and render as RFC 9457 problems."""

import pytest

from switchboard.common.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Problem,
    TooManyRequests,
    Unauthorized,
    Unavailable,
    Unprocessable,
)


@pytest.mark.parametrize(("error", "status", "slug"), [
    (Problem, 400, "bad-request"),
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not-found"),
    (Conflict, 409, "conflict"),
    (PayloadTooLarge, 413, "payload-too-large"),
    (Unprocessable, 422, "validation"),
    (TooManyRequests, 429, "rate-limited"),
    (Unavailable, 503, "unavailable"),
])
def test_each_error_knows_its_status_and_problem_type(error: type[Problem], status: int, slug: str) -> None:
    body = error("what went wrong").to_body()
    assert (body["status"], body["type"], body["detail"]) == (
        status, f"https://switchboard.dev/problems/{slug}", "what went wrong")
    assert body["title"] == error.title and "instance" not in body


def test_a_problem_names_where_it_happened_and_carries_its_extensions() -> None:
    error = Conflict("the agent is already busy", agent_id="a1", retry_after=5)
    body = error.to_body("/v1/agents/a1/accept")
    assert body["instance"] == "/v1/agents/a1/accept"
    assert (body["agent_id"], body["retry_after"]) == ("a1", 5)
    assert str(error) == "the agent is already busy"


def test_a_service_s_own_checks_name_their_fields_like_request_validation() -> None:
    problem = Unprocessable.from_lines(["schedule.window: start must be before end", "no list yet"])
    body = problem.to_body("/v1/campaigns")
    assert body["status"] == 422
    assert body["detail"] == "schedule.window: start must be before end; no list yet"
    assert body["errors"] == [{"field": "schedule.window", "message": "start must be before end"},
                              {"field": "", "message": "no list yet"}]
    assert body["problems"] == ["schedule.window: start must be before end", "no list yet"]
