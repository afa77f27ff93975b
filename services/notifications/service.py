"""Notifications: the attendee feed, email, and exhibitor webhooks.

Consumers only write rows, in the event's transaction (feed items, emails to send,
webhook deliveries); timers perform the external side effects and record the outcome.
So a redelivered event sends nothing twice, and nothing is lost while SMTP or a
receiver is down.
"""

import json
import logging
import smtplib
from datetime import timedelta

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from sqlalchemy import delete, func, select

from plumbing.config import flag, number_list
from plumbing.consumer import consume
from plumbing.db import Database, insert_ignoring_duplicates
from plumbing.errors import NotFound
from plumbing.events import utcnow
from plumbing.observability import Observability, OpsEndpoints, metrics
from plumbing.outbox import OutboxRelay
from plumbing.pagination import creation_key, keyset_page, newest_first
from plumbing.rpc import TimedRpcProxy
from plumbing.schemas import load_args, load_or_invalid
from plumbing.timer import timer_from_config
from plumbing.tokens import new_id
from services.expo.events import LeadCaptured, LeadUpdated
from services.notifications import emails, webhooks
from services.notifications.extensions import GreenThreads
from services.notifications.models import (
    DeliveryAttempt,
    Notification,
    OutgoingEmail,
    WebhookDelivery,
    WebhookEndpoint,
    new_webhook_message_id,
)
from services.notifications.schemas import (
    AttemptSchema,
    CreatedWebhookSchema,
    DeliveriesPageArgs,
    DeliverySchema,
    ExhibitorArgs,
    NotificationSchema,
    NotificationsPageArgs,
    WebhookArgs,
    WebhookPayload,
    WebhookSchema,
)
from services.registration.events import AttendeeRegistered
from services.sessions.events import SessionStarting

log = logging.getLogger(__name__)

HOLDERS_PAGE_SIZE = 1000
EMAIL_BATCH_SIZE = 50
WEBHOOK_CONCURRENCY = 50
# a claimed delivery is not claimed again for this long after its timeout, so a
# replica that dies mid-delivery delays it, never loses it
WEBHOOK_LEASE_MARGIN_SECONDS = 30


def feed_item(attendee_id, kind, title, body, data, dedupe_key, created_at):
    return {
        "id": new_id(),
        "attendee_id": attendee_id,
        "kind": kind,
        "title": title,
        "body": body,
        "data": data,
        "dedupe_key": dedupe_key,
        "created_at": created_at,
    }


class NotificationsService(OpsEndpoints):
    name = "notifications"

    config = Config()
    db = Database()
    outbox = OutboxRelay()
    observability = Observability()
    sessions = TimedRpcProxy("sessions")
    webhook_senders = GreenThreads(WEBHOOK_CONCURRENCY)

    # -- the feed --------------------------------------------------------------------

    @rpc
    def list_notifications(self, attendee_id, limit=None, cursor=None):
        """An attendee's feed, newest first, with the number of unread items."""
        args = load_args(NotificationsPageArgs, attendee_id=attendee_id, limit=limit, cursor=cursor)
        mine = Notification.attendee_id == args["attendee_id"]
        rows = self.db.scalars(
            newest_first(
                select(Notification).where(mine), Notification, args["cursor"], args["limit"]
            )
        ).all()
        unread = self.db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(mine, Notification.read_at.is_(None))
        )
        page = keyset_page(rows, args["limit"], NotificationSchema().dump, creation_key)
        return {**page, "unread_count": unread}

    # -- webhook endpoints -----------------------------------------------------------

    @rpc
    def create_webhook(self, exhibitor_id, payload):
        exhibitor_id = load_args(ExhibitorArgs, exhibitor_id=exhibitor_id)["exhibitor_id"]
        fields = load_or_invalid(WebhookPayload, payload)
        if not flag(self.config, "WEBHOOK_ALLOW_PRIVATE_URLS"):
            webhooks.refuse_private_url(fields["url"])
        endpoint = WebhookEndpoint(
            exhibitor_id=exhibitor_id,
            url=fields["url"],
            events=sorted(set(fields["events"])),
            secret=webhooks.new_secret(),
            created_at=utcnow(),
        )
        self.db.add(endpoint)
        self.db.flush()
        return CreatedWebhookSchema().dump(endpoint)

    @rpc
    def list_webhooks(self, exhibitor_id):
        exhibitor_id = load_args(ExhibitorArgs, exhibitor_id=exhibitor_id)["exhibitor_id"]
        endpoints = self.db.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.exhibitor_id == exhibitor_id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        ).all()
        return WebhookSchema(many=True).dump(endpoints)

    @rpc
    def delete_webhook(self, exhibitor_id, webhook_id):
        """Delete an endpoint with its deliveries and their attempts."""
        endpoint = self._endpoint(exhibitor_id, webhook_id)
        deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
        self.db.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(deliveries)))
        self.db.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
        self.db.delete(endpoint)

    @rpc
    def list_deliveries(self, exhibitor_id, webhook_id, limit=None, cursor=None):
        """An endpoint's deliveries, newest first, each with every attempt made."""
        args = load_args(
            DeliveriesPageArgs,
            exhibitor_id=exhibitor_id,
            webhook_id=webhook_id,
            limit=limit,
            cursor=cursor,
        )
        endpoint = self._endpoint(args["exhibitor_id"], args["webhook_id"])
        query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        rows = self.db.scalars(
            newest_first(query, WebhookDelivery, args["cursor"], args["limit"])
        ).all()
        attempts = self._attempts_by_delivery([row.id for row in rows[: args["limit"]]])

        def dump(delivery):
            return {
                **DeliverySchema(exclude=["attempts"]).dump(delivery),
                "attempts": AttemptSchema(many=True).dump(attempts.get(delivery.id, [])),
            }

        return keyset_page(rows, args["limit"], dump, creation_key)

    def _endpoint(self, exhibitor_id, webhook_id):
        args = load_args(WebhookArgs, exhibitor_id=exhibitor_id, webhook_id=webhook_id)
        endpoint = self.db.get(WebhookEndpoint, args["webhook_id"])
        # another exhibitor's endpoint is as absent as a missing one
        if endpoint is None or endpoint.exhibitor_id != args["exhibitor_id"]:
            raise NotFound("No such webhook.")
        return endpoint

    def _attempts_by_delivery(self, delivery_ids):
        attempts = {}
        for attempt in self.db.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id.in_(delivery_ids))
            .order_by(DeliveryAttempt.attempted_at, DeliveryAttempt.id)
        ):
            attempts.setdefault(attempt.delivery_id, []).append(attempt)
        return attempts

    # -- consumers: they only write rows ---------------------------------------------

    @consume(AttendeeRegistered)
    def on_attendee_registered(self, event):
        """Welcome the attendee in their feed and by email."""
        attendee, now = event.data, utcnow()
        welcome = feed_item(
            attendee["attendee_id"],
            "registration_confirmed",
            "Welcome to Plenary",
            f"You are registered, {attendee['full_name']}. Build your agenda and visit the expo.",
            {"ticket_type": attendee["ticket_type"]},
            "registration_confirmed",
            now,
        )
        insert_ignoring_duplicates(
            self.db, Notification.__table__, [welcome], ["attendee_id", "dedupe_key"]
        )
        subject, text_body, html_body = emails.welcome_email(attendee)
        email = {
            "id": new_id(),
            "to_address": attendee["email"],
            "subject": subject,
            "text_body": text_body,
            "html_body": html_body,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "dedupe_key": f"registration_confirmed:{attendee['attendee_id']}",
        }
        insert_ignoring_duplicates(self.db, OutgoingEmail.__table__, [email], ["dedupe_key"])

    @consume(SessionStarting)
    def on_session_starting(self, event):
        """One feed item for every attendee with the session in their agenda."""
        session, now = event.data, utcnow()
        title = f"Starting soon: {session['title']}"
        body = f"{session['title']} starts at {session['starts_at']:%H:%M} UTC."
        data = {
            "session_id": session["session_id"],
            "track": session["track"],
            "kind": session["kind"],
            "starts_at": session["starts_at"].isoformat(),
        }
        for attendee_ids in self._agenda_holders(session["session_id"]):
            rows = [
                feed_item(attendee_id, "session_starting", title, body, data, event.id, now)
                for attendee_id in attendee_ids
            ]
            insert_ignoring_duplicates(
                self.db, Notification.__table__, rows, ["attendee_id", "dedupe_key"]
            )

    def _agenda_holders(self, session_id):
        """Pages of attendee ids; none if the session is gone."""
        cursor = None
        while True:
            try:
                holders = self.sessions.agenda_holders(session_id, cursor, limit=HOLDERS_PAGE_SIZE)
            except NotFound:
                log.warning("session %s is gone: nobody to notify", session_id)
                return
            yield holders["attendee_ids"]
            cursor = holders["next_cursor"]
            if cursor is None:
                return

    @consume(LeadCaptured)
    def on_lead_captured(self, event):
        self._queue_webhook_deliveries(event, "lead.captured", LeadCaptured)

    @consume(LeadUpdated)
    def on_lead_updated(self, event):
        self._queue_webhook_deliveries(event, "lead.updated", LeadUpdated)

    def _queue_webhook_deliveries(self, event, webhook_event_type, schema_cls):
        """One delivery per endpoint of the exhibitor subscribed to this event."""
        data = schema_cls().dump(event.data)
        endpoints = self.db.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.exhibitor_id == data["exhibitor_id"],
                WebhookEndpoint.disabled_at.is_(None),
            )
        ).all()
        body = json.dumps(
            {"type": webhook_event_type, "timestamp": event.occurred_at.isoformat(), "data": data},
            separators=(",", ":"),
        )
        now = utcnow()
        rows = [
            {
                "id": new_webhook_message_id(),
                "endpoint_id": endpoint.id,
                "event_type": webhook_event_type,
                "payload": body,
                "source_event_id": event.id,
                "status": "pending",
                "attempt_count": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for endpoint in endpoints
            if webhook_event_type in endpoint.events
        ]
        insert_ignoring_duplicates(
            self.db, WebhookDelivery.__table__, rows, ["endpoint_id", "source_event_id"]
        )

    # -- timers: the side effects ----------------------------------------------------

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
        send each in its own green thread, which records its outcome itself."""
        timeout = float(self.config["WEBHOOK_TIMEOUT_SECONDS"])
        due = self._claim_due(WebhookDelivery, self.webhook_senders.free())
        if not due:
            return
        lease_until = utcnow() + timedelta(seconds=timeout + WEBHOOK_LEASE_MARGIN_SECONDS)
        endpoints = {
            endpoint.id: endpoint
            for endpoint in self.db.scalars(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.id.in_({delivery.endpoint_id for delivery in due})
                )
            )
        }
        jobs = []
        for delivery in due:
            delivery.next_attempt_at = lease_until
            endpoint = endpoints[delivery.endpoint_id]
            jobs.append(
                webhooks.DeliveryJob(
                    delivery.id,
                    delivery.attempt_count,
                    endpoint.url,
                    endpoint.secret,
                    delivery.payload,
                )
            )
        self.db.commit()
        retry_delays = number_list(self.config, "WEBHOOK_RETRY_DELAYS_SECONDS")
        for job in jobs:
            self.webhook_senders.spawn(
                webhooks.send_and_record, self.db.get_bind(), job, timeout, retry_delays
            )

    def _claim_due(self, model, limit):
        """Due rows of ``model``, locked; other replicas skip them."""
        if limit <= 0:
            return []
        return self.db.scalars(
            select(model)
            .where(model.status == "pending", model.next_attempt_at <= utcnow())
            .order_by(model.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
