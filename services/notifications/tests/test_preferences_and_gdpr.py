"""Preferences, read state, login links, the attendee replica and GDPR export/erasure."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from contracts.errors import Invalid, NotFound
from contracts.events.notifications import NotificationBatch
from contracts.events.registration import (
    AttendeeCancelled,
    AttendeeErased,
    AttendeeRegistered,
    AttendeeUpdated,
    LoginLinkRequested,
)
from plumbing.consumer import processed_events
from plumbing.events import new_envelope, utcnow
from plumbing.outbox import emit
from plumbing.replica import AttendeeReplica, ErasedAttendee
from plumbing.testing import count_rows, outbox_envelopes, wait_until
from services.notifications.gdpr import drop_from_unsent_batches
from services.notifications.models import Notification, OutgoingEmail, Preferences

ALICE = {
    "attendee_id": "att-alice",
    "email": "alice@example.org",
    "full_name": "Alice Archivist",
    "organization": "City Museum",
    "ticket_type": "member",
    "consent": {"share_with_exhibitors": True},
    "registered_at": datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
}


def test_preferences_have_defaults_and_change_only_what_is_given(notifications, db_session):
    service = notifications(SESSION_REMINDER_LEAD_SECONDS=900)

    defaults = service.get_preferences("att-alice")
    assert defaults["reminder_minutes_before"] == 15
    assert defaults["channels"]["announcement"] == {"feed": True, "email": True}
    assert defaults["channels"]["meeting_requested"] == {"feed": True, "email": False}

    service.update_preferences("att-alice", {"channels": {"announcement": {"email": False}}})
    changed = service.update_preferences(
        "att-alice",
        {"channels": {"announcement": {"feed": False}}, "reminder_minutes_before": 30},
    )

    assert changed["channels"]["announcement"] == {"feed": False, "email": False}
    assert changed["channels"]["session_starting"] == {"feed": True, "email": True}
    assert changed["reminder_minutes_before"] == 30
    assert service.get_preferences("att-alice") == changed
    assert service.get_preferences("att-bob") == defaults


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"channels": {"unknown_kind": {"feed": True}}},
        {"channels": {"announcement": {"sms": True}}},
        {"channels": {"announcement": {"email": "yes"}}},
        {"channels": {"announcement": {"email": 1}}},
        {"channels": {"announcement": True}},
        {"channels": []},
        {"reminder_minutes_before": 0},
        {"reminder_minutes_before": 1441},
        {"reminder_minutes_before": "15"},
        {"surprise": 1},
    ],
)
def test_bad_preferences_are_refused_and_nothing_written(notifications, db_session, payload):
    service = notifications()
    with pytest.raises(Invalid):
        service.update_preferences("att-alice", payload)
    assert count_rows(db_session("notifications"), Preferences) == 0


def test_mark_read_is_scoped_to_the_attendee(notifications, publish, db_session):
    service = notifications()
    publish(AttendeeRegistered, ALICE)
    [item] = wait_until(lambda: service.list_notifications("att-alice")["items"])

    with pytest.raises(NotFound):
        service.mark_read("att-bob", item["id"])
    with pytest.raises(NotFound):
        service.mark_read("att-alice", "nope")
    with pytest.raises(Invalid):
        service.mark_read("att-alice", "x" * 37)
    assert service.mark_read("att-alice", item["id"]) == {"unread_count": 0}
    assert service.list_notifications("att-alice")["items"][0]["read"] is True
    assert service.mark_all_read("att-alice") == {"unread_count": 0}


def test_login_link_is_mailed_with_its_code(notifications, publish, smtp_sink):
    notifications(SMTP_PORT=smtp_sink.port)
    publish(
        LoginLinkRequested,
        {
            "attendee_id": "att-alice",
            "email": "alice@example.org",
            "full_name": "Alice Archivist",
            "code": "483920",
            "link": "https://plenary.test/login?code=483920",
            "expires_at": datetime(2026, 5, 1, 9, 15, tzinfo=UTC),
        },
    )

    [message] = wait_until(smtp_sink.messages)
    assert message["To"] == "alice@example.org"
    text = message.get_payload()[0].get_payload(decode=True).decode()
    html = message.get_payload()[1].get_payload(decode=True).decode()
    assert "https://plenary.test/login?code=483920" in text and "483920" in text
    assert 'href="https://plenary.test/login?code=483920"' in html
    assert "2026-05-01 09:15 UTC" in text


def test_the_replica_follows_updates_and_cancellations(notifications, publish, db_session):
    notifications()
    db = db_session("notifications")
    publish(AttendeeRegistered, ALICE)
    wait_until(lambda: count_rows(db, AttendeeReplica))
    publish(
        AttendeeUpdated,
        {
            **{k: ALICE[k] for k in ("attendee_id", "full_name", "organization", "consent")},
            "email": "alice@new.example.org",
            "changed": ["email"],
            "updated_at": datetime(2026, 5, 2, tzinfo=UTC),
        },
    )
    wait_until(
        lambda: count_rows(db, AttendeeReplica, AttendeeReplica.email == "alice@new.example.org")
    )
    publish(
        AttendeeCancelled,
        {
            "attendee_id": "att-alice",
            "cancelled_by": "attendee",
            "cancelled_at": ALICE["registered_at"],
        },
    )
    wait_until(lambda: count_rows(db, AttendeeReplica, AttendeeReplica.active.is_(False)))


def test_an_event_older_than_the_replica_changes_nothing(notifications, publish, db_session):
    notifications()
    db = db_session("notifications")
    publish(AttendeeRegistered, ALICE)
    wait_until(lambda: count_rows(db, AttendeeReplica))
    stale = new_envelope(
        AttendeeUpdated,
        {
            **{k: ALICE[k] for k in ("attendee_id", "full_name", "organization", "consent")},
            "email": "alice@old.example.org",
            "changed": ["email"],
            "updated_at": datetime(2026, 4, 30, tzinfo=UTC),
        },
    )
    stale["occurred_at"] = (utcnow() - timedelta(minutes=5)).isoformat()

    publish(AttendeeUpdated, envelope=stale)

    wait_until(lambda: count_rows(db, processed_events, processed_events.c.event_id == stale["id"]))
    [email] = db.scalars(select(AttendeeReplica.email)).all()
    assert email == ALICE["email"]


def test_export_then_erase_leaves_nothing_and_late_events_change_nothing(
    notifications, publish, smtp_sink, db_session
):
    service = notifications(SMTP_PORT=smtp_sink.port)
    db = db_session("notifications")
    registered = publish(AttendeeRegistered, ALICE)
    service.update_preferences("att-alice", {"reminder_minutes_before": 5})
    wait_until(lambda: count_rows(db, OutgoingEmail, OutgoingEmail.status == "sent"))

    export = service.export_attendee("att-alice")

    assert [item["kind"] for item in export["feed"]] == ["registration_confirmed"]
    assert export["preferences"]["reminder_minutes_before"] == 5
    [email] = export["emails"]
    assert email["to_address"] == "alice@example.org" and email["status"] == "sent"

    erased = {"attendee_id": "att-alice", "erased_at": datetime.now(UTC)}
    envelope = publish(AttendeeErased, erased)
    publish(AttendeeErased, envelope=envelope)  # redelivered
    publish(AttendeeErased, erased)  # and erased again
    wait_until(lambda: count_rows(db, ErasedAttendee))
    for model in (Notification, OutgoingEmail, Preferences, AttendeeReplica):
        wait_until(lambda model=model: count_rows(db, model) == 0)

    late = publish(AttendeeRegistered, {**ALICE, "registered_at": ALICE["registered_at"]})
    publish(AttendeeRegistered, envelope=registered)
    wait_until(lambda: count_rows(db, processed_events, processed_events.c.event_id == late["id"]))
    export = service.export_attendee("att-alice")
    assert export["feed"] == [] and export["emails"] == []
    assert count_rows(db, AttendeeReplica) == 0 and count_rows(db, Notification) == 0
    assert count_rows(db, ErasedAttendee) == 1


def test_erasure_takes_the_attendee_out_of_unsent_batches(db_session):
    db = db_session("notifications")
    batch = {
        "kind": "announcement",
        "title": "Doors open",
        "body": "At nine.",
        "data": {},
        "dedupe_key": "announcement:1",
        "attendee_ids": ["att-alice", "att-bob"],
    }
    emit(db, NotificationBatch, batch)  # no relay runs here: the batch stays unsent
    db.commit()
    drop_from_unsent_batches(db, "att-alice")
    db.commit()

    [envelope] = outbox_envelopes(db, NotificationBatch.event_type)
    assert envelope["data"]["attendee_ids"] == ["att-bob"]
    assert envelope["data"]["title"] == "Doors open"
