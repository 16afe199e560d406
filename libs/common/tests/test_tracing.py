"""W3C trace context: parsing, continuing and passing it on."""

import contextvars
import re

import pytest

from switchboard.common.tracing import (
    TraceParent,
    continue_trace,
    correlation_id_var,
    current_trace_headers,
    new_traceparent,
    parse_traceparent,
    traceparent_var,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"
HEADER = f"00-{TRACE_ID}-{SPAN_ID}-01"
WELL_FORMED = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def test_a_valid_traceparent_is_read_into_its_parts() -> None:
    assert parse_traceparent(HEADER) == TraceParent(TRACE_ID, SPAN_ID, "01")
    assert str(parse_traceparent(HEADER)) == HEADER
    assert parse_traceparent(f"  {HEADER}\n") == TraceParent(TRACE_ID, SPAN_ID, "01")
    assert parse_traceparent(f"00-{TRACE_ID}-{SPAN_ID}-00") == TraceParent(TRACE_ID, SPAN_ID, "00")


@pytest.mark.parametrize("header", [
    None,
    "",
    "garbage",
    f"01-{TRACE_ID}-{SPAN_ID}-01",
    f"00-{TRACE_ID[:-1]}-{SPAN_ID}-01",
    f"00-{TRACE_ID}-{SPAN_ID}0-01",
    f"00-{TRACE_ID}-{SPAN_ID}-1",
    f"00-{'g' * 32}-{SPAN_ID}-01",
    f"00-{'0' * 32}-{SPAN_ID}-01",
    f"00-{TRACE_ID}-{'0' * 16}-01",
    f"00_{TRACE_ID}_{SPAN_ID}_01",
])
def test_malformed_or_all_zero_traceparents_are_ignored(header: str | None) -> None:
    assert parse_traceparent(header) is None


def test_continuing_a_trace_keeps_its_id_and_flags_and_starts_a_new_span() -> None:
    child = continue_trace(f"00-{TRACE_ID}-{SPAN_ID}-00")
    assert child.trace_id == TRACE_ID and child.flags == "00"
    assert child.span_id != SPAN_ID
    assert WELL_FORMED.match(str(child))


@pytest.mark.parametrize("incoming", [None, "garbage", f"00-{'0' * 32}-{SPAN_ID}-01"])
def test_without_a_usable_parent_a_new_sampled_trace_starts(incoming: str | None) -> None:
    trace = continue_trace(incoming)
    assert WELL_FORMED.match(str(trace)) and trace.flags == "01"
    assert parse_traceparent(str(trace)) == trace
    assert trace.trace_id != continue_trace(incoming).trace_id


def test_new_traces_are_random() -> None:
    assert len({new_traceparent().trace_id for _ in range(50)}) == 50


def run_in_fresh_context(**values: str) -> dict[str, str]:
    def body() -> dict[str, str]:
        if "traceparent" in values:
            traceparent_var.set(values["traceparent"])
        if "correlation_id" in values:
            correlation_id_var.set(values["correlation_id"])
        return current_trace_headers()

    return contextvars.Context().run(body)


def test_outgoing_headers_are_empty_without_a_context() -> None:
    assert run_in_fresh_context() == {}


def test_outgoing_headers_continue_the_current_trace_and_correlation() -> None:
    headers = run_in_fresh_context(traceparent=HEADER, correlation_id="corr-1")
    sent = parse_traceparent(headers["traceparent"])
    assert sent is not None and sent.trace_id == TRACE_ID and sent.span_id != SPAN_ID
    assert headers["X-Correlation-ID"] == "corr-1"


def test_a_broken_current_traceparent_is_not_passed_on() -> None:
    assert run_in_fresh_context(traceparent="garbage", correlation_id="c") == {"X-Correlation-ID": "c"}
