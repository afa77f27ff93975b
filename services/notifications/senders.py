"""Timers: the side effects. They send due emails and webhook deliveries and record
the outcome."""

from datetime import timedelta

from sqlalchemy import func, select

from plumbing.config import flag, number_list
from plumbing.events import utcnow
from plumbing.timer import timer_from_config
from services.notifications import mailer, webhooks
from services.notifications.models import PENDING, WebhookDelivery, WebhookEndpoint

# a claimed delivery is not claimed again for this long after its timeout, so a
# replica that dies mid-delivery delays it, never loses it
WEBHOOK_LEASE_MARGIN_SECONDS = 30


# deliveries one sender sends in turn (so an endpoint's throughput is not bound to
# WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT a tick)
WEBHOOKS_PER_SENDER = 10


def claim_due_deliveries(session, limit, per_endpoint, excluded):
    """Up to ``limit`` due deliveries, at most ``per_endpoint`` of each endpoint (the
    oldest), none of ``excluded`` endpoints; locked, other replicas skip them."""
    if limit <= 0:
        return []
    rank = (
        func.row_number()
        .over(partition_by=WebhookDelivery.endpoint_id, order_by=WebhookDelivery.next_attempt_at)
        .label("rank")
    )
    ranked = (
        select(WebhookDelivery.id, rank)
        .where(
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at <= utcnow(),
            WebhookDelivery.endpoint_id.not_in(excluded),
        )
        .subquery()
    )
    fair_share = select(ranked.c.id).where(ranked.c.rank <= per_endpoint)
    return session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(fair_share))
        .order_by(WebhookDelivery.next_attempt_at)
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
        """Claim due deliveries (a lease: their next attempt moves past the time their
        sender may take) and hand each endpoint's to at most
        WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT senders (green threads), each sending up to
        WEBHOOKS_PER_SENDER of them in turn and recording each outcome itself. The
        claim takes a fair share per endpoint: a dead or slow receiver with a backlog
        holds up only its own deliveries, never the claims of the others."""
        policy = webhook_policy(self.config)
        cap = int(self.config["WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT"])
        slots = self.webhook_senders.free()
        saturated = self.webhook_senders.saturated(cap)
        share = cap * WEBHOOKS_PER_SENDER
        due = claim_due_deliveries(self.db, slots * WEBHOOKS_PER_SENDER, share, saturated)
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
        turns = []
        for endpoint_id, deliveries in group_by_endpoint(due).items():
            room = min(self.webhook_senders.room_for(endpoint_id, cap), slots - len(turns))
            for chain in split_in_turns(deliveries, room):
                jobs = []
                for n, delivery in enumerate(chain):
                    # leased past the time the sends before it and its own may take
                    delivery.next_attempt_at = now + timedelta(
                        seconds=(n + 1) * (policy.timeout + 1) + WEBHOOK_LEASE_MARGIN_SECONDS
                    )
                    jobs.append(delivery_job(delivery, endpoints[endpoint_id], now, self.config))
                turns.append((endpoint_id, jobs))
        self.db.commit()
        for endpoint_id, jobs in turns:
            self.webhook_senders.spawn(
                endpoint_id, webhooks.send_in_turn, self.db.get_bind(), jobs, policy
            )


def delivery_job(delivery, endpoint, now, config):
    return webhooks.DeliveryJob(
        delivery.id,
        delivery.attempt_count,
        endpoint.url,
        webhooks.signing_secrets(endpoint, now),
        delivery.payload,
        flag(config, "WEBHOOK_ALLOW_PRIVATE_URLS"),
    )


def group_by_endpoint(deliveries):
    grouped = {}
    for delivery in deliveries:
        grouped.setdefault(delivery.endpoint_id, []).append(delivery)
    return grouped


def split_in_turns(deliveries, senders):
    """``deliveries`` (oldest first) dealt to ``senders`` turns of at most
    WEBHOOKS_PER_SENDER; the ones left over stay claimed by nobody (due next tick)."""
    deliveries = deliveries[: max(senders, 0) * WEBHOOKS_PER_SENDER]
    return [deliveries[n::senders] for n in range(senders) if deliveries[n::senders]]
