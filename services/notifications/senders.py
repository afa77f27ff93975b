"""Timers: the side effects. They send due emails and webhook deliveries and record
the outcome."""

import logging
import smtplib
from datetime import timedelta

from sqlalchemy import select

from plumbing.config import flag, number_list
from plumbing.events import utcnow
from plumbing.observability import metrics
from plumbing.timer import timer_from_config
from services.notifications import emails, webhooks
from services.notifications.models import OutgoingEmail, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

EMAIL_BATCH_SIZE = 50
# a claimed delivery is not claimed again for this long after its timeout, so a
# replica that dies mid-delivery delays it, never loses it
WEBHOOK_LEASE_MARGIN_SECONDS = 30


class Senders:
    """Mixin: the timers that send emails and deliver webhooks."""

    @timer_from_config("OUTGOING_POLL_INTERVAL")
    def send_due_emails(self):
        due = self._claim_due(OutgoingEmail, EMAIL_BATCH_SIZE)
        if not due:
            return
        try:
            smtp = emails.connect(self.config)
        except (OSError, smtplib.SMTPException) as exc:
            for email in due:
                self._email_failed(email, exc, permanent=False)
            return
        with smtp:
            for email in due:
                self._send_email(smtp, email)

    def _send_email(self, smtp, email):
        try:
            smtp.send_message(emails.build_message(email, self.config["MAIL_FROM"]))
        except (OSError, smtplib.SMTPException) as exc:
            self._email_failed(email, exc, permanent=emails.is_permanent(exc))
            return
        email.attempts += 1
        email.status, email.sent_at, email.next_attempt_at = "sent", utcnow(), None
        metrics.emails_sent.labels("sent").inc()

    def _email_failed(self, email, exc, permanent):
        delays = number_list(self.config, "EMAIL_RETRY_DELAYS_SECONDS")
        email.attempts += 1
        email.last_error = f"{type(exc).__name__}: {exc}"[: webhooks.MAX_ERROR_LENGTH]
        if permanent or email.attempts > len(delays):
            email.status, email.next_attempt_at = "failed", None
            log.error(
                "giving up on email %s after %d attempt(s): %s",
                email.id,
                email.attempts,
                email.last_error,
            )
            metrics.emails_sent.labels("failed").inc()
        else:
            email.next_attempt_at = utcnow() + timedelta(seconds=delays[email.attempts - 1])
            metrics.emails_sent.labels("retrying").inc()

    @timer_from_config("OUTGOING_POLL_INTERVAL")
    def deliver_due_webhooks(self):
        """Claim due deliveries (a lease: their next attempt moves past the timeout) and
        send each in its own green thread, which records its outcome itself. An endpoint
        gets at most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT of the senders: a slow or dead
        receiver holds up only its own deliveries."""
        policy = self._webhook_policy()
        cap = int(self.config["WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT"])
        due = self._claim_due(
            WebhookDelivery,
            self.webhook_senders.free(),
            WebhookDelivery.endpoint_id.not_in(self.webhook_senders.saturated(cap)),
        )
        if not due:
            return
        endpoints = {
            endpoint.id: endpoint
            for endpoint in self.db.scalars(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.id.in_({delivery.endpoint_id for delivery in due})
                )
            )
        }
        now = utcnow()
        lease_until = now + timedelta(seconds=policy.timeout + WEBHOOK_LEASE_MARGIN_SECONDS)
        room = {key: self.webhook_senders.room_for(key, cap) for key in endpoints}
        jobs = []
        for delivery in due:
            endpoint = endpoints[delivery.endpoint_id]
            if room[endpoint.id] <= 0:
                continue  # left for a later tick
            room[endpoint.id] -= 1
            delivery.next_attempt_at = lease_until
            job = webhooks.DeliveryJob(
                delivery.id,
                delivery.attempt_count,
                endpoint.url,
                webhooks.signing_secrets(endpoint, now),
                delivery.payload,
                flag(self.config, "WEBHOOK_ALLOW_PRIVATE_URLS"),
            )
            jobs.append((endpoint.id, job))
        self.db.commit()
        for endpoint_id, job in jobs:
            self.webhook_senders.spawn(
                endpoint_id, webhooks.send_and_record, self.db.get_bind(), job, policy
            )

    def _webhook_policy(self):
        return webhooks.Policy(
            timeout=float(self.config["WEBHOOK_TIMEOUT_SECONDS"]),
            retry_delays=number_list(self.config, "WEBHOOK_RETRY_DELAYS_SECONDS"),
            disable_after_seconds=float(self.config["WEBHOOK_DISABLE_AFTER_SECONDS"]),
        )

    def _claim_due(self, model, limit, *where):
        """Due rows of ``model``, locked; other replicas skip them."""
        if limit <= 0:
            return []
        return self.db.scalars(
            select(model)
            .where(model.status == "pending", model.next_attempt_at <= utcnow(), *where)
            .order_by(model.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
