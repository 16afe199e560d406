"""Real-shaped mail, built with the stdlib email package the way mail clients send it."""

from email.charset import BASE64, QP, Charset
from email.header import Header
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from switchboard.common.errors import Unprocessable
from switchboard.ingest.mail.mime import parse_mime
from switchboard.ingest.mail.text import html_to_text, strip_quoted

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _text_part(text: str, charset: str, encoding: int, subtype: str = "plain") -> MIMEText:
    cs = Charset(charset)
    cs.body_encoding = encoding
    part = MIMEText("", subtype)
    part.set_payload(text.encode(charset if charset != "gb2312" else "gbk"), cs)
    return part


def test_gb2312_labelled_mail_holding_gbk_characters_reads_in_full() -> None:
    # 镕 is in GBK but not in GB2312: mail clients label such mail gb2312 all the same.
    message = _text_part("朱镕基路的快递三天没到，请查一下。", "gb2312", BASE64)
    message["From"] = Header("张三", "gb2312").encode() + " <zhangsan@example.cn>"
    message["To"] = "kefu@acme.cn"
    message["Subject"] = Header("快递没到", "gb2312").encode()
    message["Message-ID"] = "<a1@mail.example.cn>"
    parsed = parse_mime(message.as_bytes())
    assert parsed.text == "朱镕基路的快递三天没到，请查一下。"
    assert (parsed.subject, parsed.sender, parsed.recipients) == (
        "快递没到", "zhangsan@example.cn", ("kefu@acme.cn",))
    assert parsed.message_id == "<a1@mail.example.cn>"


def test_big5_quoted_printable_mail_is_decoded() -> None:
    message = _text_part("您好，我的帳單有問題。", "big5", QP)
    message["From"] = "chen@example.tw"
    message["Subject"] = "=?big5?b?sWKz5g==?="
    parsed = parse_mime(message.as_bytes())
    assert parsed.text == "您好，我的帳單有問題。"
    assert parsed.subject == "帳單"


def test_html_only_mail_becomes_readable_text() -> None:
    markup = ("<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
              "<div>Hello&nbsp;team,</div><p>My order <b>#1234</b> arrived &amp; is broken.</p>"
              "<img src='cid:x' alt='photo'><br>Thanks</body></html>")
    message = _text_part(markup, "utf-8", QP, subtype="html")
    message["From"] = "Ann <ann@example.com>"
    parsed = parse_mime(message.as_bytes())
    assert parsed.text == "Hello team,\n\nMy order #1234 arrived & is broken.\n[photo]\nThanks"
    assert "alert" not in html_to_text(markup) and "color" not in html_to_text(markup)


def test_attachments_and_inline_images_are_kept_apart_from_the_text() -> None:
    message = MIMEMultipart("mixed")
    message["From"] = "li@example.cn"
    message["Message-ID"] = "<m2@example.cn>"
    related = MIMEMultipart("related")
    related.attach(MIMEText("<p>见图</p><img src='cid:img1'>", "html", "utf-8"))
    image = MIMEImage(PNG, "png")
    image.add_header("Content-ID", "<img1>")
    image.add_header("Content-Disposition", "inline", filename="screen.png")
    related.attach(image)
    message.attach(related)
    pdf = MIMEApplication(b"%PDF-1.4 invoice", "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename=("gbk", "", "发票.pdf"))
    message.attach(pdf)

    parsed = parse_mime(message.as_bytes())
    assert parsed.text == "见图"
    inline, invoice = parsed.attachments
    assert (inline.filename, inline.content_type, inline.inline, inline.content_id, inline.data) == (
        "screen.png", "image/png", True, "img1", PNG)
    assert (invoice.filename, invoice.content_type, invoice.inline, invoice.data) == (
        "发票.pdf", "application/pdf", False, b"%PDF-1.4 invoice")


def test_a_reply_keeps_its_thread_headers_and_its_new_text_drops_the_quote() -> None:
    message = EmailMessage()
    message["From"] = "ann@example.com"
    message["Message-ID"] = "<r3@example.com>"
    message["In-Reply-To"] = "<orig-2@acme.cn>"
    message["References"] = "<orig-1@acme.cn> <orig-2@acme.cn>"
    message.set_content("Yes, tomorrow works.\n\nOn Mon, 1 May 2024 at 10:42, Acme <help@acme.cn> wrote:\n"
                        "> Can we call you tomorrow?\n> \n> Acme support\n")
    parsed = parse_mime(message.as_bytes())
    assert parsed.new_text == "Yes, tomorrow works."
    assert "Can we call you tomorrow?" in parsed.text
    assert parsed.in_reply_to == ("<orig-2@acme.cn>",)
    assert parsed.thread_ids == ("<orig-2@acme.cn>", "<orig-2@acme.cn>", "<orig-1@acme.cn>")


@pytest.mark.parametrize("reply", [
    "好的，明天可以。\n\n在 2024年5月1日 10:42，Acme客服 <help@acme.cn> 写道：\n> 明天方便通话吗？",
    "好的，明天可以。\n\n------------------ 原始邮件 ------------------\n"
    "发件人: Acme客服\n发送时间: 2024年5月1日",
    "好的，明天可以。\n\nFrom: Acme Support <help@acme.cn>\nSent: Monday, May 1, 2024 10:42 AM\n"
    "To: ann@example.com\nSubject: RE: parcel",
    "好的，明天可以。\n> 明天方便通话吗？\n>",
])
def test_quoted_history_is_stripped_in_the_usual_client_formats(reply: str) -> None:
    assert strip_quoted(reply) == "好的，明天可以。"


def test_a_from_line_in_the_body_is_not_mistaken_for_a_quote() -> None:
    body = "Hello,\nFrom: the second floor of your shop I saw the sign.\nIs it open?"
    assert strip_quoted(body) == body


def test_a_message_without_message_id_gets_a_stable_one_and_without_sender_is_refused() -> None:
    message = EmailMessage()
    message["From"] = "ann@example.com"
    message.set_content("hi")
    raw = message.as_bytes()
    assert parse_mime(raw).message_id == parse_mime(raw).message_id
    assert parse_mime(raw).message_id.endswith("@switchboard.invalid>")
    with pytest.raises(Unprocessable, match="sender"):
        parse_mime(b"Subject: no sender\r\n\r\nbody")
    with pytest.raises(Unprocessable):
        parse_mime(b"\x00\xff garbage")
