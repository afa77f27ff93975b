"""Registration against the real PostgreSQL and RabbitMQ."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import update

from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from plumbing.events import utcnow
from plumbing.outbox import outbox_table
from plumbing.testing import LoginCodeTap, count_rows, outbox_envelopes, wait_until
from plumbing.tokens import secret_hash
from services.registration.models import AccessToken, Attendee, LoginCode, TicketCode

ALICE = {
    "email": "Alice@Example.org",
    "full_name": "Alice Archivist",
    "organization": "City Museum",
    "consent": {"share_with_exhibitors": True},
}


@pytest.fixture
def codes(rabbit_config):
    """The login codes registration's events carry, as the attendee's mailbox gets them."""
    tap = LoginCodeTap(rabbit_config["AMQP_URI"])
    yield tap
    tap.close()


@pytest.fixture
def registration(start_service, rpc_proxy, codes):
    start_service("registration")
    proxy = rpc_proxy("registration")

    def sign_up(body):
        """Register and sign in with the mailed code: the old register answer."""
        assert proxy.register(body) is None
        token = proxy.exchange_login_code(body["email"], codes.code_for(body["email"]))
        return {**token, "attendee": proxy.authenticate(token["access_token"])}

    proxy.sign_up = sign_up
    return proxy


def test_register_stores_attendee_and_events_together(registration, db_session, codes):
    assert registration.register(ALICE) is None

    db = db_session("registration")
    [attendee] = db.query(Attendee).all()
    assert attendee.email_normalized == "alice@example.org"
    assert attendee.share_with_exhibitors is True
    assert attendee.email_verified_at is None  # not proven until a code is used
    assert count_rows(db, AccessToken) == 0  # no token without the mailed code
    registered, login = outbox_envelopes(db)
    assert registered["type"] == "attendee_registered"
    assert registered["data"]["attendee_id"] == attendee.id
    assert set(registered) == {"id", "type", "occurred_at", "version", "data"}
    assert login["type"] == "login_link_requested"
    assert login["data"]["purpose"] == "new_registration"

    token = registration.exchange_login_code(ALICE["email"], codes.code_for(ALICE["email"]))
    assert token["attendee_id"] == attendee.id
    db.rollback()
    assert db.get(Attendee, attendee.id).email_verified_at is not None


def test_a_known_email_answers_alike_and_mails_its_owner(registration, db_session, codes):
    first = registration.sign_up(ALICE)
    assert registration.register({**ALICE, "email": "ALICE@example.ORG", "full_name": "X"}) is None
    db = db_session("registration")
    assert count_rows(db, Attendee) == 1
    [*_, owner_mail] = outbox_envelopes(db, "login_link_requested")
    assert owner_mail["data"]["purpose"] == "already_registered"
    assert owner_mail["data"]["email"] == ALICE["email"]  # the owner's, not the stranger's
    assert owner_mail["data"]["full_name"] == ALICE["full_name"]
    code = codes.code_for(ALICE["email"])
    assert (
        registration.exchange_login_code(ALICE["email"], code)["attendee_id"]
        == (first["attendee_id"])
    )


# -- ticket types: public, and restricted ones that need an organizer's code ------------


@pytest.mark.parametrize("ticket_type", ["speaker", "exhibitor_staff", "complimentary"])
def test_a_restricted_ticket_type_needs_a_code(registration, db_session, ticket_type):
    # without a code the request breaks the documented rule (422); with a code that
    # gives no such ticket it is well formed but not entitled to the type (403)
    for body, error in (({}, Invalid), ({"ticket_code": "ptc_guessed"}, Forbidden)):
        with pytest.raises(error) as refused:
            registration.register({**ALICE, "ticket_type": ticket_type, **body})
        assert "ticket_code" in refused.value.errors
    db = db_session("registration")
    assert count_rows(db, Attendee) == 0
    assert count_rows(db, outbox_table) == 0


def test_a_ticket_code_is_stored_hashed_and_used_up(registration, db_session):
    issued = registration.issue_ticket_code("complimentary", {"max_uses": 2})
    assert issued["code"].startswith("ptc_") and issued["max_uses"] == 2
    db = db_session("registration")
    [row] = db.query(TicketCode).all()
    assert row.code_hash == secret_hash(issued["code"]) != issued["code"]

    body = {**ALICE, "ticket_type": "complimentary", "ticket_code": issued["code"]}
    registration.register(body)
    registration.register(body)  # the same address again: answered alike, no use spent
    registration.register({**body, "email": "bob@example.org"})
    with pytest.raises(Forbidden):
        registration.register({**body, "email": "carol@example.org"})  # used up
    with pytest.raises(Forbidden):  # a code is for its own ticket type only
        registration.register({**body, "email": "dan@example.org", "ticket_type": "speaker"})
    [complimentary] = [
        t for t in registration.ticket_types() if t["ticket_type"] == "complimentary"
    ]
    assert complimentary["registered"] == 2


@pytest.mark.parametrize(
    "ticket_type, request_body",
    [("member", {}), ("vip", {}), ("speaker", {"max_uses": 0}), ("speaker", {"max_uses": "2"})],
)
def test_invalid_ticket_code_requests_are_refused(registration, ticket_type, request_body):
    with pytest.raises(Invalid):
        registration.issue_ticket_code(ticket_type, request_body)


def test_an_expired_ticket_code_is_refused(registration):
    past = (utcnow() - timedelta(minutes=1)).isoformat()
    issued = registration.issue_ticket_code("speaker", {"expires_at": past})
    with pytest.raises(Forbidden):
        registration.register({**ALICE, "ticket_type": "speaker", "ticket_code": issued["code"]})


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
    answer = registration.sign_up(ALICE)
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
    first = registration.sign_up({**ALICE, "ticket_type": "student"})
    with pytest.raises(Conflict) as refused:
        registration.register({**ALICE, "email": "bob@example.org", "ticket_type": "student"})
    assert refused.value.errors == {"ticket_type": ["sold out"]}
    with pytest.raises(Conflict):  # a known address is refused alike: it tells nothing
        registration.register({**ALICE, "ticket_type": "student"})
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
    answer = registration.sign_up(ALICE)
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
    answer = registration.sign_up(ALICE)
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
    answer = registration.sign_up(ALICE)
    with pytest.raises(Invalid):
        registration.update_profile(answer["attendee_id"], changes)
    assert outbox_envelopes(db_session("registration"), "attendee_updated") == []


# -- login codes ------------------------------------------------------------------------


def test_login_code_is_single_use_and_only_its_hash_is_stored(registration, db_session, codes):
    answer = registration.sign_up(ALICE)
    db = db_session("registration")
    registration.request_login_link("ALICE@example.org")
    code = codes.code_for(ALICE["email"])
    [row] = db.query(LoginCode).all()
    assert row.code_hash == secret_hash(code) != code

    token = registration.exchange_login_code("alice@example.org", code)
    assert registration.authenticate(token["access_token"])["attendee_id"] == answer["attendee_id"]
    assert registration.exchange_login_code("alice@example.org", code) is None


def test_published_login_events_keep_no_code(registration, db_session, codes):
    registration.sign_up(ALICE)
    registration.request_login_link(ALICE["email"])
    code = codes.code_for(ALICE["email"])
    db = db_session("registration")

    def published():
        rows = db.execute(outbox_table.select()).all()
        db.rollback()
        return all(row.published_at is not None for row in rows) and rows

    rows = wait_until(published, what="the outbox relayed")
    assert code not in json.dumps([row.envelope for row in rows])
    logins = outbox_envelopes(db, "login_link_requested")
    assert len(logins) == 2
    assert {(e["data"]["code"], e["data"]["link"]) for e in logins} == {("[redacted]",) * 2}
    assert logins[-1]["data"]["email"] == ALICE["email"]  # the rest is kept for operators


def test_unknown_email_gets_no_code_and_no_event(registration, db_session):
    assert registration.request_login_link("nobody@example.org") is None
    db = db_session("registration")
    assert count_rows(db, LoginCode) == 0
    assert count_rows(db, outbox_table) == 0


def test_expired_code_is_refused(registration, db_session, codes):
    registration.sign_up(ALICE)
    db = db_session("registration")
    registration.request_login_link(ALICE["email"])
    code = codes.code_for(ALICE["email"])
    db.execute(update(LoginCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert registration.exchange_login_code(ALICE["email"], code) is None


def test_too_many_wrong_codes_kill_the_code(registration, db_session, codes):
    registration.sign_up(ALICE)
    registration.request_login_link(ALICE["email"])
    code = codes.code_for(ALICE["email"])
    wrong = "x" + code[1:]
    for _ in range(5):  # LOGIN_CODE_MAX_ATTEMPTS
        assert registration.exchange_login_code(ALICE["email"], wrong) is None
    assert registration.exchange_login_code(ALICE["email"], code) is None


def test_several_codes_live_at_once_within_the_limit(registration, db_session, codes):
    registration.sign_up(ALICE)
    mailed = []
    for _ in range(3):  # LOGIN_CODE_MAX_LIVE: asking again never kills the owner's code
        registration.request_login_link(ALICE["email"])
        mailed.append(codes.code_for(ALICE["email"]))
    registration.request_login_link(ALICE["email"])  # beyond the limit: nothing mailed
    db = db_session("registration")
    assert count_rows(db, LoginCode) == 3
    assert len(outbox_envelopes(db, "login_link_requested")) == 1 + 3
    for code in mailed:
        assert registration.exchange_login_code(ALICE["email"], code) is not None
    assert count_rows(db, LoginCode) == 0


def test_a_wrong_code_counts_against_every_live_code(registration, db_session, codes):
    registration.sign_up(ALICE)
    mailed = []
    for _ in range(2):
        registration.request_login_link(ALICE["email"])
        mailed.append(codes.code_for(ALICE["email"]))
    wrong = next(c for c in (f"{n:08d}" for n in range(10)) if c not in mailed)
    for _ in range(5):
        assert registration.exchange_login_code(ALICE["email"], wrong) is None
    assert all(registration.exchange_login_code(ALICE["email"], c) is None for c in mailed)


# -- cancellation and erasure ------------------------------------------------------------


def test_cancellation_revokes_tokens_and_frees_the_address(registration, db_session):
    answer = registration.sign_up(ALICE)
    cancelled = registration.cancel_registration(answer["attendee_id"], "attendee")
    again = registration.cancel_registration(answer["attendee_id"], "organizer")

    assert cancelled["status"] == again["status"] == "cancelled"
    assert registration.authenticate(answer["access_token"]) is None
    registration.request_login_link(ALICE["email"])
    db = db_session("registration")
    assert len(outbox_envelopes(db, "login_link_requested")) == 1  # the registration's only
    [event] = outbox_envelopes(db, "attendee_cancelled")
    assert event["data"]["cancelled_by"] == "attendee"
    assert registration.sign_up(ALICE)["attendee_id"] != answer["attendee_id"]


def test_erasure_anonymizes_deletes_tokens_and_scrubs_the_outbox(registration, db_session):
    answer = registration.sign_up({**ALICE, "job_title": "Archivist", "country": "FR"})
    other = registration.sign_up({"email": "bob@example.org", "full_name": "Bob"})
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
    assert [e["type"] for e in envelopes] == [
        "attendee_registered",
        "login_link_requested",
        "attendee_erased",
    ]
    assert envelopes[0]["data"]["attendee_id"] == other["attendee_id"]
    assert registration.stats()["erased"] == 1


# -- organizer tools -------------------------------------------------------------------


def test_search_filters_and_pages(registration):
    ids = [
        registration.sign_up(
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
    code = registration.issue_ticket_code("speaker", None)["code"]
    registration.register({**ALICE, "ticket_type": "speaker", "ticket_code": code})
    cancelled = registration.sign_up({**ALICE, "email": "b@example.org"})
    registration.cancel_registration(cancelled["attendee_id"], "organizer")

    stats = registration.stats()
    [today] = stats["registrations_by_day"]
    assert today["by_ticket_type"] == {"speaker": 1, "non_member": 1}
    assert (stats["registrations"], stats["active"], stats["cancelled"]) == (2, 1, 1)
    assert stats["active_by_ticket_type"]["speaker"] == 1
    assert stats["active_by_ticket_type"]["non_member"] == 0
