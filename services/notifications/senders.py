"""Timers: the side effects. They send due emails and webhook deliveries and record
the outcome."""

import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from plumbing.config import flag, number_list
from plumbing.events import utcnow
from plumbing.timer import timer_from_config
from services.notifications import mailer, webhooks
from services.notifications.models import PENDING, WebhookDelivery, WebhookEndpoint

# a full claim is followed by another at once, for up to CLAIM_SECONDS of one tick
CLAIM_SECONDS = 0.5
# senders one claim feeds at most
CLAIM_SENDERS = 100
# a claimed delivery is not claimed again for this long after its timeout, so a
# replica that dies mid-delivery delays it, never loses it
WEBHOOK_LEASE_MARGIN_SECONDS = 30


# deliveries one sender sends in turn (so an endpoint's throughput is not bound to
# WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT a tick)
WEBHOOKS_PER_SENDER = 10


def claim_due_deliveries(session, limit, per_endpoint, excluded):
    """Up to ``limit`` due deliveries, at most ``per_endpoint`` of each endpoint (the
    oldest), none of ``excluded`` endpoints; locked, other replicas skip them.

    The ranking (a window function: it cannot lock) reads the statement's snapshot, so
    it may list a delivery another replica claimed and committed since; PostgreSQL
    re-checks only the locking query's own conditions on the row's latest version, so
    that query asks again that the delivery is due (without it, two replicas sent
    one delivery twice)."""
    if limit <= 0:
        return []
    due = (WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= utcnow())
    rank = (
        func.row_number()
        .over(partition_by=WebhookDelivery.endpoint_id, order_by=WebhookDelivery.next_attempt_at)
        .label("rank")
    )
    ranked = (
        select(WebhookDelivery.id, rank)
        .where(*due, WebhookDelivery.endpoint_id.not_in(excluded))
        .subquery()
    )
    fair_share = select(ranked.c.id).where(ranked.c.rank <= per_endpoint)
    return session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(fair_share), *due)
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
        in its own commit (mailer.py), on up to SMTP_CONNECTIONS sessions while a backlog
        lasts: a crash re-sends at most the message in flight on each (with the same
        Message-ID); one that cannot be built or is refused for good is
        parked, never holding up the others."""
        mailer.report_parked_emails(self.db)
        engine = mailer.mail_engine(
            self.config["DATABASE_URL"], int(self.config["SMTP_CONNECTIONS"])
        )
        mailer.send_due_emails(engine, self.config)

    @timer_from_config("WEBHOOK_POLL_INTERVAL")
    def deliver_due_webhooks(self):
        """Claim due deliveries (a lease: their next attempt moves past the time their
        sender may take) and hand them to senders (green threads), each sending up to
        WEBHOOKS_PER_SENDER of one endpoint's in turn and recording each outcome itself.
        A claim that came back full is followed by another at once (within
        CLAIM_SECONDS), so the rate is bounded by the senders, not by one claim a tick.

        Senders are shared fairly. The claim takes at most a fair share of each
        endpoint's backlog, so a receiver with thousands due never fills it. A healthy
        endpoint holds at most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT senders; a *failing*
        one (its last attempt failed) or a *slow* one (a send running longer than
        WEBHOOK_SLOW_SECONDS) holds at most one, and all of those together at most
        WEBHOOK_FAILING_SENDERS: hanging receivers hold a small share, never the pool."""
        rules = SenderRules.from_config(self.config)
        deadline = time.monotonic() + CLAIM_SECONDS
        while self._claim_and_send(rules) and time.monotonic() < deadline:
            pass

    def _claim_and_send(self, rules):
        """One claim, its deliveries dealt to senders; whether the claim came back full."""
        senders = self.webhook_senders
        troubled = failing_endpoints(self.db) | senders.slow(rules.slow_seconds)
        troubled_room = rules.failing_senders - sum(senders.running[key] for key in troubled)
        excluded = {key for key, count in senders.running.items() if count >= rules.cap}
        excluded |= troubled if troubled_room <= 0 else {k for k in troubled if senders.running[k]}
        slots = min(senders.free(), CLAIM_SENDERS)
        limit = slots * WEBHOOKS_PER_SENDER
        due = claim_due_deliveries(self.db, limit, rules.cap * WEBHOOKS_PER_SENDER, excluded)
        if not due:
            self.db.commit()
            return False
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
            room = (1 if endpoint_id in troubled else rules.cap) - senders.running[endpoint_id]
            if endpoint_id in troubled:
                room = min(room, troubled_room)
            chains = split_in_turns(deliveries, min(room, slots - len(turns)))
            if endpoint_id in troubled:
                troubled_room -= len(chains)
            for chain in chains:
                jobs = []
                for n, delivery in enumerate(chain):
                    # leased past the time the sends before it and its own may take
                    delivery.next_attempt_at = now + timedelta(
                        seconds=(n + 1) * (rules.policy.timeout + 1) + WEBHOOK_LEASE_MARGIN_SECONDS
                    )
                    jobs.append(delivery_job(delivery, endpoints[endpoint_id], now, rules))
                turns.append((endpoint_id, jobs))
        self.db.commit()
        for endpoint_id, jobs in turns:
            senders.spawn(
                endpoint_id, webhooks.send_in_turn, self.db.get_bind(), jobs, rules.policy
            )
        return len(due) >= limit


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


def delivery_job(delivery, endpoint, now, rules):
    return webhooks.DeliveryJob(
        delivery.id,
        endpoint.id,
        delivery.attempt_count,
        endpoint.url,
        webhooks.signing_secrets(endpoint, now),
        delivery.payload,
        rules.allow_private,
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
