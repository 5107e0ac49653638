"""Reading one inbound RFC 822 message: who sent it, what it says, what kind it is.

Pure functions over bytes, with the standard library's ``email`` package
(``policy.default``, bounded: each header, the parts and the MIME headers of a
message are read up to a limit, so parsing is linear in the input). Nothing here
raises on hostile or broken input: what cannot be read becomes a ``problem`` (the
quarantine reason), what a machine sent becomes an ``auto_reason``. Text is
cleaned as every untrusted text is (``core.text.clean_text``); escaping is the
templates' job.

Deliberately not here: deciding what a message becomes (a reply, an enquiry)
and every write; that is ``email_ingest.ingest_email``.
"""

import contextlib
import email
import email.header
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesHeaderParser

import html_text
from django.core.exceptions import ValidationError
from mailparser_reply import EmailReplyParser

from handraise.contacts.normalisation import normalise_email
from handraise.core.text import clean_text

MESSAGE_ID_MAX = 255
SENDER_MAX = 254  # what a contact's email address can hold (RFC 5321's path limit)
# Reply parsing is a set of regular expressions: it reads at most this much.
REPLY_PARSE_MAX_CHARS = 20_000
BLANK_RUNS = re.compile(r"\n(?:[^\S\n]*\n){2,}")  # blank: any whitespace, as str.strip() sees it
MESSAGE_IDS = re.compile(r"<[^<>\s]{1,500}>")
# The stdlib's parser (policy.default) is recursive and slow on long header values (a
# Content-Type of many parameters: some 8 µs a character): it keeps at most this much
# of any header, and of a Content-* header MIME_HEADER_READ_MAX. A message of more than
# PARTS_MAX parts (each nests at most one level deeper) or MIME_HEADERS_MAX characters
# of Content-* headers in all is not read past that point: it is quarantined.
HEADER_READ_MAX = 8_000
MIME_HEADER_READ_MAX = 2_000
MIME_HEADERS_MAX = 50_000
PARTS_MAX = 100
ID_HEADERS = {"references", "in-reply-to"}  # read by MESSAGE_IDS, never by the policy
# References is read with MESSAGE_IDS from its raw value: its last this many characters
# (the most recent messages come last; at most REFERENCES_KEPT ids are kept).
REFERENCES_READ_MAX = 64_000
REFERENCES_KEPT = 50
AUTOMATIC_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+\-.].*)?$", re.IGNORECASE
)
AUTOMATIC_SUBJECTS = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response)|out of (the )?office|undeliverable|"
    r"undelivered mail|delivery status notification|mail delivery (failed|failure)|"
    r"returned mail)\b",
    re.IGNORECASE,
)
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
AUTORESPONDER_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")


@dataclass(frozen=True)
class ParsedEmail:
    from_address: str = ""  # as given
    from_name: str = ""
    sender: str = ""  # normalised address, "" when unusable
    subject: str = ""
    text: str = ""
    attachments: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # In-Reply-To first, then References
    auto_reason: str = ""
    problem: str = ""


def message_key(raw: bytes) -> str:
    """The Message-ID, or (when there is none, or it is unusable) a digest of the bytes."""
    try:
        headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        given = _key_text(str(headers.get("Message-ID", "") or "")).strip()
    except Exception:  # the header parser has failed on hostile input: use the digest
        given = ""
    if given and "\n" not in given and "\r" not in given and len(given) <= MESSAGE_ID_MAX:
        return given
    return "sha256:" + hashlib.sha256(raw).hexdigest()


class _OverBudget(Exception):
    """The message is bigger in structure than this module reads; args[0] says how."""


class _Budget:
    """What one message may still spend; the parser stops when something runs out.

    It also keeps each Content-* header it parsed: the stdlib parses one again on
    every look-up (``get_content_type`` alone, several times per part).
    """

    def __init__(self) -> None:
        self.parts = PARTS_MAX
        self.mime_header_chars = MIME_HEADERS_MAX
        self.parsed_mime_headers: dict[tuple[str, str], object] = {}

    def new_part(self, *, policy: email.policy.Policy) -> EmailMessage:
        self.parts -= 1
        if self.parts < 0:
            raise _OverBudget(f"the message has more than {PARTS_MAX} MIME parts")
        return EmailMessage(policy=policy)

    def spend_mime_header(self, value: str) -> None:
        self.mime_header_chars -= len(value)
        if self.mime_header_chars < 0:
            raise _OverBudget(
                f"the message's Content-* headers are over {MIME_HEADERS_MAX} characters"
            )


class _BoundedPolicy(email.policy.EmailPolicy):
    """``policy.default`` keeping a bounded part of each header value it will parse,
    and (given a ``budget``) a bounded number of parts and of MIME header characters."""

    budget: _Budget | None = None

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        lowered = name.lower()
        if lowered in ID_HEADERS:
            return name, value
        if not lowered.startswith("content-"):
            return name, value[:HEADER_READ_MAX]
        value = value[:MIME_HEADER_READ_MAX]
        if self.budget is not None:
            self.budget.spend_mime_header(value)
        return name, value

    def header_fetch_parse(self, name: str, value: str):
        if self.budget is None or not name.lower().startswith("content-"):
            return super().header_fetch_parse(name, value)
        parsed = self.budget.parsed_mime_headers
        if (name, value) not in parsed:
            parsed[name, value] = super().header_fetch_parse(name, value)
        return parsed[name, value]


def _policy_for_one_message() -> _BoundedPolicy:
    budget = _Budget()
    return _BoundedPolicy(budget=budget, message_factory=budget.new_part)


def parse(raw: bytes, *, complete: bool = True, max_bytes: int = 0) -> ParsedEmail:
    """Read a message; ``complete=False`` means only its start was kept (it was too big)."""
    if not raw.strip():
        return ParsedEmail(problem="the message is empty")
    try:
        message = email.message_from_bytes(raw, policy=_policy_for_one_message())
    except _OverBudget as over:  # its headers still name the sender, for the quarantine
        message = BytesHeaderParser(policy=_BoundedPolicy()).parsebytes(raw)
        return ParsedEmail(**_header_fields(message), problem=str(over))
    except Exception as error:  # the stdlib parser is lenient; this is a last resort
        return ParsedEmail(problem=f"the message could not be read ({type(error).__name__})")
    if not message.keys():
        return ParsedEmail(problem="the message has no headers: it is not an email")
    fields = _header_fields(message)
    address = fields["from_address"]
    if not complete:
        problem = f"larger than {max_bytes} bytes (HANDRAISE_INBOUND_EMAIL_MAX_BYTES)"
        return ParsedEmail(**fields, problem=problem)
    if not address:
        return ParsedEmail(**fields, problem="the message has no usable From address")
    if len(address) > SENDER_MAX:
        return ParsedEmail(**fields, problem=f"the From address is over {SENDER_MAX} characters")
    try:
        fields["sender"] = normalise_email(address)
    except ValidationError:
        return ParsedEmail(**fields, problem=f"the From address {address[:100]!r} is not valid")
    text, problem = _text(message)
    return ParsedEmail(
        **fields,
        text=text,
        attachments=_attachments(message),
        auto_reason=_auto_reason(message, fields["sender"], fields["subject"]),
        problem=problem,
    )


def new_text(text: str) -> str:
    """Only what the sender wrote this time: the quoted history of a reply removed."""
    # The parser's expressions slow down sharply on runs of blank lines, and the new text
    # is at the top: it reads the start of the message, with blank runs collapsed.
    text = BLANK_RUNS.sub("\n\n", text.replace("\r\n", "\n"))
    cut = len(text) > REPLY_PARSE_MAX_CHARS
    text = text[:REPLY_PARSE_MAX_CHARS]
    parsed = EmailReplyParser(languages=["en"]).read(text=text)
    # A history quoted with ">" but no "On ... wrote:" line is left by the parser.
    lines = (parsed.latest_reply or "").rstrip().splitlines()
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    latest = "\n".join(lines).strip() or text.strip()
    if cut and len(parsed.replies) == 1:  # no history found in what was read
        latest += "\n[… the rest is kept with the email]"
    return latest


# A Message-ID we repeat in our own headers: printable ASCII in angle brackets, nothing
# else. A sender's control characters (\x0b, \x1c...) would break our header lines.
_MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")


def thread_id(message_key: str) -> str:
    """The prospect's own Message-ID from a stored message key, to answer in their
    thread ("" when it had none: a digest stands in for it then)."""
    return message_key if _MESSAGE_ID.fullmatch(message_key) else ""


def storable(value: str, *, multiline: bool = False) -> str:
    """The text as given, cleaned as every untrusted text is (``core.text.clean_text``).

    Undecodable header bytes arrive as surrogate escapes: they are read as UTF-8.
    """
    return clean_text(value, multiline=multiline)


def _key_text(value: str) -> str:
    """A Message-ID kept as given (it is a key, compared, never shown) minus what no
    column can hold: NUL, lone surrogates (surrogate escapes are read as UTF-8)."""
    try:
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value.replace("\x00", "\ufffd")


def _header_fields(message: EmailMessage) -> dict:
    address, name = _from(message)
    return {
        "from_address": address,
        "from_name": name,
        "subject": storable(_header(message, "Subject")),
        "references": _references(message),
    }


def _header(message: EmailMessage, name: str) -> str:
    """A header's value decoded by the policy's parser, from at most HEADER_READ_MAX chars."""
    raw = _raw_header(message, name)[:HEADER_READ_MAX]
    if not raw:
        return ""
    try:
        return str(message.policy.header_fetch_parse(name, raw))
    except Exception:  # a header the parser chokes on: fall back to its raw value
        return raw


def _raw_header(message: EmailMessage, name: str) -> str:
    """The first ``name`` header as written (unparsed), or ""."""
    name = name.lower()
    return str(next((v for k, v in message.raw_items() if k.lower() == name), ""))


def _from(message: EmailMessage) -> tuple[str, str]:
    raw = _raw_header(message, "From")[:HEADER_READ_MAX]
    try:
        addresses = message.policy.header_fetch_parse("From", raw).addresses if raw else ()
        found = next((a for a in addresses if "@" in a.addr_spec), None)
    except Exception:  # malformed header: the plain parser reads its raw text below
        found = None
    if found is not None:
        return storable(found.addr_spec), storable(found.display_name)
    # Parse first, decode the name after (RFC 2047 order), so an encoded line break in
    # the name (the stdlib refuses those) stays a character of the name, not a header.
    try:
        name, address = email.utils.parseaddr(raw)
    except Exception:  # RecursionError on deeply nested comments, say
        return "", ""
    if "@" not in address:
        return "", ""
    with contextlib.suppress(Exception):  # undecodable: the name stays as it was written
        name = str(email.header.make_header(email.header.decode_header(name)))
    return storable(address), storable(name)


def _references(message: EmailMessage) -> list[str]:
    """In-Reply-To's first id, then References' most recent ids, without repeats.

    Read from the raw values with one linear expression: the policy's parser is
    quadratic on a header of thousands of ids.
    """
    in_reply_to = MESSAGE_IDS.findall(_raw_header(message, "In-Reply-To")[:HEADER_READ_MAX])
    references = MESSAGE_IDS.findall(_raw_header(message, "References")[-REFERENCES_READ_MAX:])
    found = list(dict.fromkeys(in_reply_to + references))  # de-duplicated, order kept
    # The most recent messages come last in References; a thread of hundreds is noise.
    return [storable(i) for i in found[:1] + found[1:][-REFERENCES_KEPT:]]


def _text(message: EmailMessage) -> tuple[str, str]:
    """The body as plain text, and a problem when it cannot be decoded."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return "", ""
        content = part.get_content()
    except LookupError:
        charset = _charset(message)
        return "", f"the body's character set {charset!r} is unknown"
    except Exception as error:
        return "", f"the body could not be decoded ({type(error).__name__})"
    if not isinstance(content, str):
        return "", ""
    if part.get_content_subtype() == "html":
        try:
            content = html_text.extract_text(content)
        except Exception as error:  # lxml refuses some documents outright
            return "", f"the HTML body could not be read ({type(error).__name__})"
    return storable(content, multiline=True), ""


def _charset(message: EmailMessage) -> str:
    try:
        charsets = [str(p.get_param("charset", "") or "") for p in message.walk()]
    except Exception:  # it only names the charset in the reason
        return ""
    return storable(next((c for c in charsets if c), ""))[:50]


def _attachments(message: EmailMessage) -> list[str]:
    names: list[str] = []
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        for part in message.walk():
            if part.is_multipart() or part is body:
                continue
            name = part.get_filename()
            if name or part.get_content_disposition() == "attachment":
                names.append(storable(name or part.get_content_type())[:255])
    except Exception:  # names are a courtesy: what was read before a bad part is kept
        return names[:100]
    return names[:100]


def _auto_reason(message: EmailMessage, sender: str, subject: str) -> str:
    """Why a machine sent this (RFC 3834 and the headers mail systems use), or ""."""
    auto_submitted = _header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted[:50]}"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in AUTORESPONDER_HEADERS:
        if _header(message, name):
            return f"it has an {name} header"
    if _header(message, "List-Id") or _header(message, "List-Unsubscribe"):
        return "it was sent to a mailing list"
    if message.get_content_type() == "multipart/report":
        return "it is a delivery report (a bounce)"
    if _header(message, "Return-Path").strip() == "<>":
        return "it has an empty return path (a bounce)"
    local_part = sender.rsplit("@", 1)[0]
    if AUTOMATIC_SENDERS.match(local_part):
        return f"it was sent by {local_part}@, an automatic address"
    if AUTOMATIC_SUBJECTS.match(subject):
        return "the subject says it is automatic"
    return ""
