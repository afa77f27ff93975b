"""The fan-out: recipients are split into ``notification_batch`` events, each handled
on its own queue into feed items (pushed live) and emails, as each attendee prefers."""

import logging
from datetime import timedelta

from sqlalchemy import select

from contracts.errors import NotFound
from contracts.events.notifications import NotificationBatch
from contracts.rpc.notifications import PREFERENCE_DEFAULTS
from plumbing.consumer import consume
from plumbing.db import insert_ignoring_duplicates, upsertable_insert
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.tokens import new_id
from services.notifications import emails
from services.notifications.models import AttendeeReplica, Notification, OutgoingEmail, Preferences

log = logging.getLogger(__name__)


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


def session_data(session):
    return {
        "session_id": session["session_id"],
        "title": session["title"],
        "track": session["track"],
        "kind": session["kind"],
        "starts_at": session["starts_at"].isoformat(),
        "ends_at": session["ends_at"].isoformat(),
    }


class FanOut:
    """Mixin: batches to agenda holders, and notifying a batch's attendees."""

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
        self._queue_emails(rows)

    def _queue_emails(self, rows):
        """Queue emails for the email timer; one whose dedupe key is queued already is skipped."""
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
