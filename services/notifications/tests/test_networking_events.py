"""Notifications for networking: connection requests, batched direct-message email,
meeting reminders at each attendee's lead and their removal on cancellation."""

from datetime import timedelta

import eventlet
from sqlalchemy import select

from contracts.events.networking import (
    AttendeeMeetingAccepted,
    AttendeeMeetingCancelled,
    ConnectionRequested,
    DirectMessageSent,
)
from contracts.events.registration import AttendeeRegistered
from plumbing.events import utcnow
from plumbing.testing import count_rows, wait_until
from services.notifications.models import Notification, OutgoingEmail

PEOPLE = {"att-ada": "Ada Archivist", "att-ben": "Ben Curator"}


def register(publish, db):
    for attendee_id, name in PEOPLE.items():
        publish(
            AttendeeRegistered,
            {
                "attendee_id": attendee_id,
                "email": f"{attendee_id}@example.org",
                "full_name": name,
                "ticket_type": "member",
                "consent": {"share_with_exhibitors": False},
                "registered_at": utcnow(),
            },
        )
    wait_until(lambda: count_rows(db, OutgoingEmail, OutgoingEmail.kind == "welcome") == 2)


def emails_of(db, kind):
    db.rollback()
    return db.scalars(select(OutgoingEmail).where(OutgoingEmail.kind == kind)).all()


def test_a_connection_request_reaches_the_feed_and_mail(notifications, publish, db_session):
    notifications()
    db = db_session("notifications")
    register(publish, db)
    publish(
        ConnectionRequested,
        {
            "request_id": "req-1",
            "requester_id": "att-ada",
            "requester_name": "Ada Archivist",
            "recipient_id": "att-ben",
            "message": "Let's talk archives",
            "requested_at": utcnow(),
        },
    )
    wait_until(lambda: emails_of(db, "connection_requested"))
    item = db.scalars(select(Notification).where(Notification.kind == "connection_requested")).one()
    assert item.attendee_id == "att-ben" and "Ada Archivist" in item.title


def test_direct_messages_are_mailed_once_per_window_at_its_end(notifications, publish, db_session):
    notifications(DM_EMAIL_WINDOW_SECONDS=3600)
    db = db_session("notifications")
    register(publish, db)
    sent_at = utcnow()
    for n in range(3):
        publish(
            DirectMessageSent,
            {
                "message_id": f"dm-{n}",
                "conversation_id": "conv-1",
                "sender_id": "att-ada",
                "sender_name": "Ada Archivist",
                "recipient_id": "att-ben",
                "body": f"message {n}",
                "sent_at": sent_at + timedelta(seconds=n),
            },
        )
    wait_until(lambda: count_rows(db, OutgoingEmail, OutgoingEmail.kind == "direct_message"))
    eventlet.sleep(1)  # the other two have had their chance to add a second email
    (email,) = emails_of(db, "direct_message")
    assert email.to_address == "att-ben@example.org"
    window_end = sent_at + timedelta(seconds=3600 - sent_at.timestamp() % 3600)
    assert (
        email.next_attempt_at > sent_at
        and abs((email.next_attempt_at - window_end).total_seconds()) < 5
    )
    assert "message 0" not in email.text_body  # the body stays in the inbox
    assert count_rows(db, Notification, Notification.kind == "direct_message") == 0


def test_meeting_reminders_follow_preferences_and_go_when_cancelled(
    notifications, publish, db_session
):
    service = notifications(SESSION_REMINDER_LEAD_SECONDS=900)
    db = db_session("notifications")
    register(publish, db)
    service.update_preferences("att-ben", {"reminder_minutes_before": 60})
    starts_at = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    people = {
        "meeting_id": "meet-1",
        "organizer_id": "att-ada",
        "organizer_name": "Ada Archivist",
        "invitee_id": "att-ben",
        "invitee_name": "Ben Curator",
    }
    publish(
        AttendeeMeetingAccepted,
        {**people, "starts_at": starts_at, "ends_at": starts_at + timedelta(minutes=30)},
    )
    wait_until(lambda: len(emails_of(db, "attendee_meeting_reminder")) == 2)
    due = {e.to_address: e.next_attempt_at for e in emails_of(db, "attendee_meeting_reminder")}
    assert due == {
        "att-ada@example.org": starts_at - timedelta(minutes=15),
        "att-ben@example.org": starts_at - timedelta(minutes=60),
    }
    publish(
        AttendeeMeetingCancelled,
        {**people, "cancelled_by": "att-ben", "starts_at": starts_at},
    )
    wait_until(lambda: not emails_of(db, "attendee_meeting_reminder"), what="reminders gone")
    wait_until(
        lambda: (
            db.scalars(
                select(Notification.attendee_id).where(Notification.title.contains("cancelled"))
            ).all()
            == ["att-ada"]
        )
    )
