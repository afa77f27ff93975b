"""Notifications: the attendee feed, preferences, email, the live stream's messages, and
exhibitor webhooks.

Consumers only write rows, in the event's transaction (feed items, emails to send,
webhook deliveries); timers perform the external side effects and record the outcome.
So a redelivered event sends nothing twice, and nothing is lost while SMTP or a
receiver is down. A fan-out (a session's agenda holders, every attendee) is split into
``notification_batch`` events handled on their own queue; feed items and emails carry a
dedupe key, so each recipient is notified once however often a batch is handled.
"""

import json
import logging
import smtplib
from datetime import timedelta

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from sqlalchemy import delete, func, select, tuple_, update

from plumbing.config import flag, number_list
from plumbing.consumer import consume
from plumbing.db import Database, insert_ignoring_duplicates, upsertable_insert
from plumbing.errors import Conflict, NotFound
from plumbing.events import utcnow
from plumbing.observability import Observability, OpsEndpoints, metrics
from plumbing.outbox import OutboxRelay, emit, forget_attendee
from plumbing.pagination import creation_key, keyset_page, newest_first
from plumbing.rpc import TimedRpcProxy
from plumbing.schemas import load_args, load_or_invalid
from plumbing.timer import timer_from_config
from plumbing.tokens import new_id
from services.expo.events import LeadCaptured, LeadUpdated, MeetingAnswered, MeetingRequested
from services.notifications import emails, webhooks
from services.notifications.events import NotificationBatch
from services.notifications.extensions import GreenThreads, LivePublisher
from services.notifications.models import (
    AttendeeReplica,
    DeliveryAttempt,
    ErasedAttendee,
    Notification,
    OutgoingEmail,
    Preferences,
    WebhookDelivery,
    WebhookEndpoint,
    new_webhook_message_id,
)
from services.notifications.schemas import (
    PREFERENCE_DEFAULTS,
    AnnouncementPayload,
    AnnouncementSchema,
    AttemptSchema,
    AttendeeArgs,
    CreatedWebhookSchema,
    DeliveriesPageArgs,
    DeliveryArgs,
    DeliverySchema,
    ExhibitorArgs,
    FeedSinceArgs,
    NotificationArgs,
    NotificationSchema,
    NotificationsPageArgs,
    PreferencesPayload,
    PreferencesSchema,
    RotatedSecretSchema,
    WebhookArgs,
    WebhookPayload,
    WebhookSchema,
)
from services.registration.events import (
    AttendeeCancelled,
    AttendeeErased,
    AttendeeRegistered,
    AttendeeUpdated,
    LoginLinkRequested,
)
from services.sessions.events import (
    MessagePosted,
    SessionCancelled,
    SessionStarting,
    SessionUpdated,
)

log = logging.getLogger(__name__)

EMAIL_BATCH_SIZE = 50
WEBHOOK_CONCURRENCY = 50
FEED_SINCE_LIMIT = 200
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


def wants(preferences, kind, channel):
    """Whether an attendee (``preferences`` None: the defaults) wants ``kind`` by ``channel``."""
    chosen = (preferences.channels if preferences else {}).get(kind, {})
    return chosen.get(channel, PREFERENCE_DEFAULTS.get(kind, {}).get(channel, True))


def effective_preferences(preferences, default_lead_minutes):
    channels = {
        kind: {**defaults, **(preferences.channels.get(kind, {}) if preferences else {})}
        for kind, defaults in PREFERENCE_DEFAULTS.items()
    }
    minutes = preferences.reminder_minutes_before if preferences else None
    return {"channels": channels, "reminder_minutes_before": minutes or default_lead_minutes}


def session_data(session):
    return {
        "session_id": session["session_id"],
        "title": session["title"],
        "track": session["track"],
        "kind": session["kind"],
        "starts_at": session["starts_at"].isoformat(),
        "ends_at": session["ends_at"].isoformat(),
    }


class NotificationsService(OpsEndpoints):
    name = "notifications"

    config = Config()
    db = Database()
    outbox = OutboxRelay()
    observability = Observability()
    sessions = TimedRpcProxy("sessions")
    webhook_senders = GreenThreads(WEBHOOK_CONCURRENCY)
    live = LivePublisher()

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
        page = keyset_page(rows, args["limit"], NotificationSchema().dump, creation_key)
        return {**page, "unread_count": self._unread(args["attendee_id"])}

    @rpc
    def feed_since(self, attendee_id, last_event_id):
        """Feed items created after ``last_event_id`` (one of the attendee's items),
        oldest first: what a reconnecting live stream missed."""
        args = load_args(FeedSinceArgs, attendee_id=attendee_id, last_event_id=last_event_id)
        anchor = self.db.get(Notification, args["last_event_id"])
        if anchor is None or anchor.attendee_id != args["attendee_id"]:
            return []
        key = tuple_(Notification.created_at, Notification.id)
        rows = self.db.scalars(
            select(Notification)
            .where(
                Notification.attendee_id == args["attendee_id"],
                key > tuple_(anchor.created_at, anchor.id),
            )
            .order_by(Notification.created_at, Notification.id)
            .limit(FEED_SINCE_LIMIT)
        ).all()
        return NotificationSchema(many=True).dump(rows)

    @rpc
    def mark_read(self, attendee_id, notification_id):
        args = load_args(NotificationArgs, attendee_id=attendee_id, notification_id=notification_id)
        item = self.db.get(Notification, args["notification_id"])
        if item is None or item.attendee_id != args["attendee_id"]:
            raise NotFound("No such notification.")
        if item.read_at is None:
            item.read_at = utcnow()
        return {"unread_count": self._unread(args["attendee_id"])}

    @rpc
    def mark_all_read(self, attendee_id):
        attendee_id = load_args(AttendeeArgs, attendee_id=attendee_id)["attendee_id"]
        self.db.execute(
            update(Notification)
            .where(Notification.attendee_id == attendee_id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
        return {"unread_count": 0}

    def _unread(self, attendee_id):
        return self.db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.attendee_id == attendee_id, Notification.read_at.is_(None))
        )

    # -- preferences -----------------------------------------------------------------

    @rpc
    def get_preferences(self, attendee_id):
        attendee_id = load_args(AttendeeArgs, attendee_id=attendee_id)["attendee_id"]
        preferences = self.db.get(Preferences, attendee_id)
        return effective_preferences(preferences, self._default_lead_minutes())

    @rpc
    def update_preferences(self, attendee_id, payload):
        attendee_id = load_args(AttendeeArgs, attendee_id=attendee_id)["attendee_id"]
        fields = load_or_invalid(PreferencesPayload, payload)
        preferences = self.db.get(Preferences, attendee_id, with_for_update=True)
        if preferences is None:
            preferences = Preferences(attendee_id=attendee_id, channels={})
            self.db.add(preferences)
        channels = dict(preferences.channels)
        for kind, choice in fields.get("channels", {}).items():
            channels[kind] = {**channels.get(kind, {}), **choice}
        preferences.channels = channels
        if "reminder_minutes_before" in fields:
            preferences.reminder_minutes_before = fields["reminder_minutes_before"]
        preferences.updated_at = utcnow()
        self.db.flush()
        return PreferencesSchema().dump(
            effective_preferences(preferences, self._default_lead_minutes())
        )

    def _default_lead_minutes(self):
        return max(1, round(float(self.config["SESSION_REMINDER_LEAD_SECONDS"]) / 60))

    # -- announcements ---------------------------------------------------------------

    @rpc
    def announce(self, payload):
        """An organizer's announcement to every active attendee, in batches."""
        fields = load_or_invalid(AnnouncementPayload, payload)
        announcement = {"id": new_id(), **fields, "created_at": utcnow()}
        recipients, after = 0, ""
        while True:
            attendee_ids = self.db.scalars(
                select(AttendeeReplica.attendee_id)
                .where(AttendeeReplica.active, AttendeeReplica.attendee_id > after)
                .order_by(AttendeeReplica.attendee_id)
                .limit(self._batch_size())
            ).all()
            if not attendee_ids:
                break
            self._emit_batch(
                attendee_ids,
                "announcement",
                fields["title"],
                fields["body"],
                {"announcement_id": announcement["id"]},
                f"announcement:{announcement['id']}",
            )
            recipients += len(attendee_ids)
            after = attendee_ids[-1]
        return AnnouncementSchema().dump({**announcement, "recipients": recipients})

    # -- GDPR ------------------------------------------------------------------------

    @rpc
    def export_attendee(self, attendee_id):
        """Everything held on the attendee: feed, preferences, emails sent to them."""
        attendee_id = load_args(AttendeeArgs, attendee_id=attendee_id)["attendee_id"]
        feed = self.db.scalars(
            select(Notification)
            .where(Notification.attendee_id == attendee_id)
            .order_by(Notification.created_at, Notification.id)
        ).all()
        sent = self.db.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.attendee_id == attendee_id)
            .order_by(OutgoingEmail.created_at, OutgoingEmail.id)
        ).all()
        preferences = self.db.get(Preferences, attendee_id)
        return {
            "feed": NotificationSchema(many=True).dump(feed),
            "preferences": PreferencesSchema().dump(
                effective_preferences(preferences, self._default_lead_minutes())
            ),
            "emails": [
                {
                    "id": email.id,
                    "kind": email.kind,
                    "to_address": email.to_address,
                    "subject": email.subject,
                    "text_body": email.text_body,
                    "status": email.status,
                    "created_at": email.created_at.isoformat(),
                    "sent_at": email.sent_at.isoformat() if email.sent_at else None,
                }
                for email in sent
            ],
        }

    @consume(AttendeeErased)
    def on_attendee_erased(self, event):
        """Delete all personal data held on the attendee; a tombstone keeps late events
        about them from bringing it back."""
        attendee_id = event.data["attendee_id"]
        deliveries = select(WebhookDelivery.id).where(WebhookDelivery.attendee_id == attendee_id)
        self.db.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(deliveries)))
        for model in (WebhookDelivery, OutgoingEmail, Notification, Preferences, AttendeeReplica):
            self.db.execute(delete(model).where(model.attendee_id == attendee_id))
        forget_attendee(self.db, attendee_id)  # sent fan-out batches list the attendee
        insert_ignoring_duplicates(
            self.db,
            ErasedAttendee.__table__,
            [{"attendee_id": attendee_id, "erased_at": event.data["erased_at"]}],
            ["attendee_id"],
        )

    def _erased(self, attendee_ids):
        return set(
            self.db.scalars(
                select(ErasedAttendee.attendee_id).where(
                    ErasedAttendee.attendee_id.in_(attendee_ids)
                )
            )
        )

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
            contact_email=fields["contact_email"],
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
    def rotate_webhook_secret(self, exhibitor_id, webhook_id):
        """A new secret (shown once); the old one also signs until the overlap ends."""
        endpoint = self._endpoint(exhibitor_id, webhook_id, lock=True)
        overlap = float(self.config["WEBHOOK_SECRET_OVERLAP_SECONDS"])
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = utcnow() + timedelta(seconds=overlap)
        endpoint.secret = webhooks.new_secret()
        return RotatedSecretSchema().dump(endpoint)

    @rpc
    def ping_webhook(self, exhibitor_id, webhook_id):
        """Queue a ``webhook.ping`` delivery, whatever the endpoint subscribes to."""
        endpoint = self._enabled_endpoint(exhibitor_id, webhook_id)
        now = utcnow()
        delivery = WebhookDelivery(
            **self._delivery_row(
                endpoint, "webhook.ping", {"webhook_id": endpoint.id}, now, f"ping:{new_id()}"
            )
        )
        self.db.add(delivery)
        self.db.flush()
        return {**DeliverySchema(exclude=["attempts"]).dump(delivery), "attempts": []}

    @rpc
    def retry_delivery(self, exhibitor_id, webhook_id, delivery_id):
        """Send a delivery again now (same webhook-id); one more attempt if it fails."""
        args = load_args(
            DeliveryArgs, exhibitor_id=exhibitor_id, webhook_id=webhook_id, delivery_id=delivery_id
        )
        endpoint = self._enabled_endpoint(args["exhibitor_id"], args["webhook_id"])
        delivery = self.db.get(WebhookDelivery, args["delivery_id"], with_for_update=True)
        if delivery is None or delivery.endpoint_id != endpoint.id:
            raise NotFound("No such delivery.")
        if delivery.status == "pending":
            raise Conflict("This delivery is already waiting to be sent.")
        delivery.status, delivery.next_attempt_at = "pending", utcnow()
        return DeliverySchema(exclude=["attempts"]).dump(delivery)

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

    def _endpoint(self, exhibitor_id, webhook_id, lock=False):
        args = load_args(WebhookArgs, exhibitor_id=exhibitor_id, webhook_id=webhook_id)
        endpoint = self.db.get(WebhookEndpoint, args["webhook_id"], with_for_update=lock)
        # another exhibitor's endpoint is as absent as a missing one
        if endpoint is None or endpoint.exhibitor_id != args["exhibitor_id"]:
            raise NotFound("No such webhook.")
        return endpoint

    def _enabled_endpoint(self, exhibitor_id, webhook_id):
        endpoint = self._endpoint(exhibitor_id, webhook_id)
        if endpoint.disabled_at is not None:
            raise Conflict("This endpoint is disabled; register it again to resume deliveries.")
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
        """Keep the attendee in the replica; welcome them in their feed and by email."""
        attendee, now = event.data, utcnow()
        if not self._replicate(attendee, now):
            return
        welcome = feed_item(
            attendee["attendee_id"],
            "registration_confirmed",
            "Welcome to Plenary",
            f"You are registered, {attendee['full_name']}. Build your agenda and visit the expo.",
            {"ticket_type": attendee["ticket_type"]},
            "registration_confirmed",
            now,
        )
        self._insert_feed_items([welcome])
        email = emails.email_row(
            attendee["email"],
            "welcome",
            {"full_name": attendee["full_name"]},
            f"registration_confirmed:{attendee['attendee_id']}",
            now,
            attendee_id=attendee["attendee_id"],
        )
        insert_ignoring_duplicates(self.db, OutgoingEmail.__table__, [email], ["dedupe_key"])

    @consume(AttendeeUpdated)
    def on_attendee_updated(self, event):
        self._replicate(event.data, utcnow())

    @consume(AttendeeCancelled)
    def on_attendee_cancelled(self, event):
        """A cancelled attendee gets no more announcements."""
        self.db.execute(
            update(AttendeeReplica)
            .where(AttendeeReplica.attendee_id == event.data["attendee_id"])
            .values(active=False, updated_at=utcnow())
        )

    def _replicate(self, attendee, now):
        """Upsert the attendee's name and email; False if they were erased."""
        if self._erased([attendee["attendee_id"]]):
            return False
        row = {
            "attendee_id": attendee["attendee_id"],
            "email": attendee["email"],
            "full_name": attendee["full_name"],
            "active": True,
            "updated_at": now,
        }
        statement = upsertable_insert(self.db, AttendeeReplica.__table__).values(row)
        self.db.execute(
            statement.on_conflict_do_update(
                index_elements=["attendee_id"],
                set_={"email": row["email"], "full_name": row["full_name"], "updated_at": now},
            )
        )
        return True

    @consume(LoginLinkRequested)
    def on_login_link_requested(self, event):
        request, now = event.data, utcnow()
        if self._erased([request["attendee_id"]]):
            return
        context = {
            "full_name": request["full_name"],
            "link": request["link"],
            "code": request["code"],
            "expires_at": f"{request['expires_at']:%Y-%m-%d %H:%M} UTC",
        }
        email = emails.email_row(
            request["email"],
            "login_link",
            context,
            f"login_link:{event.id}",
            now,
            attendee_id=request["attendee_id"],
        )
        insert_ignoring_duplicates(self.db, OutgoingEmail.__table__, [email], ["dedupe_key"])

    @consume(SessionStarting)
    def on_session_starting(self, event):
        """A reminder for every attendee with the session in their agenda."""
        session = event.data
        self._fan_out_to_agenda_holders(
            session,
            "session_starting",
            f"Starting soon: {session['title']}",
            f"{session['title']} starts at {session['starts_at']:%H:%M} UTC.",
            f"session_starting:{session['session_id']}:{session['starts_at'].isoformat()}",
        )

    @consume(SessionUpdated)
    def on_session_updated(self, event):
        """Agenda holders are told when a session moves; other edits are not news."""
        session = event.data
        if not session["moved"]:
            return
        self._fan_out_to_agenda_holders(
            session,
            "session_moved",
            f"Moved: {session['title']}",
            f"{session['title']} now runs {session['starts_at']:%Y-%m-%d %H:%M} to "
            f"{session['ends_at']:%H:%M} UTC (was {session['previous_starts_at']:%Y-%m-%d %H:%M}).",
            f"session_moved:{session['session_id']}:{session['sequence']}",
        )

    @consume(SessionCancelled)
    def on_session_cancelled(self, event):
        session = event.data
        reason = f" {session['reason']}" if session["reason"] else ""
        self._fan_out_to_agenda_holders(
            session,
            "session_cancelled",
            f"Cancelled: {session['title']}",
            f"{session['title']} ({session['starts_at']:%Y-%m-%d %H:%M} UTC) is cancelled.{reason}",
            f"session_cancelled:{session['session_id']}",
        )

    def _fan_out_to_agenda_holders(self, session, kind, title, body, dedupe_key):
        starts_at = session["starts_at"] if kind == "session_starting" else None
        for attendee_ids in self._agenda_holders(session["session_id"]):
            self._emit_batch(
                attendee_ids, kind, title, body, session_data(session), dedupe_key, starts_at
            )

    def _agenda_holders(self, session_id):
        """Pages of attendee ids; none if the session is gone."""
        cursor = None
        while True:
            try:
                holders = self.sessions.agenda_holders(session_id, cursor, limit=self._batch_size())
            except NotFound:
                log.warning("session %s is gone: nobody to notify", session_id)
                return
            yield holders["attendee_ids"]
            cursor = holders["next_cursor"]
            if cursor is None:
                return

    def _batch_size(self):
        return int(self.config["FANOUT_BATCH_SIZE"])

    def _emit_batch(self, attendee_ids, kind, title, body, data, dedupe_key, starts_at=None):
        if not attendee_ids:
            return
        emit(
            self.db,
            NotificationBatch,
            {
                "kind": kind,
                "title": title,
                "body": body,
                "data": data,
                "dedupe_key": dedupe_key,
                "attendee_ids": attendee_ids,
                "starts_at": starts_at,
            },
        )

    @consume(NotificationBatch)
    def on_notification_batch(self, event):
        batch = event.data
        self._notify(
            batch["attendee_ids"],
            batch["kind"],
            batch["title"],
            batch["body"],
            batch["data"],
            batch["dedupe_key"],
            batch["starts_at"],
        )

    def _notify(self, attendee_ids, kind, title, body, data, dedupe_key, starts_at=None):
        """Feed items (pushed live) and emails for ``attendee_ids``, as each prefers."""
        now = utcnow()
        recipients = set(attendee_ids) - self._erased(attendee_ids)
        preferences = {
            row.attendee_id: row
            for row in self.db.scalars(
                select(Preferences).where(Preferences.attendee_id.in_(list(recipients)))
            )
        }
        items = [
            feed_item(attendee_id, kind, title, body, data, dedupe_key, now)
            for attendee_id in sorted(recipients)
            if wants(preferences.get(attendee_id), kind, "feed")
        ]
        self._insert_feed_items(items)
        by_email = [a for a in recipients if wants(preferences.get(a), kind, "email")]
        context = {"kind": kind, "title": title, "body": body}
        rows = [
            emails.email_row(
                attendee.email,
                "notification",
                {**context, "full_name": attendee.full_name},
                f"{dedupe_key}:{attendee.attendee_id}",
                now,
                attendee_id=attendee.attendee_id,
                send_at=self._reminder_time(starts_at, preferences.get(attendee.attendee_id)),
            )
            for attendee in self.db.scalars(
                select(AttendeeReplica).where(
                    AttendeeReplica.attendee_id.in_(by_email), AttendeeReplica.active
                )
            )
        ]
        insert_ignoring_duplicates(self.db, OutgoingEmail.__table__, rows, ["dedupe_key"])

    def _reminder_time(self, starts_at, preferences):
        if starts_at is None or preferences is None or not preferences.reminder_minutes_before:
            return None
        return starts_at - timedelta(minutes=preferences.reminder_minutes_before)

    def _insert_feed_items(self, items):
        """Insert feed items (a duplicate dedupe key is skipped) and push the new ones
        to the live streams, once the transaction has committed."""
        if not items:
            return
        table = Notification.__table__
        inserted = self.db.execute(
            upsertable_insert(self.db, table)
            .values(items)
            .on_conflict_do_nothing(index_elements=["attendee_id", "dedupe_key"])
            .returning(table.c.attendee_id, table.c.id)
        ).all()
        if not inserted:
            return
        first = items[0]  # a batch shares everything but the attendee and the id
        template = {
            "kind": first["kind"],
            "title": first["title"],
            "body": first["body"],
            "created_at": first["created_at"].isoformat(),
            "read": False,
            "data": first["data"],
        }
        self.live.send(
            {
                "type": "notification",
                "notification": template,
                "recipients": {attendee_id: item_id for attendee_id, item_id in inserted},
            }
        )

    @consume(MessagePosted)
    def on_message_posted(self, event):
        """Chat and questions go to the live streams of those following the session."""
        message = MessagePosted().dump(event.data)
        self.live.send({"type": "message", "session_id": message["session_id"], "message": message})

    @consume(MeetingRequested)
    def on_meeting_requested(self, event):
        meeting = event.data
        exhibitor = meeting["exhibitor_name"] or "the exhibitor"
        self._notify(
            [meeting["attendee_id"]],
            "meeting_requested",
            f"Meeting request sent to {exhibitor}",
            f"{exhibitor} has your meeting request and will answer it here.",
            {"meeting_id": meeting["meeting_id"], "exhibitor_id": meeting["exhibitor_id"]},
            f"meeting_requested:{meeting['meeting_id'] or event.id}",
        )
        self._queue_webhook_deliveries(event, "meeting.requested", MeetingRequested)

    @consume(MeetingAnswered)
    def on_meeting_answered(self, event):
        meeting = event.data
        accepted = meeting["status"] == "accepted"
        when = meeting["accepted_time"]
        body = f"{meeting['exhibitor_name']} {meeting['status']} your meeting request"
        body += f" for {when:%Y-%m-%d %H:%M} UTC." if accepted and when else "."
        if meeting["message"]:
            body += f" {meeting['message']}"
        self._notify(
            [meeting["attendee_id"]],
            "meeting_answered",
            f"Meeting {meeting['status']}: {meeting['exhibitor_name']}",
            body,
            {
                "meeting_id": meeting["meeting_id"],
                "exhibitor_id": meeting["exhibitor_id"],
                "status": meeting["status"],
                "accepted_time": when.isoformat() if when else None,
            },
            f"meeting_answered:{meeting['meeting_id']}",
        )
        self._queue_webhook_deliveries(event, "meeting.answered", MeetingAnswered)

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
        rows = [
            self._delivery_row(endpoint, webhook_event_type, data, event.occurred_at, event.id)
            for endpoint in endpoints
            if webhook_event_type in endpoint.events
        ]
        insert_ignoring_duplicates(
            self.db, WebhookDelivery.__table__, rows, ["endpoint_id", "source_event_id"]
        )

    def _delivery_row(self, endpoint, webhook_event_type, data, occurred_at, source_event_id):
        body = json.dumps(
            {"type": webhook_event_type, "timestamp": occurred_at.isoformat(), "data": data},
            separators=(",", ":"),
        )
        attendee_id = data.get("attendee_id") or data.get("attendee", {}).get("attendee_id")
        now = utcnow()
        return {
            "id": new_webhook_message_id(),
            "endpoint_id": endpoint.id,
            "event_type": webhook_event_type,
            "payload": body,
            "source_event_id": source_event_id,
            "attendee_id": attendee_id,
            "status": "pending",
            "attempt_count": 0,
            "next_attempt_at": now,
            "created_at": now,
        }

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
