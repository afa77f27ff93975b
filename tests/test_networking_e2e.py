"""Networking and the FAQ through the gateway: directory, connections, messages on the
live stream and by batched email, blocks, moderation, meetings in agenda.ics, the FAQ's
caching, and export and erasure."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from plumbing.events import utcnow
from plumbing.replica import AttendeeReplica
from plumbing.testing import count_rows, wait_until
from services.networking.models import DirectMessage, Profile
from services.notifications.models import OutgoingEmail
from tests.conftest import ORGANIZER_TOKEN
from tests.test_notifications_e2e import SseClient

INTERESTS = {
    "interests": [{"id": "digital", "label": "Digital"}, {"id": "education", "label": "Education"}]
}


def register(api, name, organization="Harbor Museum"):
    first = name.split()[0].lower()
    return api.sign_up(
        {
            "email": f"{first}@example.org",
            "full_name": name,
            "organization": organization,
            "consent": {"share_with_exhibitors": False},
        }
    )


@pytest.fixture
def people(platform):
    api = platform()
    assert api.request("PUT", "/v1/networking/interests", ORGANIZER_TOKEN, json=INTERESTS).ok
    ada, ben, cy = (register(api, n) for n in ("Ada Archivist", "Ben Curator", "Cy Shy"))
    for person in (ada, ben):
        answer = api.put(
            "/v1/me/profile",
            person["access_token"],
            json={"listed": True, "job_title": "Curator", "interests": ["digital"]},
        )
        assert answer.status_code == 200, answer.text
    return api, ada, ben, cy


def connect(api, one, other):
    asked = api.post(
        "/v1/me/connections", one["access_token"], json={"attendee_id": other["attendee_id"]}
    )
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    request_id = api.get("/v1/me/connection-requests", other["access_token"]).json()["items"][0][
        "id"
    ]
    accepted = api.post(f"/v1/me/connection-requests/{request_id}/accept", other["access_token"])
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"


def test_directory_lists_the_opted_in_with_search_and_problems_for_bad_queries(people):
    api, ada, ben, cy = people
    listed = api.get("/v1/directory", ada["access_token"]).json()["items"]
    assert [p["full_name"] for p in listed] == ["Ben Curator"]
    assert (
        api.get("/v1/directory", cy["access_token"]).json()["items"][0]["full_name"]
        == "Ada Archivist"
    )
    short = api.get("/v1/directory", ada["access_token"], params={"q": "b"})
    assert short.status_code == 422 and short.headers["Content-Type"] == "application/problem+json"
    assert api.get("/v1/directory").status_code == 401
    assert api.get(f"/v1/directory/{cy['attendee_id']}", ada["access_token"]).status_code == 404
    profile = api.get(f"/v1/directory/{ben['attendee_id']}", ada["access_token"]).json()
    assert profile["email"] is None and profile["connection"] == "none"


def test_connected_attendees_message_live_and_mail_is_batched(people, db_session):
    api, ada, ben, cy = people
    assert (
        api.post(
            "/v1/me/messages", ada["access_token"], json={"to": ben["attendee_id"], "body": "Hi"}
        ).status_code
        == 403
    )
    connect(api, ada, ben)
    profile = api.get(f"/v1/directory/{ben['attendee_id']}", ada["access_token"]).json()
    assert profile["email"] == "ben@example.org"

    client = SseClient(f"{api.base_url}/v1/me/notifications/stream", ben["access_token"])
    try:
        wait_until(lambda: client.comments, what="the stream")
        for body in ("Hello Ben", "Coffee at 3?"):
            sent = api.post(
                "/v1/me/messages",
                ada["access_token"],
                json={"to": ben["attendee_id"], "body": body},
            )
            assert sent.status_code == 201, sent.text
        wait_until(lambda: len(client.of("direct_message")) == 2, what="both messages live")
        live = {event["data"]["body"] for event in client.of("direct_message")}
        assert live == {"Hello Ben", "Coffee at 3?"}
    finally:
        client.close()
    inbox = api.get("/v1/me/conversations", ben["access_token"]).json()
    assert inbox["unread_count"] == 2
    conversation = inbox["items"][0]["id"]
    read = api.post(f"/v1/me/conversations/{conversation}/read", ben["access_token"])
    assert read.json()["unread_count"] == 0

    notifications = db_session("notifications")

    def emails():
        return count_rows(notifications, OutgoingEmail, OutgoingEmail.kind == "direct_message")

    wait_until(lambda: emails() == 1, what="the batched email")
    too_long = api.post(
        f"/v1/me/conversations/{conversation}/messages",
        ben["access_token"],
        json={"body": "x" * 2001},
    )
    assert too_long.status_code == 422
    assert count_rows(db_session("networking"), DirectMessage) == 2


def test_block_hides_and_moderation_hides_for_everyone(people):
    api, ada, ben, cy = people
    connect(api, ada, ben)
    message = api.post(
        "/v1/me/messages", ada["access_token"], json={"to": ben["attendee_id"], "body": "Spam!"}
    ).json()
    report = api.post(
        "/v1/reports", ben["access_token"], json={"message_id": message["id"], "reason": "spam"}
    )
    assert report.status_code == 201
    queue = api.get("/v1/networking/reports", ORGANIZER_TOKEN).json()["items"]
    assert [r["message_body"] for r in queue] == ["Spam!"]
    assert api.get("/v1/networking/reports", ada["access_token"]).status_code == 403
    hidden = api.post(f"/v1/networking/messages/{message['id']}/hide", ORGANIZER_TOKEN)
    assert hidden.json() == {"message_id": message["id"], "hidden": True}
    for person in (ada, ben):
        shown = api.get(
            f"/v1/me/conversations/{message['conversation_id']}/messages", person["access_token"]
        )
        assert shown.json()["items"][0]["body"] is None

    assert api.put(f"/v1/me/blocks/{ada['attendee_id']}", ben["access_token"]).status_code == 200
    assert api.get("/v1/directory", ada["access_token"]).json()["items"] == []
    assert api.get("/v1/directory", ben["access_token"]).json()["items"] == []
    refused = api.post(
        "/v1/me/messages", ada["access_token"], json={"to": ben["attendee_id"], "body": "?"}
    )
    assert refused.status_code == 404


def test_an_accepted_meeting_is_in_both_agenda_feeds(people):
    api, ada, ben, cy = people
    start = (utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    slots = [
        {"starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=30)).isoformat()}
    ]
    proposed = api.post(
        "/v1/me/meetings", ada["access_token"], json={"with": ben["attendee_id"], "slots": slots}
    )
    assert proposed.status_code == 201, proposed.text
    meeting = proposed.json()
    accepted = api.post(
        f"/v1/me/meetings/{meeting['id']}/accept", ben["access_token"], json={"slot": 0}
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    for person in (ada, ben):
        feed = api.get("/v1/me/agenda.ics", person["access_token"])
        assert feed.status_code == 200
        events = Calendar.from_ical(feed.text).walk("VEVENT")
        assert [str(e["uid"]) for e in events] == [f"meeting-{meeting['id']}@plenary"]
    bad = api.post(
        "/v1/me/meetings", ada["access_token"], json={"with": ben["attendee_id"], "slots": []}
    )
    assert bad.status_code == 422


def test_faq_is_public_cacheable_and_searchable(people):
    api, *_ = people
    created = api.post(
        "/v1/faq",
        ORGANIZER_TOKEN,
        json={"question": "Are sessions recorded?", "answer": "Yes.", "category": "Sessions"},
    )
    assert created.status_code == 201
    assert (
        api.post("/v1/faq", ORGANIZER_TOKEN, json={"question": "", "answer": "x"}).status_code
        == 422
    )
    first = api.get("/v1/faq")
    assert first.json()["items"][0]["question"] == "Are sessions recorded?"
    assert first.headers["Cache-Control"].startswith("public")
    again = api.get("/v1/faq", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert api.get("/v1/faq", params={"q": "parking"}).json()["items"] == []


def test_export_and_erasure_cover_networking(people, db_session):
    api, ada, ben, cy = people
    connect(api, ada, ben)
    api.post("/v1/me/messages", ada["access_token"], json={"to": ben["attendee_id"], "body": "Hi"})
    export = api.get("/v1/me/export", ada["access_token"]).json()["networking"]
    assert export["profile"]["job_title"] == "Curator"
    assert export["conversations"][0]["messages"][0]["body"] == "Hi"
    assert api.delete("/v1/me", ada["access_token"]).status_code == 204
    networking = db_session("networking")
    ada_id = ada["attendee_id"]
    wait_until(
        lambda: count_rows(networking, AttendeeReplica, AttendeeReplica.attendee_id == ada_id) == 0,
        what="erasure in networking",
    )
    assert count_rows(networking, Profile, Profile.attendee_id == ada["attendee_id"]) == 0
    assert count_rows(networking, DirectMessage) == 0
    assert api.get("/v1/me/conversations", ben["access_token"]).json()["items"] == []
