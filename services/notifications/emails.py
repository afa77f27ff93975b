"""Email: what the welcome email says, and sending one over SMTP."""

import html
import smtplib
from email.message import EmailMessage

from plumbing.config import flag

SMTP_TIMEOUT_SECONDS = 30


def welcome_email(attendee):
    name = attendee["full_name"]
    subject = "Your Plenary registration is confirmed"
    text_body = (
        f"Hello {name},\n\n"
        "your registration for the annual meeting is confirmed. Sign in to build your "
        "agenda, join sessions and visit the expo.\n\n"
        "See you there!\n"
    )
    html_body = (
        f"<p>Hello {html.escape(name)},</p>"
        "<p>your registration for the annual meeting is confirmed. Sign in to build your "
        "agenda, join sessions and visit the expo.</p>"
        "<p>See you there!</p>"
    )
    return subject, text_body, html_body


def build_message(email, mail_from):
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = email.to_address
    message["Subject"] = email.subject
    # the same id on every attempt, so a resend after a lost reply can be recognised
    message["Message-ID"] = f"<{email.id}@plenary>"
    message.set_content(email.text_body)
    message.add_alternative(email.html_body, subtype="html")
    return message


def connect(config):
    smtp = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=SMTP_TIMEOUT_SECONDS)
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
