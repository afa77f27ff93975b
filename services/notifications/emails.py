"""Email: rendering the templates (plain text + HTML), and sending one over SMTP.

Each email ``<name>`` has ``templates/<name>.txt`` (first line: the subject; the rest:
the text body) and ``templates/<name>.html`` (the HTML body, autoescaped).
"""

import functools
import secrets
import smtplib
from dataclasses import dataclass
from email import policy
from email.charset import Charset
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import escape

from plumbing.config import flag
from plumbing.fields import unprintable
from plumbing.tokens import new_id
from services.notifications.models import PENDING


class ShortHeadersAsIs(policy.Compat32):
    """compat32, but a header that is short, printable ASCII with single spaces is written
    as it is: compat32 runs every header through ``email.header.Header``'s folding, which
    leaves such a value unchanged and was a third of the cost of building a mail."""

    def fold_binary(self, name, value):
        if isinstance(value, str) and is_plain_short(name, value, self.max_line_length):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


def is_plain_short(name, value, max_line_length):
    return (
        value.isascii()
        and value.isprintable()
        and value == value.strip()
        and "  " not in value
        and len(name) + 2 + len(value) <= (max_line_length or 78)
    )


SMTP_COMPAT32 = ShortHeadersAsIs(linesep="\r\n")
# a UTF-8 body as it is (8bit), as EmailMessage.set_content sends one with short lines
UTF8_AS_IS = Charset("utf-8")
UTF8_AS_IS.body_encoding = None
MAX_SMTP_LINE_BYTES = 998

# stands in the stored bodies for a mail's secret (a login code), filled in at sending
SECRET_MARKER = "[code:redacted]"

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def render(name, **context):
    """(subject, text body, html body) of email ``name``."""
    subject, _, text_body = templates.get_template(f"{name}.txt").render(context).partition("\n")
    html_body = templates.get_template(f"{name}.html").render(context)
    return subject.strip(), text_body.lstrip("\n"), html_body


def renderer(name, context, field):
    """``value -> render(name, **context, field=value)`` for many values, the templates
    rendered once: a random marker stands for ``field``, and each value takes its place
    (HTML-escaped in the HTML body, as autoescape does). The first value is also rendered
    for real and compared: a template that does more with the field than print it (a
    filter, a test) is then rendered for each value, as before."""
    marker = f"PLENARY{secrets.token_hex(12)}"
    once = render(name, **context, **{field: marker})
    per_value = rendered_first = False

    def rendered(value):
        nonlocal per_value, rendered_first
        if per_value:
            return render(name, **context, **{field: value})
        subject, text_body, html_body = once
        result = (
            subject.replace(marker, value),
            text_body.replace(marker, value),
            html_body.replace(marker, str(escape(value))),
        )
        if not rendered_first:
            rendered_first = True
            real = render(name, **context, **{field: value})
            if real != result:
                per_value = True
                return real
        return result

    return rendered


def email_row(
    to_address,
    name,
    context,
    dedupe_key,
    now,
    attendee_id=None,
    send_at=None,
    secret=None,
    rendered=None,
):
    """A row for ``outgoing_emails``: sent by the email timer from ``send_at`` (or now).
    ``secret`` (a login code) is kept out of the stored bodies: the context holds
    SECRET_MARKER where it goes, and build_message fills it in. ``rendered``: the
    (subject, text, html) already rendered (``renderer``), else rendered from ``context``."""
    subject, text_body, html_body = rendered or render(name, **context)
    return {
        "id": new_id(),
        "attendee_id": attendee_id,
        "kind": name if name != "notification" else context.get("kind", name),
        "to_address": to_address,
        "subject": subject,
        "text_body": text_body,
        "html_body": html_body,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": max(now, send_at) if send_at else now,
        "created_at": now,
        "dedupe_key": dedupe_key,
        "secret": secret,
    }


def with_secret(body, secret):
    return body.replace(SECRET_MARKER, secret) if secret else body


@dataclass(frozen=True)
class Message:
    """One email as SMTP takes it: the envelope and the flattened message."""

    mail_from: str
    to_address: str
    data: bytes
    international: bool  # a non-ASCII address: sent with SMTPUTF8, headers in UTF-8

    def send(self, smtp):
        """What ``smtplib.send_message`` does, without flattening the message again."""
        options = []
        if self.international:
            smtp.ehlo_or_helo_if_needed()
            if not smtp.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError("the server does not offer SMTPUTF8")
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        smtp.sendmail(self.mail_from, [self.to_address], self.data, options)


def build_message(email, mail_from):
    """The Message for an ``outgoing_emails`` row; ValueError if a header would hold a
    control or format character or a line break (rows older than the checks at the door)."""
    for header, value in (("To", email.to_address), ("Subject", email.subject)):
        char = unprintable(value)
        if char is not None:
            raise ValueError(f"{header} holds U+{ord(char):04X}: not a header value")
    sender = parsed_sender(mail_from)[1]
    text_body = with_secret(email.text_body, email.secret)
    html_body = with_secret(email.html_body, email.secret)
    if email.to_address.isascii() and sender.isascii():
        data = ascii_message(email, mail_from, text_body, html_body)
        return Message(sender, email.to_address, data, international=False)
    message = EmailMessage()  # UTF-8 headers (SMTPUTF8), which only this API writes
    message["From"], message["To"], message["Subject"] = mail_from, email.to_address, email.subject
    message["Message-ID"] = message_id(email)
    message.set_content(text_body)
    message.add_alternative(html_body, subtype="html")
    return Message(sender, email.to_address, message.as_bytes(policy=policy.SMTPUTF8), True)


def ascii_message(email, mail_from, text_body, html_body):
    """The bytes of a message whose addresses are ASCII, built with the ``email.mime``
    classes and flattened under compat32: a quarter of the CPU of an ``EmailMessage``,
    whose header registry parses every header of every part again while flattening (the
    mail loop's largest cost). Non-ASCII headers go as RFC 2047 words."""
    message = MIMEMultipart("alternative", boundary=boundary_outside(text_body, html_body))
    message["From"] = formataddr(parsed_sender(mail_from), "utf-8")
    message["To"] = email.to_address
    subject = email.subject
    message["Subject"] = (
        subject if subject.isascii() else Header(subject, "utf-8", header_name="Subject")
    )
    message["Message-ID"] = message_id(email)
    message.attach(text_part(text_body, "plain"))
    message.attach(text_part(html_body, "html"))
    return message.as_bytes(policy=SMTP_COMPAT32)


@functools.cache
def parsed_sender(mail_from):
    """(name, address) of MAIL_FROM: one value for every mail the process sends."""
    return parseaddr(mail_from)


def boundary_outside(*bodies):
    """A random multipart boundary none of ``bodies`` holds, or None (the generator then
    makes one itself, compiling a regular expression for each message to search for it)."""
    boundary = f"=_plenary_{secrets.token_hex(16)}"
    return None if any(boundary in body for body in bodies) else boundary


def text_part(body, subtype):
    """ASCII as 7bit, other text as 8bit UTF-8 (both readable as sent, as EmailMessage
    sent them), base64 when a line is longer than SMTP carries."""
    if any(len(line.encode()) > MAX_SMTP_LINE_BYTES for line in body.splitlines()):
        return MIMEText(body, subtype, "utf-8")
    return MIMEText(body, subtype, "us-ascii" if body.isascii() else UTF8_AS_IS)


def message_id(email):
    # the same on every attempt, so a resend after a lost reply can be recognised
    return f"<{email.id}@plenary>"


def connect(config):
    timeout = float(config["SMTP_TIMEOUT_SECONDS"])
    smtp = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=timeout)
    try:
        if flag(config, "SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD", ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


def is_permanent(exc):
    """A 5xx answer about this message will not change on retry; anything else might."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500
