"""Consumers: they only write rows (the attendee replica, feed items, emails to send,
webhook deliveries); the timers in ``senders.py`` perform the side effects."""

import json

from sqlalchemy import select, update

from contracts.events.expo import LeadCaptured, LeadUpdated, MeetingAnswered, MeetingRequested
from contracts.events.registration import (
    AttendeeCancelled,
    AttendeeRegistered,
    AttendeeUpdated,
    LoginLinkRequested,
)
from contracts.events.sessions import (
    MessagePosted,
    SessionCancelled,
    SessionStarting,
    SessionUpdated,
)
from plumbing.consumer import consume
from plumbing.db import insert_ignoring_duplicates, upsertable_insert
from plumbing.events import utcnow
from services.notifications import emails
from services.notifications.fanout import feed_item
from services.notifications.models import (
    AttendeeReplica,
    WebhookDelivery,
    WebhookEndpoint,
    new_webhook_message_id,
)


class Consumers:
    """Mixin: the event handlers, except the fan-out's and GDPR's."""

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
        self._queue_emails([email])

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
        self._queue_emails([email])

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
