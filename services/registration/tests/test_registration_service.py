"""Registration against the real PostgreSQL and RabbitMQ."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from contracts.errors import Conflict, Invalid, NotFound
from plumbing.events import utcnow
from plumbing.outbox import outbox_table
from plumbing.testing import count_rows, outbox_envelopes
from services.registration.models import AccessToken, Attendee, LoginCode

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


# -- ticket types and capacity --------------------------------------------------------


def test_capacity_refuses_the_registration_past_it_and_cancellation_frees_a_seat(
    registration, db_session
):
    registration.set_ticket_capacity("student", 1)
    first = registration.register({**ALICE, "ticket_type": "student"})
    with pytest.raises(Conflict) as refused:
        registration.register({**ALICE, "email": "bob@example.org", "ticket_type": "student"})
    assert refused.value.errors == {"ticket_type": ["sold out"]}
    assert count_rows(db_session("registration"), Attendee) == 1

    registration.cancel_registration(first["attendee_id"], "organizer")
    registration.register({**ALICE, "email": "bob@example.org", "ticket_type": "student"})
    [student] = [t for t in registration.ticket_types() if t["ticket_type"] == "student"]
    assert student == {
        "ticket_type": "student",
        "capacity": 1,
        "registered": 1,
        "cancelled": 1,
        "remaining": 0,
    }


@pytest.mark.parametrize(
    "ticket_type, capacity", [("vip", 3), ("student", -1), ("student", "3"), ("student", 1.5)]
)
def test_invalid_capacity_changes_are_refused(registration, ticket_type, capacity):
    with pytest.raises(Invalid):
        registration.set_ticket_capacity(ticket_type, capacity)


# -- profile and consent --------------------------------------------------------------


def test_consent_change_is_timed_and_announced(registration, db_session):
    answer = registration.register(ALICE)
    before = answer["attendee"]["consent_updated_at"]

    updated = registration.update_profile(
        answer["attendee_id"],
        {"consent": {"share_with_exhibitors": False, "marketing": False}, "job_title": "Curator"},
    )

    assert updated["consent"] == {"share_with_exhibitors": False, "marketing": False}
    assert updated["job_title"] == "Curator"
    assert updated["consent_updated_at"]["share_with_exhibitors"] > before["share_with_exhibitors"]
    assert updated["consent_updated_at"]["marketing"] == before["marketing"]  # unchanged
    [event] = outbox_envelopes(db_session("registration"), "attendee_updated")
    assert event["data"]["changed"] == ["job_title", "consent.share_with_exhibitors"]
    assert event["data"]["consent"]["share_with_exhibitors"] is False


def test_a_change_to_nothing_announces_nothing(registration, db_session):
    answer = registration.register(ALICE)
    registration.update_profile(answer["attendee_id"], {"organization": "City Museum"})
    assert outbox_envelopes(db_session("registration"), "attendee_updated") == []


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"email": "other@example.org"},
        {"ticket_type": "speaker"},
        {"country": "France"},
        {"time_zone": "Mars/Olympus"},
        {"full_name": " "},
        {"consent": {"marketing": "maybe"}},
        {"accessibility_needs": "x" * 1001},
    ],
)
def test_invalid_profile_changes_write_nothing(registration, db_session, changes):
    answer = registration.register(ALICE)
    with pytest.raises(Invalid):
        registration.update_profile(answer["attendee_id"], changes)
    assert outbox_envelopes(db_session("registration"), "attendee_updated") == []


# -- login codes ------------------------------------------------------------------------


def login_code(db, attendee_id):
    [event] = [
        e
        for e in outbox_envelopes(db, "login_link_requested")
        if e["data"]["attendee_id"] == attendee_id
    ][-1:]
    return event["data"]["code"]


def test_login_code_is_single_use_and_only_its_hash_is_stored(registration, db_session):
    answer = registration.register(ALICE)
    db = db_session("registration")
    registration.request_login_link("ALICE@example.org")
    code = login_code(db, answer["attendee_id"])
    assert db.get(LoginCode, answer["attendee_id"]).code_hash != code

    token = registration.exchange_login_code("alice@example.org", code)
    assert registration.authenticate(token["access_token"])["attendee_id"] == answer["attendee_id"]
    assert registration.exchange_login_code("alice@example.org", code) is None


def test_unknown_email_gets_no_code_and_no_event(registration, db_session):
    assert registration.request_login_link("nobody@example.org") is None
    db = db_session("registration")
    assert count_rows(db, LoginCode) == 0
    assert count_rows(db, outbox_table) == 0


def test_expired_code_is_refused(registration, db_session):
    answer = registration.register(ALICE)
    db = db_session("registration")
    registration.request_login_link(ALICE["email"])
    code = login_code(db, answer["attendee_id"])
    db.execute(update(LoginCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert registration.exchange_login_code(ALICE["email"], code) is None


def test_too_many_wrong_codes_kill_the_code(registration, db_session):
    answer = registration.register(ALICE)
    db = db_session("registration")
    registration.request_login_link(ALICE["email"])
    code = login_code(db, answer["attendee_id"])
    wrong = "x" + code[1:]
    for _ in range(5):  # LOGIN_CODE_MAX_ATTEMPTS
        assert registration.exchange_login_code(ALICE["email"], wrong) is None
    assert registration.exchange_login_code(ALICE["email"], code) is None


def test_a_new_code_replaces_the_previous_one(registration, db_session):
    answer = registration.register(ALICE)
    db = db_session("registration")
    registration.request_login_link(ALICE["email"])
    old = login_code(db, answer["attendee_id"])
    registration.request_login_link(ALICE["email"])
    new = login_code(db, answer["attendee_id"])
    assert registration.exchange_login_code(ALICE["email"], old) is None or old == new
    assert registration.exchange_login_code(ALICE["email"], new) is not None


# -- cancellation and erasure ------------------------------------------------------------


def test_cancellation_revokes_tokens_and_frees_the_address(registration, db_session):
    answer = registration.register(ALICE)
    cancelled = registration.cancel_registration(answer["attendee_id"], "attendee")
    again = registration.cancel_registration(answer["attendee_id"], "organizer")

    assert cancelled["status"] == again["status"] == "cancelled"
    assert registration.authenticate(answer["access_token"]) is None
    registration.request_login_link(ALICE["email"])
    db = db_session("registration")
    assert outbox_envelopes(db, "login_link_requested") == []
    [event] = outbox_envelopes(db, "attendee_cancelled")
    assert event["data"]["cancelled_by"] == "attendee"
    assert registration.register(ALICE)["attendee_id"] != answer["attendee_id"]


def test_erasure_anonymizes_deletes_tokens_and_scrubs_the_outbox(registration, db_session):
    answer = registration.register({**ALICE, "job_title": "Archivist", "country": "FR"})
    other = registration.register({"email": "bob@example.org", "full_name": "Bob"})
    registration.update_profile(answer["attendee_id"], {"consent": {"marketing": True}})
    registration.request_login_link(ALICE["email"])

    registration.erase_attendee(answer["attendee_id"])
    registration.erase_attendee(answer["attendee_id"])  # idempotent

    db = db_session("registration")
    attendee = db.get(Attendee, answer["attendee_id"])
    assert (attendee.status, attendee.email, attendee.full_name, attendee.email_normalized) == (
        "erased",
        "",
        "",
        None,
    )
    assert (attendee.organization, attendee.job_title, attendee.country) == ("", "", None)
    assert count_rows(db, AccessToken, AccessToken.attendee_id == answer["attendee_id"]) == 0
    assert count_rows(db, LoginCode) == 0
    assert registration.authenticate(answer["access_token"]) is None
    envelopes = outbox_envelopes(db)
    assert "alice" not in json.dumps(envelopes).lower()
    assert [e["type"] for e in envelopes] == ["attendee_registered", "attendee_erased"]
    assert envelopes[0]["data"]["attendee_id"] == other["attendee_id"]
    assert registration.stats()["erased"] == 1


# -- organizer tools -------------------------------------------------------------------


def test_search_filters_and_pages(registration):
    ids = [
        registration.register(
            {**ALICE, "email": f"a{i}@example.org", "full_name": f"Ann {i}", "ticket_type": kind}
        )["attendee_id"]
        for i, kind in enumerate(["member", "member", "student"])
    ]
    first = registration.list_attendees({"ticket_type": "member"}, 1)
    second = registration.list_attendees({"ticket_type": "member"}, 1, first["next_cursor"])
    assert [a["attendee_id"] for a in first["items"] + second["items"]] == ids[:2]
    assert second["next_cursor"] is None
    assert [a["attendee_id"] for a in registration.list_attendees({"q": "ANN 2"})["items"]] == [
        ids[2]
    ]
    assert registration.list_attendees({"q": "%"})["items"] == []


@pytest.mark.parametrize(
    "filters, limit, cursor",
    [({"status": "vip"}, 50, None), ({}, 0, None), ({}, 50, "!!"), ({"q": "a\x00"}, 50, None)],
)
def test_invalid_searches_are_refused(registration, filters, limit, cursor):
    with pytest.raises(Invalid):
        registration.list_attendees(filters, limit, cursor)


def test_stats_count_by_day_and_type(registration):
    registration.register({**ALICE, "ticket_type": "speaker"})
    cancelled = registration.register({**ALICE, "email": "b@example.org"})
    registration.cancel_registration(cancelled["attendee_id"], "organizer")

    stats = registration.stats()
    [today] = stats["registrations_by_day"]
    assert today["by_ticket_type"] == {"speaker": 1, "non_member": 1}
    assert (stats["registrations"], stats["active"], stats["cancelled"]) == (2, 1, 1)
    assert stats["active_by_ticket_type"]["speaker"] == 1
    assert stats["active_by_ticket_type"]["non_member"] == 0
