"""The local replica of attendees: filled by attendee_registered events, or by asking
registration when the event has not arrived; duplicates and malformed messages."""

import uuid
from datetime import timedelta

import pytest
from kombu import Connection
from prometheus_client import REGISTRY
from sqlalchemy import select

from contracts.errors import NotFound
from contracts.events.registration import AttendeeRegistered
from plumbing.consumer import processed_events
from plumbing.events import new_envelope, utcnow
from plumbing.outbox import outbox_table
from plumbing.replica import AttendeeReplica
from plumbing.testing import count_rows, outbox_envelopes, wait_until
from plumbing.topology import dead_letter_queue_name, work_queue_name
from services.expo.models import Interaction, Lead
from services.expo.tests.conftest import ACME

HANDLER = "on_attendee_registered"
WORK_QUEUE = work_queue_name("registration", "attendee_registered", "expo", HANDLER)
DEAD_LETTER_QUEUE = dead_letter_queue_name(WORK_QUEUE)

ALICE = {
    "email": "alice@example.org",
    "full_name": "Alice Archivist",
    "organization": "City Museum",
    "consent": {"share_with_exhibitors": True},
}


def fresh(session, query):
    session.rollback()  # see what the services committed since
    return session.scalar(query)


def consumed(outcome):
    value = REGISTRY.get_sample_value(
        "plenary_events_consumed_total",
        {"service": "expo", "event_type": "attendee_registered", "outcome": outcome},
    )
    return value or 0


def attendee_registered_envelope(attendee_id, full_name="Bob Builder", occurred_at=None):
    envelope = new_envelope(
        AttendeeRegistered,
        {
            "attendee_id": attendee_id,
            "email": "bob@example.org",
            "full_name": full_name,
            "organization": "Toy Museum",
            "ticket_type": "member",
            "consent": {"share_with_exhibitors": True},
            "registered_at": utcnow(),
        },
    )
    if occurred_at is not None:
        envelope["occurred_at"] = occurred_at.isoformat()
    return envelope


def queue_length(rabbit_config, queue_name):
    with Connection(rabbit_config["AMQP_URI"]) as connection:
        return connection.default_channel.queue_declare(queue_name, passive=True).message_count


@pytest.fixture
def registration(start_service, rpc_proxy):
    start_service("registration")
    return rpc_proxy("registration")


@pytest.fixture
def expo_rpc(rpc_proxy):
    return rpc_proxy("expo")


def registered_id(registration, db_session, body):
    """Register ``body``; the new attendee's id, from the event announcing it."""
    registration.register(body)
    [event] = outbox_envelopes(db_session("registration"), "attendee_registered")
    return event["data"]["attendee_id"]


def test_registration_event_fills_the_replica(start_service, registration, expo_db, db_session):
    start_service("expo")

    attendee_id = registered_id(registration, db_session, ALICE)

    contact = wait_until(
        lambda: fresh(
            expo_db, select(AttendeeReplica).where(AttendeeReplica.attendee_id == attendee_id)
        ),
        what="the replicated contact",
    )
    assert (contact.full_name, contact.email, contact.organization) == (
        "Alice Archivist",
        "alice@example.org",
        "City Museum",
    )
    assert contact.share_with_exhibitors is True


def test_missing_replica_is_fetched_from_registration(
    start_service, registration, expo_rpc, db_session, expo_db
):
    attendee_id = registered_id(registration, db_session, ALICE)
    # the event is published before expo's queue exists, so it never reaches expo
    registration_db = db_session("registration")
    wait_until(
        lambda: (
            count_rows(registration_db, outbox_table, outbox_table.c.published_at.is_not(None)) == 2
        ),
        what="registration to publish attendee_registered",
    )
    start_service("expo")
    exhibitor = expo_rpc.create_exhibitor(ACME)

    answer = expo_rpc.record_interaction(exhibitor["id"], attendee_id, {"kind": "visit"})

    assert answer["lead_id"] is not None
    contact = expo_db.get(AttendeeReplica, attendee_id)
    assert (contact.full_name, contact.share_with_exhibitors) == ("Alice Archivist", True)
    [lead] = expo_rpc.list_leads(exhibitor["id"])["items"]
    assert lead["attendee"]["email"] == "alice@example.org"


def test_attendee_unknown_to_registration_is_not_found(
    start_service, registration, expo_rpc, expo_db
):
    start_service("expo")
    exhibitor = expo_rpc.create_exhibitor(ACME)

    with pytest.raises(NotFound):
        expo_rpc.record_interaction(exhibitor["id"], str(uuid.uuid4()), {"kind": "visit"})

    for model in (AttendeeReplica, Interaction, Lead):
        assert count_rows(expo_db, model) == 0


def test_duplicate_delivery_has_one_effect(start_service, publish, expo_db):
    start_service("expo")
    attendee_id = str(uuid.uuid4())
    envelope = attendee_registered_envelope(attendee_id)
    processed_before, duplicates_before = consumed("processed"), consumed("duplicate")

    publish(AttendeeRegistered, envelope=envelope)
    wait_until(
        lambda: fresh(
            expo_db,
            select(AttendeeReplica.full_name).where(AttendeeReplica.attendee_id == attendee_id),
        ),
        what="the first delivery",
    )
    # a change the second delivery would undo if it ran the handler again
    expo_db.get(AttendeeReplica, attendee_id).full_name = "Changed since"
    expo_db.commit()
    publish(AttendeeRegistered, envelope=envelope)
    wait_until(
        lambda: consumed("duplicate") == duplicates_before + 1, what="the duplicate to be seen"
    )

    assert consumed("processed") == processed_before + 1
    assert fresh(expo_db, select(AttendeeReplica.full_name)) == "Changed since"
    assert count_rows(expo_db, processed_events, processed_events.c.event_id == envelope["id"]) == 1


def test_older_event_does_not_overwrite_a_newer_contact(
    start_service, publish, expo_db, add_contact
):
    start_service("expo")
    attendee_id = str(uuid.uuid4())
    add_contact(attendee_id, consent=False, full_name="Fetched just now")
    processed_before = consumed("processed")

    publish(
        AttendeeRegistered,
        envelope=attendee_registered_envelope(
            attendee_id, full_name="Old news", occurred_at=utcnow() - timedelta(minutes=5)
        ),
    )
    wait_until(
        lambda: consumed("processed") == processed_before + 1, what="the event to be handled"
    )

    contact = fresh(expo_db, select(AttendeeReplica))
    assert (contact.full_name, contact.share_with_exhibitors) == ("Fetched just now", False)


def test_malformed_messages_are_parked_and_consuming_goes_on(
    start_service, publish, rabbit_config, expo_db
):
    start_service("expo")
    incomplete = attendee_registered_envelope(str(uuid.uuid4()))
    del incomplete["data"]["email"]
    no_id = attendee_registered_envelope(str(uuid.uuid4()))
    del no_id["id"]

    publish(
        AttendeeRegistered,
        envelope=b"not json",
        content_type="application/json",
        content_encoding="utf-8",
    )
    publish(AttendeeRegistered, envelope=incomplete)
    publish(AttendeeRegistered, envelope=no_id)
    publish(AttendeeRegistered, envelope=["not", "an", "envelope"])
    wait_until(
        lambda: queue_length(rabbit_config, DEAD_LETTER_QUEUE) == 4, what="four parked messages"
    )

    good_id = str(uuid.uuid4())
    publish(AttendeeRegistered, envelope=attendee_registered_envelope(good_id))
    wait_until(
        lambda: fresh(
            expo_db,
            select(AttendeeReplica.attendee_id).where(AttendeeReplica.attendee_id == good_id),
        ),
        what="the next good event",
    )
    assert count_rows(expo_db, AttendeeReplica) == 1
    assert queue_length(rabbit_config, WORK_QUEUE) == 0
