"""Registration and identity through the gateway: ticket types and capacity, the
profile and consent, passwordless login by mail, tokens, cancellation, organizer tools
and abuse limits."""

import csv
import io
import re
import time

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.ratelimit import client_address
from plumbing.outbox import outbox_table
from plumbing.testing import count_rows, outbox_envelopes, wait_until
from services.notifications.models import OutgoingEmail
from services.registration.models import AccessToken, Attendee, LoginCode, TicketCode
from tests.conftest import ORGANIZER_TOKEN

ADA = {
    "email": "Ada@Example.org",
    "full_name": "Ada Curator",
    "organization": "City Museum",
    "job_title": "Curator",
    "country": "GB",
    "time_zone": "Europe/London",
    "accessibility_needs": "captions",
    "ticket_type": "member",
    "consent": {"share_with_exhibitors": True, "marketing": False},
}
BOB = {"email": "bob@example.org", "full_name": "Bob Builder", "ticket_type": "member"}


@pytest.fixture
def api(platform):
    return platform("registration")


def register(api, body):
    return api.sign_up(body)


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    return problem


def rows(db_session, table, *where):
    return count_rows(db_session("registration"), table, *where)


def mailed_code(smtp_sink, address):
    """The sign-in code mailed to ``address`` (the test asks for one per address; the
    registration's own code comes in a mail of another subject)."""

    def code():
        for message in smtp_sink.messages():
            if message["To"] != address or message["Subject"] != "Your Plenary sign-in link":
                continue
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    found = re.search(r"\b(\d{8})\b", part.get_payload(decode=True).decode())
                    if found:
                        return found.group(1)
        return None

    return wait_until(code, timeout=15, what=f"a login code mailed to {address}")


# -- registration, profile, consent ----------------------------------------------------


def test_full_profile_is_registered_and_changed_with_patch(api, db_session):
    ada = register(api, ADA)
    me = api.get("/v1/me", token=ada["access_token"]).json()
    assert me["email"] == "Ada@Example.org"
    assert (me["job_title"], me["country"], me["time_zone"]) == ("Curator", "GB", "Europe/London")
    assert me["accessibility_needs"] == "captions"
    assert me["consent"] == {"share_with_exhibitors": True, "marketing": False}

    patched = api.request(
        "PATCH",
        "/v1/me",
        token=ada["access_token"],
        json={"organization": "Flood Museum", "consent": {"marketing": True}},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["organization"] == "Flood Museum"
    assert body["consent"] == {"share_with_exhibitors": True, "marketing": True}
    assert body["consent_updated_at"]["marketing"] > me["consent_updated_at"]["marketing"]
    assert (
        body["consent_updated_at"]["share_with_exhibitors"]
        == (me["consent_updated_at"]["share_with_exhibitors"])
    )
    [event] = outbox_envelopes(db_session("registration"), "attendee_updated")
    assert event["data"]["changed"] == ["organization", "consent.marketing"]


def timed_registration(api, body):
    started = time.perf_counter()
    response = api.post("/v1/registrations", json=body)
    return response, time.perf_counter() - started


def test_registration_does_not_tell_who_is_registered(mail_api, db_session, smtp_sink):
    api = mail_api
    register(api, ADA)
    for _ in range(3):  # warm both paths up before timing them
        api.post("/v1/registrations", json={**ADA, "email": "ADA@example.ORG"})
        api.post("/v1/registrations", json={**BOB, "email": f"w{time.monotonic_ns()}@example.org"})
    known, new = [], []
    for i in range(8):  # interleaved, so a load spike on the machine hits both alike
        known.append(timed_registration(api, {**ADA, "email": "ADA@example.ORG", "full_name": "X"}))
        new.append(timed_registration(api, {**BOB, "email": f"new{i}@example.org"}))
    responses = [response for response, _ in known + new]
    assert {r.status_code for r in responses} == {202}
    assert len({r.text for r in responses}) == 1  # the same body, and no token in it
    assert "access_token" not in responses[0].json()
    assert {r.headers["Content-Type"] for r in responses} == {"application/json"}
    # roughly as long (the same database work either way): medians within 50 ms or 30 %
    medians = [sorted(t for _, t in timings)[len(timings) // 2] for timings in (known, new)]
    assert abs(medians[0] - medians[1]) < max(0.05, 0.3 * max(medians)), medians

    assert rows(db_session, Attendee, Attendee.email_normalized == "ada@example.org") == 1
    assert (
        api.get("/v1/me", token=api.sign_in(ADA["email"])["access_token"]).json()["full_name"]
        == ADA["full_name"]
    )  # the stranger changed nothing
    # the owner, not the stranger, is told, with a code to sign in
    told = wait_until(
        lambda: [
            m
            for m in smtp_sink.messages()
            if m["Subject"] == "You are already registered for Plenary"
        ],
        timeout=15,
    )
    assert {m["To"] for m in told} == {ADA["email"]}


# -- public and restricted ticket types --------------------------------------------------


@pytest.mark.parametrize("ticket_type", ["complimentary", "speaker", "exhibitor_staff"])
def test_a_restricted_ticket_type_needs_an_organizer_code(api, db_session, ticket_type):
    body = {**ADA, "ticket_type": ticket_type}
    problem = assert_problem(api.post("/v1/registrations", json=body), 422)
    assert "ticket_code" in problem["errors"]
    wrong = {**body, "ticket_code": "ptc_made-up"}  # well formed, but no such code: 403
    assert "ticket_code" in assert_problem(api.post("/v1/registrations", json=wrong), 403)["errors"]
    assert rows(db_session, Attendee) == 0

    attendee_token = register(api, BOB)["access_token"]
    path = f"/v1/ticket-types/{ticket_type}/codes"
    assert_problem(api.post(path, token=attendee_token, json={}), 403)
    issued = api.post(path, token=ORGANIZER_TOKEN, json={"max_uses": 1})
    assert issued.status_code == 201, issued.text
    code = issued.json()["code"]
    assert rows(db_session, TicketCode, TicketCode.code_hash == code) == 0  # only its hash
    ada = register(api, {**body, "ticket_code": code})
    assert api.get("/v1/me", token=ada["access_token"]).json()["ticket_type"] == ticket_type
    used_up = {**body, "email": "carol@example.org", "ticket_code": code}
    assert_problem(api.post("/v1/registrations", json=used_up), 403)


def test_public_ticket_types_need_no_code_and_get_none(api):
    assert_problem(api.post("/v1/ticket-types/member/codes", token=ORGANIZER_TOKEN, json={}), 422)
    for i, ticket_type in enumerate(["member", "non_member", "student"]):
        body = {**BOB, "email": f"p{i}@example.org", "ticket_type": ticket_type}
        assert api.post("/v1/registrations", json=body).status_code == 202


def test_capacity_reached_refuses_until_a_seat_is_freed(api, db_session):
    capacity = api.put("/v1/ticket-types/student", token=ORGANIZER_TOKEN, json={"capacity": 1})
    assert capacity.json()["remaining"] == 1
    first = register(api, {**ADA, "ticket_type": "student"})

    problem = assert_problem(
        api.post("/v1/registrations", json={**BOB, "ticket_type": "student"}), 409
    )
    assert problem["errors"] == {"ticket_type": ["sold out"]}
    assert rows(db_session, Attendee) == 1
    register(api, {**BOB, "ticket_type": "member"})  # other types are not affected

    cancelled = api.post(
        f"/v1/registrations/{first['attendee_id']}/cancellation", token=ORGANIZER_TOKEN
    )
    assert cancelled.json()["status"] == "cancelled"
    register(api, {**BOB, "email": "carol@example.org", "ticket_type": "student"})
    types = {t["ticket_type"]: t for t in api.get("/v1/ticket-types", token=ORGANIZER_TOKEN).json()}
    assert types["student"] == {
        "ticket_type": "student",
        "capacity": 1,
        "registered": 1,
        "cancelled": 1,
        "remaining": 0,
    }
    assert types["member"]["capacity"] is None and types["member"]["registered"] == 1


# -- passwordless login ------------------------------------------------------------------


@pytest.fixture
def mail_api(platform):
    return platform("registration", "notifications")


def test_the_stored_mail_keeps_no_login_code(mail_api, smtp_sink, db_session):
    api = mail_api
    register(api, ADA)
    api.post("/v1/auth/login-link", json={"email": ADA["email"]})
    code = mailed_code(smtp_sink, ADA["email"])
    db = db_session("notifications")

    def sent_logins():
        db.rollback()
        mails = db.query(OutgoingEmail).filter(OutgoingEmail.kind == "login_link").all()
        return len(mails) == 2 and all(m.status == "sent" for m in mails) and mails

    mails = wait_until(sent_logins, timeout=15, what="both login mails sent")
    for mail in mails:
        assert code not in mail.text_body + mail.html_body + (mail.secret or "")
        assert "[code:redacted]" in mail.text_body and mail.secret is None
    exported = api.get("/v1/me/export", token=register_token(api)).json()
    assert code not in str(exported)


def register_token(api):
    """A fresh token of Ada, already registered and mailed."""
    api.post("/v1/auth/login-link", json={"email": ADA["email"]})
    return api.sign_in(ADA["email"])["access_token"]


def test_asking_again_keeps_the_code_already_mailed(mail_api, smtp_sink):
    api = mail_api
    register(api, ADA)
    api.post("/v1/auth/login-link", json={"email": ADA["email"]})
    first = mailed_code(smtp_sink, ADA["email"])
    for _ in range(3):  # a stranger asks for more, up to LOGIN_CODE_MAX_LIVE and beyond
        assert api.post("/v1/auth/login-link", json={"email": ADA["email"]}).status_code == 202
    granted = api.post("/v1/auth/token", json={"email": ADA["email"], "code": first})
    assert granted.status_code == 200, granted.text


def test_login_by_mailed_code_single_use(mail_api, smtp_sink, db_session):
    api = mail_api
    register(api, ADA)
    known = api.post("/v1/auth/login-link", json={"email": "ada@EXAMPLE.org"})
    unknown = api.post("/v1/auth/login-link", json={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    code = mailed_code(smtp_sink, "Ada@Example.org")
    assert rows(db_session, LoginCode, LoginCode.code_hash == code) == 0  # only its hash

    wrong = "0" * 8 if code != "0" * 8 else "1" * 8
    assert_problem(api.post("/v1/auth/token", json={"email": ADA["email"], "code": wrong}), 401)
    granted = api.post("/v1/auth/token", json={"email": "ada@example.org", "code": code})
    assert granted.status_code == 200, granted.text
    token = granted.json()
    assert token["token_type"] == "Bearer" and token["access_token"].startswith("pat_")
    assert api.get("/v1/me", token=token["access_token"]).json()["email"] == ADA["email"]

    reused = api.post("/v1/auth/token", json={"email": ADA["email"], "code": code})
    assert_problem(reused, 401)
    assert all(m["To"] != "nobody@example.org" for m in smtp_sink.messages())

    assert api.post("/v1/auth/logout", token=token["access_token"]).status_code == 204
    assert_problem(api.get("/v1/me", token=token["access_token"]), 401)


def test_expired_code_is_refused(platform):
    api = platform("registration", LOGIN_CODE_TTL_SECONDS=0)
    assert api.post("/v1/registrations", json=ADA).status_code == 202
    code = api.login_codes.code_for(ADA["email"])
    assert_problem(api.post("/v1/auth/token", json={"email": ADA["email"], "code": code}), 401)


def test_code_dies_after_too_many_wrong_tries(mail_api, smtp_sink):
    api = mail_api
    register(api, ADA)
    api.post("/v1/auth/login-link", json={"email": ADA["email"]})
    code = mailed_code(smtp_sink, ADA["email"])
    wrong = str((int(code) + 1) % 10**8).zfill(8)
    for _ in range(5):  # LOGIN_CODE_MAX_ATTEMPTS
        api.post("/v1/auth/token", json={"email": ADA["email"], "code": wrong})
    assert_problem(api.post("/v1/auth/token", json={"email": ADA["email"], "code": code}), 401)


# -- cancellation, isolation -----------------------------------------------------------


def test_attendee_cancels_and_may_register_again(api, db_session):
    ada = register(api, ADA)
    cancelled = api.post("/v1/me/cancellation", token=ada["access_token"])
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert_problem(api.get("/v1/me", token=ada["access_token"]), 401)

    db = db_session("registration")
    mailed = len(outbox_envelopes(db, "login_link_requested"))
    assert api.post("/v1/auth/login-link", json={"email": ADA["email"]}).status_code == 202
    assert len(outbox_envelopes(db, "login_link_requested")) == mailed  # none when cancelled
    [event] = outbox_envelopes(db, "attendee_cancelled")
    assert event["data"] == {
        "attendee_id": ada["attendee_id"],
        "cancelled_by": "attendee",
        "cancelled_at": event["data"]["cancelled_at"],
    }
    again = register(api, ADA)
    assert again["attendee_id"] != ada["attendee_id"]


def test_another_attendees_data_is_never_reachable(api):
    ada, bob = register(api, ADA), register(api, BOB)
    assert api.get("/v1/me", token=ada["access_token"]).json()["attendee_id"] == ada["attendee_id"]
    api.request("PATCH", "/v1/me", token=ada["access_token"], json={"job_title": "Director"})
    assert api.get("/v1/me", token=bob["access_token"]).json()["job_title"] == ""
    # what takes an attendee id is for the organizer only
    for method, path in [
        ("GET", "/v1/attendees"),
        ("GET", "/v1/stats"),
        ("POST", f"/v1/registrations/{bob['attendee_id']}/cancellation"),
        ("DELETE", f"/v1/attendees/{bob['attendee_id']}"),
    ]:
        assert_problem(api.request(method, path, token=ada["access_token"]), 403)
    assert api.get("/v1/me", token=bob["access_token"]).json()["status"] == "registered"


# -- organizer tools ---------------------------------------------------------------------


def test_organizer_searches_exports_csv_and_reads_stats(api):
    register(api, ADA)
    code = api.post("/v1/ticket-types/speaker/codes", token=ORGANIZER_TOKEN, json={}).json()
    evil = {**BOB, "full_name": "=HYPERLINK(evil)", "ticket_type": "speaker"}
    register(api, {**evil, "ticket_code": code["code"]})

    found = api.get("/v1/attendees", token=ORGANIZER_TOKEN, params={"q": "city mus"}).json()
    assert [a["email"] for a in found["items"]] == [ADA["email"]]
    speakers = api.get("/v1/attendees", token=ORGANIZER_TOKEN, params={"ticket_type": "speaker"})
    assert [a["email"] for a in speakers.json()["items"]] == [BOB["email"]]

    exported = api.get("/v1/attendees", token=ORGANIZER_TOKEN, headers={"Accept": "text/csv"})
    assert exported.headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["email"] for row in table] == [ADA["email"], BOB["email"]]
    assert table[1]["full_name"] == "'=HYPERLINK(evil)"  # no formula injection

    stats = api.get("/v1/stats", token=ORGANIZER_TOKEN).json()
    assert stats["registrations"] == stats["active"] == 2
    [day] = stats["registrations_by_day"]
    assert day["total"] == 2 and day["by_ticket_type"] == {"member": 1, "speaker": 1}


# -- bad input, limits -------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("PATCH", "/v1/me", {}),
        ("PATCH", "/v1/me", {"email": "new@example.org"}),
        ("PATCH", "/v1/me", {"ticket_type": "speaker"}),
        ("PATCH", "/v1/me", {"country": "Narnia"}),
        ("PATCH", "/v1/me", {"time_zone": "Europe/Atlantis"}),
        ("PATCH", "/v1/me", {"consent": {"marketing": "yes"}}),
        ("PATCH", "/v1/me", {"full_name": ""}),
        ("POST", "/v1/auth/login-link", {"email": "not-an-email"}),
        ("POST", "/v1/auth/login-link", {}),
        ("POST", "/v1/auth/token", {"email": "ada@example.org"}),
        ("POST", "/v1/auth/token", {"email": "ada@example.org", "code": "x" * 65}),
        ("PUT", "/v1/ticket-types/student", {"capacity": -1}),
        ("PUT", "/v1/ticket-types/student", {"capacity": "10"}),
        ("PUT", "/v1/ticket-types/student", {}),
        ("PUT", "/v1/ticket-types/vip", {"capacity": 10}),
        ("POST", "/v1/registrations", {**ADA, "country": "gb"}),
        ("POST", "/v1/registrations", {**ADA, "time_zone": "UTC+2"}),
        ("POST", "/v1/registrations", {**ADA, "consent": {"marketing": True}}),
    ],
)
def test_bad_input_is_422_and_writes_nothing(api, db_session, method, path, body):
    token = ORGANIZER_TOKEN if path.startswith("/v1/ticket-types") else None
    if path == "/v1/me":
        token = register(api, BOB)["access_token"]
    before = rows(db_session, outbox_table), rows(db_session, AccessToken)
    assert_problem(api.request(method, path, token=token, json=body), 422)
    assert (rows(db_session, outbox_table), rows(db_session, AccessToken)) == before
    assert rows(db_session, LoginCode) == 0
    types = api.get("/v1/ticket-types", token=ORGANIZER_TOKEN).json()
    assert all(t["capacity"] is None for t in types)


@pytest.mark.parametrize(
    "params", [{"status": "vip"}, {"ticket_type": "vip"}, {"q": ""}, {"cursor": "!!"}]
)
def test_bad_search_is_422(api, params):
    assert_problem(api.get("/v1/attendees", token=ORGANIZER_TOKEN, params=params), 422)


def test_unknown_attendee_is_404_for_the_organizer(api):
    for method, path in [
        ("POST", "/v1/registrations/7f1d4a1e-0000-4000-8000-000000000000/cancellation"),
        ("DELETE", "/v1/attendees/7f1d4a1e-0000-4000-8000-000000000000"),
    ]:
        assert_problem(api.request(method, path, token=ORGANIZER_TOKEN), 404)


def test_rate_limits_answer_429_with_retry_after(platform, db_session):
    api = platform(
        "registration", RATE_LIMIT_REGISTRATION="2/minute", RATE_LIMIT_LOGIN_LINK="1/minute"
    )
    register(api, ADA)
    register(api, BOB)
    refused = api.post("/v1/registrations", json={**BOB, "email": "carol@example.org"})
    assert_problem(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert rows(db_session, Attendee) == 2

    assert api.post("/v1/auth/login-link", json={"email": ADA["email"]}).status_code == 202
    assert_problem(api.post("/v1/auth/login-link", json={"email": ADA["email"]}), 429)


def test_too_large_body_is_413_and_writes_nothing(api, db_session):
    huge = {**ADA, "accessibility_needs": "x" * (65 * 1024)}
    assert_problem(api.post("/v1/registrations", json=huge), 413)
    assert rows(db_session, Attendee) == 0


@pytest.mark.parametrize(
    "hops, client", [(0, "10.0.0.9"), (1, "192.0.2.2"), (2, "198.51.100.1"), (3, "10.0.0.9")]
)
def test_client_address_trusts_only_the_configured_proxies(hops, client):
    environ = EnvironBuilder(
        headers={"X-Forwarded-For": "198.51.100.1, 192.0.2.2"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    ).get_environ()
    assert client_address(Request(environ), hops) == client
