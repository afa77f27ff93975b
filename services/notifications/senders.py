"""Timers: the side effects. They send due emails and webhook deliveries and record
the outcome."""

import contextlib
import logging
import smtplib
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from plumbing.config import flag, number_list
from plumbing.events import utcnow
from plumbing.observability import metrics
from plumbing.timer import timer_from_config
from services.notifications import emails, webhooks
from services.notifications.models import (
    FAILED,
    PENDING,
    SENT,
    OutgoingEmail,
    WebhookDelivery,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)

# emails one timer tick sends at most (then the next tick goes on)
EMAIL_BATCH_SIZE = 50
PARKED_REPORT_SECONDS = 30
# deliveries one claim takes at most; a full claim is followed by another at once,
# for up to CLAIM_SECONDS of one tick
CLAIM_BATCH = 100
CLAIM_SECONDS = 0.5
# a claimed delivery is not claimed again for this long after its timeout, so a
# replica that dies mid-delivery delays it, never loses it
WEBHOOK_LEASE_MARGIN_SECONDS = 30


def claim_due(session, model, limit, *where):
    """Due rows of ``model`` (emails or deliveries), locked; other replicas skip them."""
    if limit <= 0:
        return []
    return session.scalars(
        select(model)
        .where(model.status == PENDING, model.next_attempt_at <= utcnow(), *where)
        .order_by(model.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def lease_due_email(session, lease_seconds):
    """The next due email, its next attempt pushed past one send's time (committed)."""
    [email] = claim_due(session, OutgoingEmail, 1) or [None]
    if email is None:
        return None
    email.next_attempt_at = utcnow() + timedelta(seconds=lease_seconds)
    session.commit()
    return email


def send_email(session, smtp, email, mail_from, retry_delays):
    """Send one leased email and commit its outcome; False if the connection broke."""
    try:
        message = emails.build_message(email, mail_from)
    except (ValueError, TypeError, LookupError) as exc:  # e.g. a line break in a header
        email_failed(session, email, exc, True, retry_delays)
        return True
    try:
        smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        permanent = emails.is_permanent(exc)
        email_failed(session, email, exc, permanent, retry_delays)
        return permanent or isinstance(exc, smtplib.SMTPRecipientsRefused)
    email.attempts += 1
    email.status, email.sent_at, email.next_attempt_at = SENT, utcnow(), None
    email.last_error = None
    email.secret = None  # mailed: no stored row keeps the code
    session.commit()
    metrics.emails_sent.labels(SENT).inc()
    return True


def email_failed(session, email, exc, permanent, retry_delays):
    """Retry after the next of ``retry_delays``, or park it when they are spent (committed)."""
    email.attempts += 1
    email.last_error = f"{type(exc).__name__}: {exc}"[: webhooks.MAX_ERROR_LENGTH]
    if permanent or email.attempts > len(retry_delays):
        email.status, email.next_attempt_at = FAILED, None
        email.secret = None  # parked: a replay after the code's minutes would be useless
        log.error(
            "parked email %s after %d attempt(s): %s",
            email.id,
            email.attempts,
            email.last_error,
        )
        metrics.emails_sent.labels(FAILED).inc()
    else:
        email.next_attempt_at = utcnow() + timedelta(seconds=retry_delays[email.attempts - 1])
        metrics.emails_sent.labels("retrying").inc()
    session.commit()


_parked_reported_at = float("-inf")  # per process: workers are new instances


def report_parked_emails(session):
    """Set the parked-mail gauge, at most every PARKED_REPORT_SECONDS."""
    global _parked_reported_at
    now = time.monotonic()
    if now - _parked_reported_at < PARKED_REPORT_SECONDS:
        return
    _parked_reported_at = now
    parked = session.scalar(
        select(func.count()).select_from(OutgoingEmail).where(OutgoingEmail.status == FAILED)
    )
    metrics.emails_parked.set(parked)
    session.commit()


def webhook_policy(config):
    return webhooks.Policy(
        timeout=float(config["WEBHOOK_TIMEOUT_SECONDS"]),
        retry_delays=number_list(config, "WEBHOOK_RETRY_DELAYS_SECONDS"),
        disable_after_seconds=float(config["WEBHOOK_DISABLE_AFTER_SECONDS"]),
    )


class SenderTimers:
    """Mixin: the timers that send emails and deliver webhooks."""

    @timer_from_config("OUTGOING_POLL_INTERVAL")
    def send_due_emails(self):
        """Send due emails one at a time, each with its own outcome: a row is leased
        (its next attempt pushed past the time one send may take, committed) before it
        is sent, and its outcome is committed right after. A crash re-sends at most the
        message in flight (with the same Message-ID); a message that cannot be built or
        is refused for good is parked, never holding up the others."""
        report_parked_emails(self.db)
        retry_delays = number_list(self.config, "EMAIL_RETRY_DELAYS_SECONDS")
        lease_seconds = float(self.config["EMAIL_LEASE_SECONDS"])
        smtp = None
        try:
            for _ in range(EMAIL_BATCH_SIZE):
                email = lease_due_email(self.db, lease_seconds)
                if email is None:
                    return
                if smtp is None:
                    smtp = self._connect_or_defer(email, retry_delays)
                    if smtp is None:
                        return
                if not send_email(self.db, smtp, email, self.config["MAIL_FROM"], retry_delays):
                    return  # the connection is gone: the next tick connects again
        finally:
            if smtp is not None:
                with contextlib.suppress(OSError, smtplib.SMTPException):
                    smtp.quit()

    def _connect_or_defer(self, email, retry_delays):
        try:
            return emails.connect(self.config)
        except (OSError, smtplib.SMTPException) as exc:
            email_failed(self.db, email, exc, False, retry_delays)
            return None

    @timer_from_config("WEBHOOK_POLL_INTERVAL")
    def deliver_due_webhooks(self):
        """Claim due deliveries (a lease: their next attempt moves past the timeout) and
        send each in its own green thread, which records its outcome itself. A claim
        that came back full is followed by another at once (within CLAIM_SECONDS), so
        the rate is bounded by the senders, not by one claim a tick.

        Senders are shared fairly: a healthy endpoint holds at most
        WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT of them; a *failing* endpoint (its last
        attempt failed) or a *slow* one (a delivery in flight longer than
        WEBHOOK_SLOW_SECONDS) holds at most one, and all of those together at most
        WEBHOOK_FAILING_SENDERS: hanging receivers hold a small share, never the pool."""
        rules = SenderRules.from_config(self.config)
        deadline = time.monotonic() + CLAIM_SECONDS
        while self._claim_and_send(rules) >= CLAIM_BATCH and time.monotonic() < deadline:
            pass

    def _claim_and_send(self, rules):
        """One claim; returns how many rows it claimed."""
        senders = self.webhook_senders
        troubled = failing_endpoints(self.db) | senders.slow(rules.slow_seconds)
        troubled_room = rules.failing_senders - sum(senders.running[key] for key in troubled)
        excluded = {key for key, count in senders.running.items() if count >= rules.cap}
        excluded |= troubled if troubled_room <= 0 else {k for k in troubled if senders.running[k]}
        due = claim_due(
            self.db,
            WebhookDelivery,
            min(senders.free(), CLAIM_BATCH),
            WebhookDelivery.endpoint_id.not_in(excluded),
        )
        if not due:
            self.db.commit()
            return 0
        endpoints = {
            endpoint.id: endpoint
            for endpoint in self.db.scalars(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.id.in_({delivery.endpoint_id for delivery in due})
                )
            )
        }
        now = utcnow()
        lease_until = now + timedelta(seconds=rules.policy.timeout + WEBHOOK_LEASE_MARGIN_SECONDS)
        room = {
            key: (1 if key in troubled else rules.cap) - senders.running[key] for key in endpoints
        }
        jobs = []
        for delivery in due:
            endpoint = endpoints[delivery.endpoint_id]
            if room[endpoint.id] <= 0 or (endpoint.id in troubled and troubled_room <= 0):
                continue  # left for a later claim
            room[endpoint.id] -= 1
            troubled_room -= endpoint.id in troubled
            delivery.next_attempt_at = lease_until
            job = webhooks.DeliveryJob(
                delivery.id,
                delivery.attempt_count,
                endpoint.url,
                webhooks.signing_secrets(endpoint, now),
                delivery.payload,
                rules.allow_private,
            )
            jobs.append((endpoint.id, job))
        self.db.commit()
        for endpoint_id, job in jobs:
            senders.spawn(
                endpoint_id, webhooks.send_and_record, self.db.get_bind(), job, rules.policy
            )
        return len(due)


def failing_endpoints(session):
    """Endpoints whose last attempt failed (and that are not disabled)."""
    return set(
        session.scalars(
            select(WebhookEndpoint.id).where(
                WebhookEndpoint.failing_since.is_not(None), WebhookEndpoint.disabled_at.is_(None)
            )
        )
    )


@dataclass(frozen=True)
class SenderRules:
    policy: webhooks.Policy
    cap: int  # senders a healthy endpoint may hold
    failing_senders: int  # senders all failing or slow endpoints together may hold
    slow_seconds: float
    allow_private: bool

    @classmethod
    def from_config(cls, config):
        return cls(
            webhook_policy(config),
            int(config["WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT"]),
            int(config["WEBHOOK_FAILING_SENDERS"]),
            float(config["WEBHOOK_SLOW_SECONDS"]),
            flag(config, "WEBHOOK_ALLOW_PRIVATE_URLS"),
        )
