"""Reading the text of real mail: mislabelled Chinese charsets, HTML-only bodies, quoted replies."""

from __future__ import annotations

import codecs
import html
import re
from html.parser import HTMLParser

# Mail labelled GB2312 routinely holds GBK characters, and Big5 mail HKSCS ones:
# decode with the superset so nothing readable is lost.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
              "big5": "big5hkscs", "x-big5": "big5hkscs", "ks_c_5601-1987": "cp949"}


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """The text of a body part; an unknown or wrong charset falls back rather than failing."""
    name = (charset or "").strip().strip('"').lower()
    name = _SUPERSETS.get(name, name)
    for candidate in (name, "utf-8"):
        if not candidate:
            continue
        try:
            codecs.lookup(candidate)
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(payload).best()
    return str(best) if best is not None else payload.decode("utf-8", errors="replace")


_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
          "table", "ul", "ol", "pre", "hr", "section", "article", "header", "footer"}
_SKIP = {"script", "style", "head", "title"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text of an HTML body: no tags, scripts or styles; one line per block."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = html.unescape("".join(extractor.parts)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Where a reply's quoted history begins, in the mail clients seen in the wild.
_QUOTE_HEADERS = [
    re.compile(r"^On .{0,300}wrote:\s*$", re.IGNORECASE),               # Gmail, Apple Mail
    re.compile(r"^在\s?.{0,200}(写道|寫道)\s*[:\uff1a]\s*$"),                   # Chinese Gmail / Apple
    re.compile(r"^-{2,}\s*(Original Message|原始邮件|原始郵件|Forwarded message)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),                                          # Outlook's rule
]


# Outlook and Foxmail quote with a header block: From: ... then Sent:/Date:/To: ...
_HEADER_FROM = re.compile(r"^(From|发件人|寄件者)\s*[:\uff1a].+", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^(Sent|Date|To|发送时间|日期|收件人|寄件日期)\s*[:\uff1a]", re.IGNORECASE)


def _quote_starts(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if any(pattern.match(line) for pattern in _QUOTE_HEADERS):
        return True
    following = lines[index + 1 : index + 4]
    return bool(_HEADER_FROM.match(line)) and any(_HEADER_NEXT.match(n.strip()) for n in following)


def strip_quoted(text: str) -> str:
    """The new part of a reply: up to the first quote header, without trailing '>' lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        if index > 0 and line.strip() and _quote_starts(lines, index):
            cut = index
            break
    kept = lines[:cut]
    while kept and (kept[-1].strip().startswith(">") or not kept[-1].strip()):
        kept.pop()
    new = "\n".join(line for line in kept if not line.lstrip().startswith(">")).strip()
    return new or text.strip()
