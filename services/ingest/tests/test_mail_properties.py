"""Any bytes at the email parsers: a result or a 422, never an unexpected error."""

from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.common.errors import Unprocessable
from switchboard.ingest.mail.mailgun import parse_form, parsed_email
from switchboard.ingest.mail.mime import parse_mime
from switchboard.ingest.mail.text import html_to_text, strip_quoted


def _mangled_mail(header_noise: str, body: bytes, charset: str) -> bytes:
    message = EmailMessage()
    message["From"] = "ann@example.com"
    raw = message.as_bytes()
    head = f"Subject: {header_noise}\r\nContent-Type: text/plain; charset={charset}\r\n".encode(
        "utf-8", errors="replace")
    return head + raw + body


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.binary(max_size=4096),
    st.builds(_mangled_mail, st.text(max_size=80), st.binary(max_size=1024),
              st.sampled_from(["gb2312", "big5", "utf-8", "bogus-charset", "", "utf-7"])),
))
def test_random_mime_parses_or_is_refused(raw: bytes) -> None:
    try:
        parsed = parse_mime(raw)
    except Unprocessable:
        return
    assert "@" in parsed.sender and parsed.message_id.startswith("<")


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=2048),
       content_type=st.sampled_from(["multipart/form-data; boundary=b", "multipart/form-data",
                                     "application/x-www-form-urlencoded", "text/plain"]))
def test_random_mailgun_forms_parse_or_are_refused(body: bytes, content_type: str) -> None:
    try:
        form, files = parse_form(body, content_type)
        parsed_email(form, files)
    except Unprocessable:
        return


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_text_helpers_take_any_text(text: str) -> None:
    html_to_text(text)
    assert isinstance(strip_quoted(text), str)
