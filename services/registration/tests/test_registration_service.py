"""Registration against the real PostgreSQL and RabbitMQ."""

import pytest

from plumbing.errors import Conflict, Invalid, NotFound
from plumbing.outbox import outbox_table
from plumbing.testing import count_rows, outbox_envelopes
from services.registration.models import AccessToken, Attendee

ALICE = {
    "email": "Alice@Example.org",
    "full_name": "Alice Archivist",
    "organization": "City Museum",
    "consent": {"share_with_exhibitors": True},
}


@pytest.fixture
def registration(start_service, rpc_proxy):
    start_service("registration")
    return rpc_proxy("registration")


def test_register_stores_attendee_token_and_event_together(registration, db_session):
    answer = registration.register(ALICE)

    db = db_session("registration")
    attendee = db.get(Attendee, answer["attendee_id"])
    assert attendee.email_normalized == "alice@example.org"
    assert attendee.share_with_exhibitors is True
    assert count_rows(db, AccessToken) == 1
    [envelope] = outbox_envelopes(db)
    assert envelope["type"] == "attendee_registered"
    assert envelope["data"]["attendee_id"] == answer["attendee_id"]
    assert set(envelope) == {"id", "type", "occurred_at", "version", "data"}


def test_same_email_in_another_case_conflicts(registration, db_session):
    registration.register(ALICE)
    with pytest.raises(Conflict):
        registration.register({**ALICE, "email": "ALICE@example.ORG"})
    assert count_rows(db_session("registration"), Attendee) == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {**ALICE, "email": "not-an-email"},
        {**ALICE, "full_name": ""},
        {**ALICE, "full_name": 42},
        {**ALICE, "full_name": "   "},
        {**ALICE, "organization": "nul\x00byte"},
        {**ALICE, "ticket_type": "vip-backstage"},
        {**ALICE, "consent": {"share_with_exhibitors": "perhaps"}},
        ["not", "an", "object"],
    ],
)
def test_invalid_registration_is_refused_and_writes_nothing(registration, db_session, payload):
    with pytest.raises(Invalid) as refused:
        registration.register(payload)
    assert refused.value.errors
    db = db_session("registration")
    assert count_rows(db, Attendee) == 0
    assert count_rows(db, outbox_table) == 0


def test_token_authenticates_its_attendee_only(registration):
    answer = registration.register(ALICE)
    assert registration.authenticate(answer["access_token"])["attendee_id"] == answer["attendee_id"]
    assert registration.authenticate(answer["access_token"] + "x") is None
    assert registration.authenticate("pat_forged") is None
    assert registration.authenticate(None) is None


@pytest.mark.parametrize("attendee_id", ["nope", "", None, 42, "a\x00b", "x" * 500])
def test_unknown_or_malformed_attendee_ids_are_not_found(registration, attendee_id):
    with pytest.raises(NotFound):
        registration.get_attendee(attendee_id)
