"""Notifying attendees: feed items (pushed live) and emails, as each attendee prefers. A
fan-out (a session's agenda holders, every attendee) is split into ``notification_batch``
events, each handled on its own queue."""

import logging
from datetime import timedelta

from sqlalchemy import select

from contracts.errors import NotFound
from contracts.events.notifications import NotificationBatch
from contracts.live import LiveNotification
from contracts.rpc.notifications import PREFERENCE_DEFAULTS
from plumbing import replica
from plumbing.consumer import consume
from plumbing.db import upsertable_insert
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.replica import AttendeeReplica
from plumbing.tokens import new_id
from services.notifications import emails
from services.notifications.models import Notification, OutgoingEmail, Preferences

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


def session_data(session_event):
    return {
        "session_id": session_event["session_id"],
        "title": session_event["title"],
        "track": session_event["track"],
        "kind": session_event["kind"],
        "starts_at": session_event["starts_at"].isoformat(),
        "ends_at": session_event["ends_at"].isoformat(),
    }


def batch_size(config):
    """Recipients per ``notification_batch`` event."""
    return int(config["FANOUT_BATCH_SIZE"])


def fan_out_to_agenda_holders(
    session, sessions, size, session_event, kind, title, body, dedupe_key
):
    """Batches of ``size`` to every attendee with the session of ``session_event`` in
    their agenda, asked of ``sessions`` (an RPC proxy) page by page."""
    starts_at = session_event["starts_at"] if kind == "session_starting" else None
    data = session_data(session_event)
    for attendee_ids in agenda_holders(sessions, session_event["session_id"], size):
        emit_batch(session, attendee_ids, kind, title, body, data, dedupe_key, starts_at)


def agenda_holders(sessions, session_id, size):
    """Pages of attendee ids; none if the session is gone."""
    cursor = None
    while True:
        try:
            holders = sessions.agenda_holders(session_id, cursor, limit=size)
        except NotFound:
            log.warning("session %s is gone: nobody to notify", session_id)
            return
        yield holders["attendee_ids"]
        cursor = holders["next_cursor"]
        if cursor is None:
            return


def emit_batch(session, attendee_ids, kind, title, body, data, dedupe_key, starts_at=None):
    # whoever listed the recipients (sessions, by RPC) may not have handled an erasure
    # this service has: no batch stores an erased attendee's id (narrows that race)
    erased = replica.is_erased(session, attendee_ids)
    attendee_ids = [attendee_id for attendee_id in attendee_ids if attendee_id not in erased]
    if not attendee_ids:
        return
    emit(
        session,
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


def notify(session, live, attendee_ids, kind, title, body, data, dedupe_key, starts_at=None):
    """Feed items (pushed to ``live``) and emails for ``attendee_ids``, as each prefers."""
    now = utcnow()
    recipients = set(attendee_ids) - replica.is_erased(session, attendee_ids)
    preferences = {
        row.attendee_id: row
        for row in session.scalars(
            select(Preferences).where(Preferences.attendee_id.in_(list(recipients)))
        )
    }
    items = [
        feed_item(attendee_id, kind, title, body, data, dedupe_key, now)
        for attendee_id in sorted(recipients)
        if wants(preferences.get(attendee_id), kind, "feed")
    ]
    insert_feed_items(session, live, items)
    by_email = [a for a in recipients if wants(preferences.get(a), kind, "email")]
    if not by_email:
        return
    context = {"kind": kind, "title": title, "body": body}
    letter = emails.renderer("notification", context, "full_name")  # once a batch
    addressed = session.execute(
        select(AttendeeReplica.attendee_id, AttendeeReplica.email, AttendeeReplica.full_name)
        .where(AttendeeReplica.attendee_id.in_(by_email), AttendeeReplica.active)
        .order_by(AttendeeReplica.attendee_id)
    )
    rows = [
        emails.email_row(
            email,
            "notification",
            context,
            f"{dedupe_key}:{attendee_id}",
            now,
            attendee_id=attendee_id,
            send_at=reminder_time(starts_at, preferences.get(attendee_id)),
            rendered=letter(full_name),
        )
        for attendee_id, email, full_name in addressed
    ]
    queue_emails(session, rows)


def queue_emails(session, rows):
    """Queue emails for the email timer; one whose dedupe key is queued already is skipped.
    Many rows go as one executemany, compiled once and sent as multi-row INSERTs: the
    RETURNING is what makes SQLAlchemy batch them (insertmanyvalues; without it, an INSERT
    with ON CONFLICT is sent row by row, a round trip each)."""
    if not rows:
        return
    table = OutgoingEmail.__table__
    statement = (
        upsertable_insert(session, table)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.id)
    )
    session.execute(statement, rows)


def reminder_time(starts_at, preferences):
    if starts_at is None or preferences is None or not preferences.reminder_minutes_before:
        return None
    return starts_at - timedelta(minutes=preferences.reminder_minutes_before)


def insert_feed_items(session, live, items):
    """Insert feed items (a duplicate dedupe key is skipped) and push the new ones to
    the live streams, once the transaction has committed."""
    if not items:
        return
    table = Notification.__table__
    # executemany ... RETURNING: compiled once, sent as multi-row INSERTs (insertmanyvalues)
    inserted = session.execute(
        upsertable_insert(session, table)
        .on_conflict_do_nothing(index_elements=["attendee_id", "dedupe_key"])
        .returning(table.c.attendee_id, table.c.id),
        items,
    ).all()
    if not inserted:
        return
    first = items[0]  # a batch shares everything but the attendee and the id
    live.send(
        LiveNotification().dump(
            {
                "notification": {**first, "read": False},
                "recipients": {attendee_id: item_id for attendee_id, item_id in inserted},
            }
        )
    )


class BatchConsumers:
    """Mixin: the ``notification_batch`` consumer."""

    @consume(NotificationBatch)
    def on_notification_batch(self, event):
        batch = event.data
        notify(
            self.db,
            self.live,
            batch["attendee_ids"],
            batch["kind"],
            batch["title"],
            batch["body"],
            batch["data"],
            batch["dedupe_key"],
            batch["starts_at"],
        )
