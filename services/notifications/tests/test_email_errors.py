"""Which SMTP failures are worth retrying."""

import smtplib

import pytest

from services.notifications.emails import is_permanent


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"mailbox busy")}), False),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@example.org": (550, b"no such user"), "b@example.org": (451, b"later")}
            ),
            False,
        ),
        (smtplib.SMTPDataError(554, b"rejected as spam"), True),
        (smtplib.SMTPDataError(421, b"try again later"), False),
        (smtplib.SMTPServerDisconnected("gone"), False),
        (ConnectionRefusedError(111, "Connection refused"), False),
    ],
)
def test_only_a_5xx_answer_is_permanent(error, permanent):
    assert is_permanent(error) is permanent
