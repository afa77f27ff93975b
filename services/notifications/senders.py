"""Timers: the side effects. They send due emails and webhook deliveries and record
the outcome."""

from datetime import timedelta

from sqlalchemy import select

from plumbing.config import flag, number_list
from plumbing.events import utcnow
from plumbing.timer import timer_from_config
from services.notifications import mailer, webhooks
from services.notifications.models import PENDING, WebhookDelivery, WebhookEndpoint

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
        """Lease due emails a batch per commit, send them one at a time, each outcome
        in its own commit (mailer.py): a crash re-sends at most the message in flight
        (with the same Message-ID); one that cannot be built or is refused for good is
        parked, never holding up the others."""
        mailer.report_parked_emails(self.db)
        mailer.send_due_emails(mailer.mail_engine(self.config["DATABASE_URL"]), self.config)

    @timer_from_config("OUTGOING_POLL_INTERVAL")
    def deliver_due_webhooks(self):
        """Claim due deliveries (a lease: their next attempt moves past the timeout) and
        send each in its own green thread, which records its outcome itself. An endpoint
        gets at most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT of the senders: a slow or dead
        receiver holds up only its own deliveries."""
        policy = webhook_policy(self.config)
        cap = int(self.config["WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT"])
        due = claim_due(
            self.db,
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
