"""The program, agendas, joining, chat and Q&A through the gateway, on the real broker
and databases: every program route, its caching, its feeds and its refusals."""

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import update

from plumbing.events import utcnow
from plumbing.testing import count_rows
from services.registration.models import Attendee
from services.sessions.models import AgendaEntry, Attendance, Message, ProgramSession, Track
from tests.conftest import ORGANIZER_TOKEN

PANEL = {
    "title": "Rebuild: collections after the flood",
    "abstract": "Lessons learned.",
    "track": "rebuild",
    "kind": "panel",
    "starts_at": "2030-05-04T10:00:00+02:00",
    "ends_at": "2030-05-04T11:00:00+02:00",
    "speakers": [
        {"name": "Sam Speaker", "organization": "Flood Museum", "email": "sam@example.org"}
    ],
    "capacity": 300,
    "stream_url": "https://stream.example.org/panel",
}


def register(api, email, name):
    return api.sign_up({"email": email, "full_name": name})["access_token"]


@pytest.fixture
def api(platform):
    return platform("registration", "sessions")


@pytest.fixture
def sessions_db(db_session):
    return db_session("sessions")


def create(api, **fields):
    response = api.post("/v1/sessions", token=ORGANIZER_TOKEN, json={**PANEL, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    return response.json()


def test_public_program_is_cacheable_and_revalidates(api):
    session = create(api)
    assert session["stream_url"] == PANEL["stream_url"]  # the organizer's view

    for path in ("/v1/sessions", f"/v1/sessions/{session['id']}", "/v1/tracks", "/v1/sessions.ics"):
        first = api.get(path)
        assert first.status_code == 200, path
        assert first.headers["Cache-Control"] == "public, max-age=30"
        etag = first.headers["ETag"]
        unchanged = api.get(path, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b"", path
        assert unchanged.headers["ETag"] == etag

    etag = api.get(f"/v1/sessions/{session['id']}").headers["ETag"]
    moved = api.request(
        "PATCH", f"/v1/sessions/{session['id']}", token=ORGANIZER_TOKEN, json={"title": "Moved"}
    )
    assert moved.status_code == 200 and moved.json()["sequence"] == 1
    changed = api.get(f"/v1/sessions/{session['id']}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["title"] == "Moved"
    public = changed.json()
    assert "stream_url" not in public and "email" not in public["speakers"][0]


def test_filters_through_the_gateway(api):
    create(
        api, title="Late in Paris", starts_at="2030-05-04T22:30:00Z", ends_at="2030-05-04T23:00Z"
    )
    create(api, title="Workshop", kind="workshop", speakers=[{"name": "Ana Ribeiro"}])

    def titles(**params):
        response = api.get("/v1/sessions", params=params)
        assert response.status_code == 200, response.text
        return [s["title"] for s in response.json()["items"]]

    assert titles(day="2030-05-05", tz="Europe/Paris") == ["Late in Paris"]
    assert titles(day="2030-05-04") == ["Workshop", "Late in Paris"]
    assert titles(kind="workshop") == ["Workshop"]
    assert titles(speaker="ribeiro") == ["Workshop"]
    assert titles(q="flood museum", limit=1) == ["Late in Paris"]
    for bad in ({"tz": "Mars/Base"}, {"kind": "party"}, {"speaker": ""}, {"day": "05/04"}):
        assert_problem(api.get("/v1/sessions", params=bad), 422)


def test_ical_feeds_import_cleanly(api):
    token = register(api, "ical@example.org", "Ical Person")
    session = create(api)
    create(api, title="Not in my agenda")
    assert api.put(f"/v1/me/agenda/{session['id']}", token=token).status_code == 200

    public = api.get("/v1/sessions.ics")
    mine = api.get("/v1/me/agenda.ics", token=token)
    for response, count in ((public, 2), (mine, 1)):
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        events = Calendar.from_ical(response.text).walk("VEVENT")
        assert len(events) == count
        for event in events:
            for prop in ("UID", "DTSTAMP", "DTSTART", "SUMMARY", "SEQUENCE"):
                assert prop in event
            assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert mine.headers["Cache-Control"].startswith("private")
    assert_problem(api.get("/v1/me/agenda.ics"), 401)


def test_agenda_warns_about_overlaps(api):
    token = register(api, "busy@example.org", "Busy Person")
    first = create(api)
    clash = create(
        api, title="Clash", starts_at="2030-05-04T08:30:00Z", ends_at="2030-05-04T09:30Z"
    )
    apart = create(
        api, title="Apart", starts_at="2030-05-05T08:00:00Z", ends_at="2030-05-05T09:00Z"
    )
    assert api.put(f"/v1/me/agenda/{first['id']}", token=token).json()["overlaps"] == []
    warned = api.put(f"/v1/me/agenda/{clash['id']}", token=token).json()
    assert [o["session_id"] for o in warned["overlaps"]] == [first["id"]]
    assert api.put(f"/v1/me/agenda/{apart['id']}", token=token).json()["overlaps"] == []
    agenda = api.get("/v1/me/agenda", token=token).json()
    assert [s["title"] for s in agenda] == [PANEL["title"], "Clash", "Apart"]


def test_organizers_manage_tracks_and_sessions(api, sessions_db):
    track = api.post(
        "/v1/tracks", token=ORGANIZER_TOKEN, json={"id": "recharge", "name": "Recharge"}
    )
    assert track.status_code == 201
    assert_problem(
        api.post("/v1/tracks", token=ORGANIZER_TOKEN, json={"id": "recharge", "name": "X"}), 409
    )
    session = create(api, track="recharge")
    cancelled = api.delete(
        f"/v1/sessions/{session['id']}", token=ORGANIZER_TOKEN, params={"reason": "Storm"}
    )
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == ("cancelled", "Storm")
    assert api.get(f"/v1/sessions/{session['id']}").json()["status"] == "cancelled"
    assert_problem(
        api.request(
            "PATCH", f"/v1/sessions/{session['id']}", token=ORGANIZER_TOKEN, json={"title": "Back"}
        ),
        409,
    )
    assert count_rows(sessions_db, Track) == 5


def test_join_attendance_and_chat(api, sessions_db):
    alice = register(api, "alice@example.org", "Alice Archivist")
    sam = register(api, "SAM@example.org", "Sam Speaker")
    now = utcnow()
    session = create(
        api,
        starts_at=(now - timedelta(minutes=5)).isoformat(),
        ends_at=(now + timedelta(minutes=55)).isoformat(),
        capacity=1,
    )
    sid = session["id"]

    joined = api.post(f"/v1/sessions/{sid}/join", token=alice)
    assert joined.status_code == 200, joined.text
    assert joined.json()["stream_url"] == PANEL["stream_url"]
    assert assert_problem(api.post(f"/v1/sessions/{sid}/join", token=sam), 409)["errors"] == {
        "session_id": ["full"]
    }
    assert api.post(f"/v1/sessions/{sid}/leave", token=alice).status_code == 204
    assert api.post(f"/v1/sessions/{sid}/join", token=sam).status_code == 200

    report = api.get(f"/v1/sessions/{sid}/attendance", token=ORGANIZER_TOKEN)
    assert report.status_code == 200
    assert sorted(r["full_name"] for r in report.json()["items"]) == [
        "Alice Archivist",
        "Sam Speaker",
    ]
    assert_problem(api.get(f"/v1/sessions/{sid}/attendance", token=alice), 403)

    question = api.post(
        f"/v1/sessions/{sid}/messages", token=alice, json={"kind": "question", "body": "Slides?"}
    )
    assert question.status_code == 201, question.text
    qid = question.json()["id"]
    upvoted = api.post(f"/v1/sessions/{sid}/messages/{qid}/upvote", token=sam)
    assert upvoted.json()["upvotes"] == 1

    path = f"/v1/sessions/{sid}/messages/{qid}"
    assert_problem(api.request("PATCH", path, token=alice, json={"hidden": True}), 403)
    answered = api.request("PATCH", path, token=sam, json={"answered": True})  # email matches
    assert answered.status_code == 200 and answered.json()["answered"] is True
    hidden = api.request("PATCH", path, token=ORGANIZER_TOKEN, json={"hidden": True})
    assert hidden.json()["hidden"] is True

    assert api.get(f"/v1/sessions/{sid}/messages", token=alice).json()["items"] == []
    seen = api.get(
        f"/v1/sessions/{sid}/messages", token=ORGANIZER_TOKEN, params={"kind": "question"}
    )
    assert [m["id"] for m in seen.json()["items"]] == [qid]
    assert count_rows(sessions_db, Attendance) == 2


def test_bad_input_on_program_routes_is_a_problem_and_writes_nothing(api, sessions_db):
    alice = register(api, "bad@example.org", "Bad Input")
    session = create(api)
    sid = session["id"]
    before = [
        count_rows(sessions_db, model) for model in (ProgramSession, AgendaEntry, Message, Track)
    ]
    org = ORGANIZER_TOKEN
    cases = [
        ("POST", "/v1/sessions", org, {**PANEL, "starts_at": "tomorrow"}, 422),
        ("POST", "/v1/sessions", org, {**PANEL, "stream_url": "ftp://x"}, 422),
        ("POST", "/v1/sessions", alice, PANEL, 403),
        ("PATCH", f"/v1/sessions/{sid}", org, {}, 422),
        ("PATCH", f"/v1/sessions/{sid}", org, {"ends_at": "2030-05-04T07:00:00Z"}, 422),
        ("PATCH", f"/v1/sessions/{sid}", None, {"title": "x"}, 401),
        ("PATCH", "/v1/sessions/00000000-0000-4000-8000-000000000000", org, {"title": "x"}, 404),
        ("DELETE", f"/v1/sessions/{sid}?reason=" + "x" * 501, org, None, 422),
        ("POST", "/v1/tracks", org, {"id": "Bad Id", "name": "x"}, 422),
        ("POST", f"/v1/sessions/{sid}/messages", alice, {"kind": "chat", "body": "x" * 1001}, 422),
        ("POST", f"/v1/sessions/{sid}/messages", alice, {"kind": "rant", "body": "x"}, 422),
        ("POST", f"/v1/sessions/{sid}/join", alice, None, 409),  # not open yet
        ("PUT", "/v1/me/agenda/" + "x" * 40, alice, None, 422),
        ("GET", f"/v1/sessions/{sid}/messages?cursor=!!", alice, None, 422),
        ("GET", f"/v1/sessions/{sid}/messages?kind=rant", alice, None, 422),
    ]
    for method, path, token, body, status in cases:
        assert_problem(api.request(method, path, token=token, json=body), status)
    after = [
        count_rows(sessions_db, model) for model in (ProgramSession, AgendaEntry, Message, Track)
    ]
    assert after == before
    assert api.get(f"/v1/sessions/{sid}").json()["sequence"] == 0


def test_a_speakers_address_moderates_only_once_proven_by_a_login_code(api, db_session):
    sid = create(api)["id"]
    alice = register(api, "alice@example.org", "Alice Archivist")
    rude = api.post(f"/v1/sessions/{sid}/messages", token=alice, json={"kind": "chat", "body": "!"})
    path = f"/v1/sessions/{sid}/messages/{rude.json()['id']}"
    api.request("PATCH", path, token=ORGANIZER_TOKEN, json={"hidden": True})

    # a stranger registers with the speaker's address in another case: no token comes back
    impostor = api.post("/v1/registrations", json={"email": "SAM@Example.ORG", "full_name": "Sam"})
    assert impostor.status_code == 202 and "access_token" not in impostor.json()
    # a token whose address was never proven (as every token issued before proof existed)
    token = api.sign_in("SAM@Example.ORG")["access_token"]
    registration_db = db_session("registration")
    registration_db.execute(update(Attendee).values(email_verified_at=None))
    registration_db.commit()
    assert api.get("/v1/me", token=token).json()["email_verified_at"] is None
    assert_problem(api.request("PATCH", path, token=token, json={"hidden": False}), 403)
    assert api.get(f"/v1/sessions/{sid}/messages", token=token).json()["items"] == []

    # signing in with a mailed code proves the address: the speaker's rights follow
    assert api.post("/v1/auth/login-link", json={"email": "sam@example.org"}).status_code == 202
    proven = api.sign_in("sam@example.org")["access_token"]
    assert api.get("/v1/me", token=proven).json()["email_verified_at"]
    hidden = api.get(f"/v1/sessions/{sid}/messages", token=proven).json()["items"]
    assert [m["id"] for m in hidden] == [rude.json()["id"]]
    shown = api.request("PATCH", path, token=proven, json={"hidden": False})
    assert shown.status_code == 200 and shown.json()["hidden"] is False
