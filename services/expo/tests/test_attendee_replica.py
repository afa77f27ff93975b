"""The local replica of attendees: filled by attendee_registered events, or by asking
registration when the event has not arrived; duplicates and malformed messages."""

import time
import uuid
from datetime import timedelta

import pytest
from kombu import Connection
from nameko.constants import PERSISTENT
from nameko.standalone.rpc import ServiceRpcProxy
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from plumbing.consumer import processed_events
from plumbing.errors import NotFound
from plumbing.events import new_envelope, utcnow
from plumbing.outbox import event_exchange, outbox_table
from plumbing.topology import dead_letter_queue_name, work_queue_name
from services.expo.models import AttendeeContact, Interaction, Lead
from services.expo.tests.conftest import ACME
from services.registration.events import AttendeeRegistered

HANDLER = "on_attendee_registered"
WORK_QUEUE = work_queue_name("registration", "attendee_registered", "expo", HANDLER)
DEAD_LETTER_QUEUE = dead_letter_queue_name(WORK_QUEUE)

ALICE = {
    "email": "alice@example.org",
    "full_name": "Alice Archivist",
    "organization": "City Museum",
    "consent": {"share_with_exhibitors": True},
}


def wait_until(condition, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


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


def publish(rabbit_config, body, **options):
    """Publish ``body`` as registration's outbox relay would."""
    exchange = event_exchange("registration")
    with Connection(rabbit_config["AMQP_URI"]) as connection:
        connection.Producer().publish(
            body,
            exchange=exchange,
            routing_key="attendee_registered",
            delivery_mode=PERSISTENT,
            declare=[exchange],
            **options,
        )


def queue_length(rabbit_config, queue_name):
    with Connection(rabbit_config["AMQP_URI"]) as connection:
        return connection.default_channel.queue_declare(queue_name, passive=True).message_count


@pytest.fixture
def registration(start_service, rabbit_config):
    start_service("registration")
    with ServiceRpcProxy("registration", rabbit_config) as proxy:
        yield proxy


@pytest.fixture
def expo_rpc(rabbit_config):
    with ServiceRpcProxy("expo", rabbit_config) as proxy:
        yield proxy


def test_registration_event_fills_the_replica(start_service, registration, expo_db):
    start_service("expo")

    attendee_id = registration.register(ALICE)["attendee_id"]

    contact = wait_until(
        lambda: fresh(
            expo_db, select(AttendeeContact).where(AttendeeContact.attendee_id == attendee_id)
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
    attendee_id = registration.register(ALICE)["attendee_id"]
    # the event is published before expo's queue exists, so it never reaches expo
    registration_db = db_session("registration")
    wait_until(
        lambda: fresh(
            registration_db,
            select(func.count())
            .select_from(outbox_table)
            .where(outbox_table.c.published_at.is_not(None)),
        ),
        what="registration to publish attendee_registered",
    )
    start_service("expo")
    exhibitor = expo_rpc.create_exhibitor(ACME)

    answer = expo_rpc.record_interaction(exhibitor["id"], attendee_id, {"kind": "visit"})

    assert answer["lead_id"] is not None
    contact = expo_db.get(AttendeeContact, attendee_id)
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

    for model in (AttendeeContact, Interaction, Lead):
        assert fresh(expo_db, select(func.count()).select_from(model)) == 0


def test_duplicate_delivery_has_one_effect(start_service, rabbit_config, expo_db):
    start_service("expo")
    attendee_id = str(uuid.uuid4())
    envelope = attendee_registered_envelope(attendee_id)
    processed_before, duplicates_before = consumed("processed"), consumed("duplicate")

    publish(rabbit_config, envelope)
    wait_until(
        lambda: fresh(
            expo_db,
            select(AttendeeContact.full_name).where(AttendeeContact.attendee_id == attendee_id),
        ),
        what="the first delivery",
    )
    # a change the second delivery would undo if it ran the handler again
    expo_db.get(AttendeeContact, attendee_id).full_name = "Changed since"
    expo_db.commit()
    publish(rabbit_config, envelope)
    wait_until(
        lambda: consumed("duplicate") == duplicates_before + 1, what="the duplicate to be seen"
    )

    assert consumed("processed") == processed_before + 1
    assert fresh(expo_db, select(AttendeeContact.full_name)) == "Changed since"
    assert (
        fresh(
            expo_db,
            select(func.count())
            .select_from(processed_events)
            .where(processed_events.c.event_id == envelope["id"]),
        )
        == 1
    )


def test_older_event_does_not_overwrite_a_newer_contact(
    start_service, rabbit_config, expo_db, add_contact
):
    start_service("expo")
    attendee_id = str(uuid.uuid4())
    add_contact(attendee_id, consent=False, full_name="Fetched just now")
    processed_before = consumed("processed")

    publish(
        rabbit_config,
        attendee_registered_envelope(
            attendee_id, full_name="Old news", occurred_at=utcnow() - timedelta(minutes=5)
        ),
    )
    wait_until(
        lambda: consumed("processed") == processed_before + 1, what="the event to be handled"
    )

    contact = fresh(expo_db, select(AttendeeContact))
    assert (contact.full_name, contact.share_with_exhibitors) == ("Fetched just now", False)


def test_malformed_messages_are_parked_and_consuming_goes_on(start_service, rabbit_config, expo_db):
    start_service("expo")
    incomplete = attendee_registered_envelope(str(uuid.uuid4()))
    del incomplete["data"]["email"]
    no_id = attendee_registered_envelope(str(uuid.uuid4()))
    del no_id["id"]

    publish(rabbit_config, b"not json", content_type="application/json", content_encoding="utf-8")
    publish(rabbit_config, incomplete)
    publish(rabbit_config, no_id)
    publish(rabbit_config, ["not", "an", "envelope"])
    wait_until(
        lambda: queue_length(rabbit_config, DEAD_LETTER_QUEUE) == 4, what="four parked messages"
    )

    good_id = str(uuid.uuid4())
    publish(rabbit_config, attendee_registered_envelope(good_id))
    wait_until(
        lambda: fresh(
            expo_db,
            select(AttendeeContact.attendee_id).where(AttendeeContact.attendee_id == good_id),
        ),
        what="the next good event",
    )
    assert fresh(expo_db, select(func.count()).select_from(AttendeeContact)) == 1
    assert queue_length(rabbit_config, WORK_QUEUE) == 0
