"""Consumers of the networking service's events: connection requests, direct messages
(live at once, mailed at most once per window), meetings between attendees and their
reminders, speed-networking rounds."""

from datetime import timedelta

from sqlalchemy import delete

from contracts.events.networking import (
    AttendeeMeetingAccepted,
    AttendeeMeetingCancelled,
    AttendeeMeetingDeclined,
    AttendeeMeetingProposed,
    ConnectionAccepted,
    ConnectionRequested,
    DirectMessageSent,
    SpeedRoundStarted,
)
from contracts.live import LiveDirectMessage
from plumbing import replica
from plumbing.consumer import consume
from plumbing.events import utcnow
from services.notifications import emails, fanout
from services.notifications.feed import default_lead_minutes
from services.notifications.models import OutgoingEmail, Preferences


def when(moment):
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def reminder_key(meeting_id):
    return f"attendee_meeting_reminder:{meeting_id}"


def email_if_wanted(session, attendee_id, kind, title, body, dedupe_key, send_at):
    """Queue one email to the attendee at ``send_at`` if they are active and want it."""
    attendee = replica.get(session, attendee_id)
    preferences = session.get(Preferences, attendee_id)
    if attendee is None or not attendee.active or not fanout.wants(preferences, kind, "email"):
        return
    row = emails.email_row(
        attendee.email,
        "notification",
        {"kind": kind, "title": title, "body": body, "full_name": attendee.full_name},
        dedupe_key,
        utcnow(),
        attendee_id=attendee_id,
        send_at=send_at,
    )
    fanout.queue_emails(session, [row])


class NetworkingConsumers:
    """Mixin: the consumers of the networking service's events."""

    @consume(ConnectionRequested)
    def on_connection_requested(self, event):
        request = event.data
        note = f" “{request['message']}”" if request["message"] else ""
        fanout.notify(
            self.db,
            self.live,
            [request["recipient_id"]],
            "connection_requested",
            f"{request['requester_name']} wants to connect",
            f"{request['requester_name']} asked to connect with you on Plenary.{note}",
            {"request_id": request["request_id"], "attendee_id": request["requester_id"]},
            f"connection_requested:{request['request_id']}:{request['requested_at'].isoformat()}",
        )

    @consume(ConnectionAccepted)
    def on_connection_accepted(self, event):
        accepted = event.data
        fanout.notify(
            self.db,
            self.live,
            [accepted["requester_id"]],
            "connection_accepted",
            f"You are connected with {accepted['recipient_name']}",
            f"{accepted['recipient_name']} accepted your request: you can now message "
            "each other and see each other's email.",
            {"attendee_id": accepted["recipient_id"]},
            f"connection_accepted:{accepted['request_id']}:{accepted['accepted_at'].isoformat()}",
        )

    @consume(DirectMessageSent)
    def on_direct_message_sent(self, event):
        """Live to both people's streams at once; to the recipient's inbox by email at
        most once per DM_EMAIL_WINDOW_SECONDS, at the window's end."""
        message = event.data
        self.live.send(
            LiveDirectMessage().dump(
                {
                    "attendee_ids": [message["recipient_id"], message["sender_id"]],
                    "message": message,
                }
            )
        )
        recipient = event.data["recipient_id"]
        window = float(self.config["DM_EMAIL_WINDOW_SECONDS"])
        sent_at = event.data["sent_at"]
        window_index = int(sent_at.timestamp() // window)
        window_end = sent_at + timedelta(seconds=window - sent_at.timestamp() % window)
        email_if_wanted(
            self.db,
            recipient,
            "direct_message",
            "You have new messages on Plenary",
            f"{message['sender_name']} and maybe others wrote to you. Open your messages "
            "on Plenary to read and answer them.",
            f"direct_message:{recipient}:{window_index}",
            window_end,
        )

    @consume(AttendeeMeetingProposed)
    def on_attendee_meeting_proposed(self, event):
        meeting = event.data
        times = ", ".join(when(slot["starts_at"]) for slot in meeting["slots"])
        fanout.notify(
            self.db,
            self.live,
            [meeting["invitee_id"]],
            "attendee_meeting_proposed",
            f"{meeting['organizer_name']} proposes a meeting",
            f"{meeting['organizer_name']} would like to meet you: {times}. Accept one "
            "of the times or decline on Plenary.",
            {"meeting_id": meeting["meeting_id"]},
            f"attendee_meeting_proposed:{meeting['meeting_id']}",
        )

    @consume(AttendeeMeetingAccepted)
    def on_attendee_meeting_accepted(self, event):
        """Both are told now, and both are reminded before it starts (each at their own
        reminder_minutes_before, by email as they prefer)."""
        meeting = event.data
        both = [meeting["organizer_id"], meeting["invitee_id"]]
        fanout.notify(
            self.db,
            self.live,
            [meeting["organizer_id"]],
            "attendee_meeting_changed",
            f"Meeting confirmed with {meeting['invitee_name']}",
            f"{meeting['invitee_name']} accepted: {when(meeting['starts_at'])}.",
            {"meeting_id": meeting["meeting_id"], "status": "accepted"},
            f"attendee_meeting_accepted:{meeting['meeting_id']}",
        )
        lead = default_lead_minutes(self.config)
        for attendee_id in both:
            other = meeting["invitee_name"] if attendee_id == both[0] else meeting["organizer_name"]
            preferences = self.db.get(Preferences, attendee_id)
            minutes = (preferences.reminder_minutes_before if preferences else None) or lead
            email_if_wanted(
                self.db,
                attendee_id,
                "attendee_meeting_reminder",
                f"Soon: your meeting with {other}",
                f"Your meeting with {other} starts at {when(meeting['starts_at'])}.",
                f"{reminder_key(meeting['meeting_id'])}:{attendee_id}:"
                f"{meeting['starts_at'].isoformat()}",
                meeting["starts_at"] - timedelta(minutes=minutes),
            )

    @consume(AttendeeMeetingDeclined)
    def on_attendee_meeting_declined(self, event):
        meeting = event.data
        fanout.notify(
            self.db,
            self.live,
            [meeting["organizer_id"]],
            "attendee_meeting_changed",
            f"Meeting declined by {meeting['invitee_name']}",
            f"{meeting['invitee_name']} cannot meet at the times you proposed.",
            {"meeting_id": meeting["meeting_id"], "status": "declined"},
            f"attendee_meeting_declined:{meeting['meeting_id']}",
        )

    @consume(AttendeeMeetingCancelled)
    def on_attendee_meeting_cancelled(self, event):
        """Unsent reminders go; the other person is told (not after a block)."""
        meeting = event.data
        self.db.execute(
            delete(OutgoingEmail).where(
                OutgoingEmail.dedupe_key.startswith(reminder_key(meeting["meeting_id"])),
                OutgoingEmail.status == "pending",
            )
        )
        if meeting["cancelled_by"] not in (meeting["organizer_id"], meeting["invitee_id"]):
            return
        by_organizer = meeting["cancelled_by"] == meeting["organizer_id"]
        other = meeting["invitee_id"] if by_organizer else meeting["organizer_id"]
        name = meeting["organizer_name"] if by_organizer else meeting["invitee_name"]
        fanout.notify(
            self.db,
            self.live,
            [other],
            "attendee_meeting_changed",
            f"Meeting cancelled by {name}",
            f"{name} cancelled your meeting.",
            {"meeting_id": meeting["meeting_id"], "status": "cancelled"},
            f"attendee_meeting_cancelled:{meeting['meeting_id']}",
        )

    @consume(SpeedRoundStarted)
    def on_speed_round_started(self, event):
        speed_round = event.data
        fanout.notify(
            self.db,
            self.live,
            speed_round["attendee_ids"],
            "speed_round_started",
            "You have a speed-networking partner",
            f"Your round runs until {when(speed_round['ends_at'])}. Join the room now.",
            {"round_id": speed_round["round_id"], "room_url": speed_round["room_url"]},
            f"speed_round_started:{speed_round['round_id']}",
        )
