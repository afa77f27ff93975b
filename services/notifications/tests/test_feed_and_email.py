"""The welcome (feed + email), session reminders and the feed itself."""

import email
from datetime import UTC, datetime, timedelta

from nameko.rpc import rpc
from sqlalchemy import select

from contracts.errors import NotFound
from contracts.events.registration import AttendeeRegistered
from contracts.events.sessions import SessionStarting
from plumbing.consumer import processed_events
from plumbing.testing import count_rows, free_port, wait_until
from services.notifications.models import Notification, OutgoingEmail

ALICE = {
    "attendee_id": "att-alice",
    "email": "alice@example.org",
    "full_name": "Alice <Archivist>",
    "organization": "City Museum",
    "ticket_type": "member",
    "consent": {"share_with_exhibitors": True},
    "registered_at": datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
}


def emails(db):
    db.rollback()
    return db.scalars(select(OutgoingEmail)).all()


def test_registration_welcomes_in_feed_and_by_email(notifications, publish, smtp_sink, db_session):
    service = notifications(SMTP_PORT=smtp_sink.port, MAIL_FROM="Plenary <hello@plenary.test>")

    publish(AttendeeRegistered, ALICE)

    [message] = wait_until(smtp_sink.messages)
    assert message["To"] == "alice@example.org"
    assert message["From"] == "Plenary <hello@plenary.test>"
    assert "confirmed" in message["Subject"]
    parsed = email.message_from_bytes(message.as_bytes())
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in parsed.walk()
        if not part.is_multipart()
    }
    assert "Hello Alice <Archivist>," in parts["text/plain"]
    assert "Hello Alice &lt;Archivist&gt;," in parts["text/html"]

    feed = service.list_notifications("att-alice")
    assert [item["kind"] for item in feed["items"]] == ["registration_confirmed"]
    assert feed["items"][0]["read"] is False
    assert feed["unread_count"] == 1
    assert feed["next_cursor"] is None
    [sent] = wait_until(
        lambda: [e for e in emails(db_session("notifications")) if e.status == "sent"]
    )
    assert sent.attempts == 1 and sent.sent_at is not None


def test_redelivered_registration_welcomes_once(notifications, publish, smtp_sink, db_session):
    notifications(SMTP_PORT=smtp_sink.port)

    envelope = publish(AttendeeRegistered, ALICE)
    publish(AttendeeRegistered, envelope=envelope)  # the same event, delivered twice
    publish(AttendeeRegistered, ALICE)  # another event about the same registration

    wait_until(smtp_sink.messages)
    db = db_session("notifications")
    wait_until(lambda: count_rows(db, OutgoingEmail, OutgoingEmail.status == "sent"))
    assert count_rows(db, Notification) == 1
    assert count_rows(db, OutgoingEmail) == 1
    assert len(smtp_sink.messages()) == 1


def test_email_waits_for_the_smtp_server_to_come_up(notifications, publish, smtp_sink, db_session):
    smtp_sink.stop()  # nothing listens on its port until it starts again
    notifications(SMTP_PORT=smtp_sink.port, EMAIL_RETRY_DELAYS_SECONDS="0.3,0.3,0.3,0.3")
    publish(AttendeeRegistered, ALICE)

    db = db_session("notifications")
    [first_failure] = wait_until(lambda: [e for e in emails(db) if e.attempts >= 1])
    assert first_failure.status == "pending"
    assert "Connection" in first_failure.last_error or "refused" in first_failure.last_error

    smtp_sink.start()
    [message] = wait_until(smtp_sink.messages)
    assert message["To"] == "alice@example.org"
    [sent] = wait_until(lambda: [e for e in emails(db) if e.status == "sent"])
    assert sent.attempts >= 2


def test_email_is_given_up_after_five_attempts(notifications, publish, db_session):
    notifications(SMTP_PORT=free_port(), EMAIL_RETRY_DELAYS_SECONDS="0.05,0.05,0.05,0.05")
    publish(AttendeeRegistered, ALICE)

    db = db_session("notifications")
    [failed] = wait_until(lambda: [e for e in emails(db) if e.status == "failed"])
    assert failed.attempts == 5
    assert failed.next_attempt_at is None


HOLDERS = [f"att-{number:05d}" for number in range(3000)]


class FakeSessions:
    """Stands in for the sessions service: agenda_holders over a fixed list."""

    name = "sessions"
    calls = []

    @rpc
    def agenda_holders(self, session_id, cursor=None, limit=1000):
        FakeSessions.calls.append((session_id, cursor, limit))
        if session_id != "ses-1":
            raise NotFound("No such session.")
        start = int(cursor or 0)
        next_cursor = str(start + limit) if start + limit < len(HOLDERS) else None
        return {"attendee_ids": HOLDERS[start : start + limit], "next_cursor": next_cursor}


STARTING = {
    "session_id": "ses-1",
    "title": "Reinspire: museums after the pandemic",
    "track": "reinspire",
    "kind": "keynote",
    "starts_at": datetime(2026, 5, 4, 14, 0, tzinfo=UTC),
    "ends_at": datetime(2026, 5, 4, 15, 0, tzinfo=UTC),
}


def test_session_starting_reaches_every_agenda_holder_once(
    notifications, publish, container_factory, rabbit_config, db_session
):
    FakeSessions.calls.clear()
    container_factory(FakeSessions, dict(rabbit_config)).start()
    service = notifications()

    envelope = publish(SessionStarting, STARTING)
    publish(SessionStarting, envelope=envelope)

    db = db_session("notifications")
    is_reminder = Notification.kind == "session_starting"
    wait_until(lambda: count_rows(db, Notification, is_reminder) == len(HOLDERS))
    wait_until(lambda: len(FakeSessions.calls) >= 3)
    assert [cursor for _, cursor, _ in FakeSessions.calls] == [None, "1000", "2000"]
    assert count_rows(db, Notification, is_reminder) == len(HOLDERS)

    feed = service.list_notifications("att-02999")
    [reminder] = feed["items"]
    assert reminder["title"] == "Starting soon: Reinspire: museums after the pandemic"
    assert reminder["data"]["session_id"] == "ses-1"
    assert "14:00" in reminder["body"]
    assert service.list_notifications("att-someone-else")["items"] == []


def test_session_gone_notifies_nobody(
    notifications, publish, container_factory, rabbit_config, db_session
):
    container_factory(FakeSessions, dict(rabbit_config)).start()
    notifications()

    envelope = publish(SessionStarting, {**STARTING, "session_id": "ses-deleted"})

    db = db_session("notifications")
    # handled (not retried): its id is recorded only when the handler succeeded
    wait_until(
        lambda: count_rows(db, processed_events, processed_events.c.event_id == envelope["id"])
    )
    assert count_rows(db, Notification) == 0


def add_notifications(db, attendee_id, count, read=()):
    base = datetime(2026, 5, 1, tzinfo=UTC)
    for number in range(count):
        db.add(
            Notification(
                id=f"{attendee_id}-{number:03d}",
                attendee_id=attendee_id,
                kind="announcement",
                title=f"Announcement {number}",
                body="",
                data={},
                # pairs share a timestamp: the id breaks the tie
                created_at=base + timedelta(minutes=number // 2),
                read_at=base if number in read else None,
                dedupe_key=f"a{number}",
            )
        )
    db.commit()


def test_feed_pages_newest_first_with_unread_count(notifications, db_session):
    service = notifications()
    db = db_session("notifications")
    add_notifications(db, "att-bob", 7, read={0, 3})
    add_notifications(db, "att-carol", 1)

    seen, cursor = [], None
    while True:
        feed = service.list_notifications("att-bob", limit=3, cursor=cursor)
        assert len(feed["items"]) <= 3
        assert feed["unread_count"] == 5
        seen += [item["id"] for item in feed["items"]]
        cursor = feed["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"att-bob-{number:03d}" for number in reversed(range(7))]
    assert service.list_notifications("att-bob", 50)["items"][-1]["read"] is True
