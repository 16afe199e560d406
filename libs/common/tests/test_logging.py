"""Logs never carry full phone numbers, emails or card numbers, and stay JSON."""

import json
import logging
from collections.abc import Iterator

import pytest

from switchboard.common.logging import JsonFormatter, mask_personal_data
from switchboard.common.tracing import correlation_id_var, tenant_var


@pytest.mark.parametrize(("text", "kept", "gone"), [
    ("from alice@example.com", "***@example.com", "alice"),
    ("cc Bob.Smith+vip@mail.example.co.uk", "***@mail.example.co.uk", "Bob.Smith"),
    ("caller +8613800138000 waiting", "8000", "13800138"),
    ("caller +86 138 0013 8000 waiting", "8000", "138 0013"),
    ("caller +1 (415) 555-2671", "2671", "555"),
    ("mobile 13800138000", "8000", "1380013"),
    ("card 4111 1111 1111 1111 declined", "****1111]", "4111 1111"),
    ("card 4111-1111-1111-1111", "****1111", "4111-1111"),
    ("card 4111111111111111", "****1111", "41111111"),
])
def test_personal_data_is_masked_keeping_only_what_identifies_nobody(text: str, kept: str, gone: str) -> None:
    masked = mask_personal_data(text)
    assert kept in masked and gone not in masked


def test_every_phone_number_in_a_text_is_masked() -> None:
    masked = mask_personal_data("transfer 13800138000 to +8613912345678 or +14155552671")
    assert masked.startswith("transfer [phone ***8000] to ")
    assert "5678" in masked and "2671" in masked
    assert "1391234" not in masked and "415555" not in masked


@pytest.mark.parametrize("text", [
    "order 12345 shipped", "last contact at 10:42", "3rd contact today", "queue 7 has 120 waiting",
    "wait 1234567 ms",
])
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert mask_personal_data(text) == text


def format_record(msg: str, *args: object, fields: dict | None = None) -> dict:
    record = logging.LogRecord("switchboard.test", logging.WARNING, __file__, 1, msg, args, None)
    if fields is not None:
        record.fields = fields
    return json.loads(JsonFormatter("ingest").format(record))


@pytest.fixture
def correlated() -> Iterator[str]:
    token = correlation_id_var.set("corr-1")
    tenant = tenant_var.set("acme")
    yield "corr-1"
    tenant_var.reset(tenant)
    correlation_id_var.reset(token)


def test_json_log_lines_carry_the_context_and_no_phone_number(correlated: str) -> None:
    line = format_record("sms from %s", "+8613800138000")
    assert line["correlation_id"] == correlated and line["tenant"] == "acme"
    assert (line["service"], line["level"], line["logger"]) == ("ingest", "warning", "switchboard.test")
    assert line["msg"].startswith("sms from ") and line["msg"].endswith("***8000]")
    assert "13800138" not in line["msg"]


def test_json_log_lines_leave_out_context_that_is_not_set() -> None:
    line = format_record("started")
    assert "correlation_id" not in line and "tenant" not in line and "request_id" not in line
    assert line["msg"] == "started"


def test_structured_fields_are_included_and_masked_too() -> None:
    line = format_record("inbound", fields={"from": "alice@example.com", "queue": "vip", "waiting": 3})
    assert (line["from"], line["queue"], line["waiting"]) == ("***@example.com", "vip", 3)


def test_exceptions_are_logged_with_their_traceback() -> None:
    try:
        raise RuntimeError("gateway said no")
    except RuntimeError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = json.loads(JsonFormatter("ingest").format(record))
    assert "RuntimeError: gateway said no" in line["exc"]


# A uuid4 whose groups "4123-8456" look like a phone number to the masking patterns.
EVENT_ID = "0b7d2c1e-4f3a-4123-8456-26e8c0f3a9b1"


def test_ids_in_log_lines_are_not_mistaken_for_phone_numbers() -> None:
    token = correlation_id_var.set(EVENT_ID)
    try:
        line = format_record("handler failed", fields={"event_id": EVENT_ID})
    finally:
        correlation_id_var.reset(token)
    assert line["correlation_id"] == EVENT_ID
    assert line["event_id"] == EVENT_ID


def test_a_log_line_with_a_large_number_is_still_json() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "published", (), None)
    record.fields = {"stream_seq": 123456789, "expires": 1714560000}
    line = json.loads(JsonFormatter("ingest").format(record))
    assert line["stream_seq"] == 123456789


def test_traceparents_and_hex_ids_stay_whole_while_numbers_in_the_same_text_are_masked() -> None:
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    hex_id = "9f86d081884c7d659a2feaa0c55ad015"
    line = format_record(f"trace {traceparent} id {hex_id} card 4111 1111 1111 1111 "
                         "phone +1 415 555 0100")
    assert traceparent in line["msg"] and hex_id in line["msg"]
    assert "4111 1111" not in line["msg"] and "[card ****1111]" in line["msg"]
    assert "555 0100" not in line["msg"] and "[phone ***0100]" in line["msg"]
