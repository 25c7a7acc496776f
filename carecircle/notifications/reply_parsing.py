"""What a member wrote in a reply by email: their new words, without the quoted email or signature.

The plain-text part is preferred; an HTML-only mail is turned into text first, dropping quoted
blocks (`<blockquote>`, Gmail's `gmail_quote`, Outlook's reply header). mail-parser-reply (a
maintained port of GitHub's email_reply_parser, with headers and signatures in several languages)
then keeps the newest reply without "On … wrote:", "Sent from my phone" and signatures, and any
line still starting with ">" is dropped. Attachments are never posted; they are counted so the
sender can be told. Auto-replies (out of office, bounces, mailing lists) are recognised from their
headers (RFC 3834 Auto-Submitted, Precedence, the usual X- headers) and a null envelope sender.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses
from html.parser import HTMLParser

from mailparser_reply import EmailMessage as ReplyMessage

# The languages whose "On … wrote:" lines and signatures are recognised (mail-parser-reply's names).
LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs"]
BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre"}
)
SKIPPED_TAGS = frozenset({"blockquote", "script", "style", "head", "title"})
# Containers mail programs put the quoted email in, when they don't use <blockquote>.
QUOTE_MARKERS = re.compile(r"gmail_quote|moz-cite-prefix|divRplyFwdMsg|appendonsend|yahoo_quoted", re.IGNORECASE)
AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
AUTOMATIC_HEADERS = ("X-Autoreply", "X-Autorespond", "List-Id", "List-Unsubscribe")
VOID_TAGS = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"})


@dataclass(frozen=True)
class ReplyText:
    """The member's new words, and how many attachments were left out."""

    text: str
    attachments: int


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML email, with line breaks at block elements and quoted blocks left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        marker = " ".join(value or "" for name, value in attrs if name in ("class", "id"))
        skip = tag in SKIPPED_TAGS or bool(QUOTE_MARKERS.search(marker))
        if tag in BLOCK_TAGS and not self.skipping:
            self.parts.append("\n")
        if tag in VOID_TAGS:
            return
        self.stack.append((tag, skip))
        if skip:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching tag: sloppy HTML (unclosed <p>, <li>) must not leave us skipping.
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                for _, skipped in self.stack[index:]:
                    if skipped:
                        self.skipping -= 1
                del self.stack[index:]
                break
        if tag in BLOCK_TAGS and not self.skipping:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data.replace("\n", " "))

    def text(self) -> str:
        lines = [" ".join(line.split()) for line in "".join(self.parts).splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_from_html(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    return parser.text()


def _content(part: Message) -> str:
    """A text part's words, whatever its declared charset says (an unknown charset is read as UTF-8)."""
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else part.get_payload(decode=True)
    except (LookupError, UnicodeError, AssertionError):
        content = part.get_payload(decode=True)
    if isinstance(content, bytes):
        return content.decode("utf-8", errors="replace")
    return content if isinstance(content, str) else ""


def _body(message: EmailMessage) -> str:
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        return _content(plain)
    html = message.get_body(preferencelist=("html",))
    if html is not None:
        return text_from_html(_content(html))
    return ""


def attachment_count(message: EmailMessage) -> int:
    """Files attached (inline images included): none of them is posted."""
    return sum(1 for part in message.walk() if not part.is_multipart() and part.get_content_disposition() is not None)


def strip_quotes(text: str) -> str:
    """The newest reply in a plain-text email body: no quoted email, no "On … wrote:", no signature."""
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    parsed = ReplyMessage(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()
    newest = parsed.replies[0].body if parsed.replies else text
    lines = [line for line in newest.splitlines() if not line.lstrip().startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def reply_text(message: EmailMessage) -> ReplyText:
    """What the member wrote, ready to post."""
    return ReplyText(text=strip_quotes(_body(message)), attachments=attachment_count(message))


def is_automatic(message: Message, *, envelope_sender: str | None) -> bool:
    """Whether a mail was sent by a program (an out-of-office, a bounce, a list): never posted, never answered."""
    if envelope_sender is not None and envelope_sender.strip("<> ") == "":
        return True
    auto_submitted = str(message.get("Auto-Submitted", "no")).split(";", 1)[0].strip().lower()
    if auto_submitted not in ("", "no"):
        return True
    if str(message.get("Precedence", "")).strip().lower() in AUTOMATIC_PRECEDENCE:
        return True
    if any(message.get(header) is not None for header in AUTOMATIC_HEADERS):
        return True
    sender = sender_address(message).split("@", 1)[0].lower()
    return sender in ("mailer-daemon", "postmaster") or sender.startswith(("no-reply", "noreply"))


def sender_address(message: Message) -> str:
    """The one address in From (lower case), or "" when there is none or more than one."""
    try:
        addresses = [address for _, address in getaddresses([str(value) for value in message.get_all("From", [])])]
    except (TypeError, ValueError, IndexError):
        return ""
    addresses = [address for address in addresses if "@" in address]
    return addresses[0].strip().lower() if len(addresses) == 1 else ""
