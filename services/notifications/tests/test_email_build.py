"""The bytes an outgoing email becomes: ASCII addresses take the fast email.mime path
(headers in ASCII, RFC 2047 words for other text), an international address the SMTPUTF8
one."""

import email
import smtplib
import types
from email import policy

import pytest

from services.notifications import emails

MAIL_FROM = "Konferenz für Ärzte <noreply@plenary.example>"


def row(to_address, subject="Keynote — starts in 15 minutes", secret=None):
    return types.SimpleNamespace(
        id="mail-1",
        to_address=to_address,
        subject=subject,
        text_body=f"Hello Zoë,\n\nThe keynote starts soon. {emails.SECRET_MARKER}\n",
        html_body=f"<p>Hello Zoë — {emails.SECRET_MARKER}</p>",
        secret=secret,
    )


def parsed(message):
    return email.message_from_bytes(message.data, policy=policy.default)


def content(part):
    return part.get_content().replace("\r\n", "\n")  # SMTP's line ends, as sent


@pytest.mark.parametrize("subject", ["Plain", "Keynote — starts soon", "Ünïcödé " * 20])
def test_an_ascii_address_gets_an_ascii_message_that_reads_back_as_written(subject):
    message = emails.build_message(row("zoe@example.org", subject, secret="123456"), MAIL_FROM)

    headers, _, body = message.data.partition(b"\r\n\r\n")
    assert not message.international and headers.isascii()
    assert all(len(line) <= 78 for line in headers.split(b"\r\n"))
    assert "Hello Zoë,".encode() in body  # readable as sent (8bit), as before
    assert (message.mail_from, message.to_address) == ("noreply@plenary.example", "zoe@example.org")
    back = parsed(message)
    assert back["Subject"] == subject
    assert back["From"].addresses[0].display_name == "Konferenz für Ärzte"
    assert back["To"] == "zoe@example.org" and back["Message-ID"] == "<mail-1@plenary>"
    plain, html = back.iter_parts()
    assert content(plain) == "Hello Zoë,\n\nThe keynote starts soon. 123456\n"
    assert html.get_content_type() == "text/html" and "Zoë — 123456" in content(html)


def test_a_body_line_too_long_for_smtp_goes_as_base64_and_reads_back_whole():
    long_line = "Zoë " * 400  # 2,000 bytes
    mail = row("zoe@example.org")
    mail.text_body = long_line
    message = emails.build_message(mail, MAIL_FROM)
    assert all(len(line) <= 998 for line in message.data.split(b"\r\n"))
    plain, _ = parsed(message).iter_parts()
    assert plain["Content-Transfer-Encoding"] == "base64"
    assert content(plain) == long_line


def test_an_international_address_is_written_in_utf8_for_smtputf8():
    message = emails.build_message(row("zoë@exämple.org"), MAIL_FROM)
    assert message.international
    assert "To: zoë@exämple.org".encode() in message.data


def test_a_server_without_smtputf8_is_not_handed_an_international_message():
    class NoUtf8Server:
        sent = []

        def ehlo_or_helo_if_needed(self):
            pass

        def has_extn(self, name):
            return False

        def sendmail(self, *args):
            self.sent.append(args)

    server = NoUtf8Server()
    with pytest.raises(smtplib.SMTPNotSupportedError):
        emails.build_message(row("zoë@exämple.org"), MAIL_FROM).send(server)
    emails.build_message(row("zoe@example.org"), MAIL_FROM).send(server)
    [(mail_from, to, data, options)] = server.sent
    assert (mail_from, to, options) == ("noreply@plenary.example", ["zoe@example.org"], [])


@pytest.mark.parametrize(
    "value",
    [
        "zoe@example.org",
        "Keynote starts in 15 minutes",
        "two  spaces",
        " leading space",
        "trailing space ",
        "tab\there",
        "x" * 70,  # longer than the line once "Subject: " is in front
        "a very long subject " * 6,
        "Zoë",
        "line\r\nInjected: header",
    ],
)
def test_headers_written_as_is_are_the_bytes_compat32_folds_them_into(value):
    compat32 = policy.compat32.clone(linesep="\r\n")
    try:
        expected = compat32.fold_binary("Subject", value)
    except email.errors.HeaderParseError:
        with pytest.raises(email.errors.HeaderParseError):
            emails.SMTP_COMPAT32.fold_binary("Subject", value)
        return
    assert emails.SMTP_COMPAT32.fold_binary("Subject", value) == expected


def test_a_message_is_the_bytes_compat32_writes_and_its_boundary_is_in_no_body():
    mail = row("zoe@example.org", "Keynote starts soon", secret="123456")
    message = emails.build_message(mail, MAIL_FROM)
    back = parsed(message)
    boundary = back.get_boundary()
    assert boundary.startswith("=_plenary_")
    assert all(boundary not in part.get_content() for part in back.iter_parts())
    rebuilt = email.message_from_bytes(message.data, policy=policy.compat32)
    assert rebuilt.as_bytes(policy=policy.compat32.clone(linesep="\r\n")) == message.data


def test_a_body_holding_the_boundary_drawn_gets_one_the_generator_makes(monkeypatch):
    monkeypatch.setattr(emails.secrets, "token_hex", lambda n: "0" * 2 * n)
    drawn = "=_plenary_" + "0" * 32
    assert emails.boundary_outside("plain", "<p>html</p>") == drawn
    assert emails.boundary_outside("plain", f"<p>{drawn}</p>") is None
    mail = row("zoe@example.org")
    mail.html_body = f"<p>{drawn}</p>"
    back = parsed(emails.build_message(mail, MAIL_FROM))
    assert back.get_boundary() != drawn
    assert drawn in content(list(back.iter_parts())[1])
