"""The bytes an outgoing email becomes: ASCII addresses take the fast email.mime path
(everything else RFC 2047 / base64, so any SMTP server takes it), an international
address the SMTPUTF8 one."""

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


@pytest.mark.parametrize("subject", ["Plain", "Keynote — starts soon", "Ünïcödé " * 20])
def test_an_ascii_address_gets_an_ascii_message_that_reads_back_as_written(subject):
    message = emails.build_message(row("zoe@example.org", subject, secret="123456"), MAIL_FROM)

    assert not message.international and message.data.isascii()
    assert (message.mail_from, message.to_address) == ("noreply@plenary.example", "zoe@example.org")
    back = parsed(message)
    assert back["Subject"] == subject
    assert back["From"].addresses[0].display_name == "Konferenz für Ärzte"
    assert back["To"] == "zoe@example.org" and back["Message-ID"] == "<mail-1@plenary>"
    plain, html = back.iter_parts()
    assert plain.get_content() == "Hello Zoë,\n\nThe keynote starts soon. 123456\n"
    assert html.get_content_type() == "text/html" and "Zoë — 123456" in html.get_content()
    assert all(len(line) <= 78 for line in message.data.split(b"\r\n"))


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
