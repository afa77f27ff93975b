"""Consumers: they only write rows (the attendee replica, feed items, emails to send,
webhook deliveries); the timers in ``senders.py`` perform the side effects."""

from contracts.enums import LEAD_WITHDRAWN, MEETING_ACCEPTED
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
from contracts.live import LiveChatMessage
from plumbing import replica
from plumbing.consumer import consume
from plumbing.events import utcnow
from services.notifications import emails, fanout, lead_notices, webhooks


class EventConsumers:
    """Mixin: the event handlers, except the fan-out's and GDPR's."""

    @consume(AttendeeRegistered)
    def on_attendee_registered(self, event):
        """Keep the attendee in the replica; welcome them in their feed and by email."""
        attendee, now = event.data, utcnow()
        if not replica.upsert(self.db, attendee, event.occurred_at):
            return
        welcome = fanout.feed_item(
            attendee["attendee_id"],
            "registration_confirmed",
            "Welcome to Plenary",
            f"You are registered, {attendee['full_name']}. Build your agenda and visit the expo.",
            {"ticket_type": attendee["ticket_type"]},
            "registration_confirmed",
            now,
        )
        fanout.insert_feed_items(self.db, self.live, [welcome])
        email = emails.email_row(
            attendee["email"],
            "welcome",
            {"full_name": attendee["full_name"]},
            f"registration_confirmed:{attendee['attendee_id']}",
            now,
            attendee_id=attendee["attendee_id"],
        )
        fanout.queue_emails(self.db, [email])

    @consume(AttendeeUpdated)
    def on_attendee_updated(self, event):
        """Keep the replica; a withdrawn consent to share takes their deliveries back."""
        replica.upsert(self.db, event.data, event.occurred_at)
        attendee_id = event.data["attendee_id"]
        contact = replica.get(self.db, attendee_id)
        if (
            "consent.share_with_exhibitors" in event.data["changed"]
            and contact is not None
            and not contact.share_with_exhibitors
        ):
            lead_notices.retract_deliveries(self.db, attendee_id, LEAD_WITHDRAWN, event)

    @consume(AttendeeCancelled)
    def on_attendee_cancelled(self, event):
        """A cancelled attendee gets no more announcements."""
        replica.deactivate(self.db, event.data["attendee_id"], event.occurred_at)

    @consume(LoginLinkRequested)
    def on_login_link_requested(self, event):
        """Mail the code; the stored row holds a marker in its place (emails.email_row)."""
        request, now = event.data, utcnow()
        if replica.is_erased(self.db, [request["attendee_id"]]):
            return
        code = request["code"]
        context = {
            "purpose": request["purpose"],
            "full_name": request["full_name"],
            "link": request["link"].replace(code, emails.SECRET_MARKER),
            "code": emails.SECRET_MARKER,
            "expires_at": f"{request['expires_at']:%Y-%m-%d %H:%M} UTC",
        }
        email = emails.email_row(
            request["email"],
            "login_link",
            context,
            f"login_link:{event.id}",
            now,
            attendee_id=request["attendee_id"],
            secret=code,
        )
        fanout.queue_emails(self.db, [email])

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

    def _fan_out_to_agenda_holders(self, session_event, kind, title, body, dedupe_key):
        fanout.fan_out_to_agenda_holders(
            self.db,
            self.sessions,
            fanout.batch_size(self.config),
            session_event,
            kind,
            title,
            body,
            dedupe_key,
        )

    @consume(MessagePosted)
    def on_message_posted(self, event):
        """Chat and questions go to the live streams of those following the session."""
        message = {"session_id": event.data["session_id"], "message": event.data}
        self.live.send(LiveChatMessage().dump(message))

    @consume(MeetingRequested)
    def on_meeting_requested(self, event):
        meeting = event.data
        exhibitor = meeting["exhibitor_name"] or "the exhibitor"
        fanout.notify(
            self.db,
            self.live,
            [meeting["attendee_id"]],
            "meeting_requested",
            f"Meeting request sent to {exhibitor}",
            f"{exhibitor} has your meeting request and will answer it here.",
            {"meeting_id": meeting["meeting_id"], "exhibitor_id": meeting["exhibitor_id"]},
            f"meeting_requested:{meeting['meeting_id'] or event.id}",
        )
        webhooks.queue_deliveries(self.db, event, "meeting.requested", MeetingRequested)

    @consume(MeetingAnswered)
    def on_meeting_answered(self, event):
        meeting = event.data
        accepted = meeting["status"] == MEETING_ACCEPTED
        when = meeting["accepted_time"]
        body = f"{meeting['exhibitor_name']} {meeting['status']} your meeting request"
        body += f" for {when:%Y-%m-%d %H:%M} UTC." if accepted and when else "."
        if meeting["message"]:
            body += f" {meeting['message']}"
        fanout.notify(
            self.db,
            self.live,
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
        webhooks.queue_deliveries(self.db, event, "meeting.answered", MeetingAnswered)

    @consume(LeadCaptured)
    def on_lead_captured(self, event):
        lead_notices.queue_lead_deliveries(self.db, event, "lead.captured", LeadCaptured)

    @consume(LeadUpdated)
    def on_lead_updated(self, event):
        lead_notices.queue_lead_deliveries(self.db, event, "lead.updated", LeadUpdated)
