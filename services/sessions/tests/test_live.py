"""Joining sessions, capacity, attendance minutes; chat and Q&A; personal data."""

from datetime import timedelta

import eventlet
import pytest
from sqlalchemy import update

from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from contracts.events.registration import AttendeeCancelled, AttendeeErased
from plumbing.consumer import processed_events
from plumbing.events import utcnow
from plumbing.outbox import outbox_table
from plumbing.testing import count_rows, wait_until
from services.sessions.models import AgendaEntry, Attendance, Message, Upvote
from services.sessions.tests.conftest import ONE_HOUR, add_session, outbox_events

ALICE = {
    "attendee_id": "3f1c2a7e-4b5d-4e8f-9a0b-1c2d3e4f5a6b",
    "full_name": "Alice Archivist",
    "email": "alice@example.org",
}
BOB = {
    "attendee_id": "8d7e6f5a-4b3c-4d2e-8f1a-0b9c8d7e6f5a",
    "full_name": "Bob Builder",
    "email": "bob@example.org",
}
SPEAKER = {
    "attendee_id": "5a5a5a5a-0000-4000-8000-000000000001",
    "full_name": "Sam",
    "email": "Sam.Speaker@Example.org",
    "email_verified_at": "2026-12-01T09:00:00+00:00",
}
# registered with the speaker's address (another case) but never signed in with a code
IMPOSTOR = {
    "attendee_id": "5a5a5a5a-0000-4000-8000-000000000002",
    "full_name": "Sam",
    "email": "SAM.SPEAKER@example.org",
    "email_verified_at": None,
}
ORGANIZER = {"organizer": True}
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def live(db):
    return add_session(
        db,
        -timedelta(minutes=10),
        ONE_HOUR,
        status="live",
        capacity=2,
        stream_url="https://stream.example.org/live/1",
        speakers=[{"name": "Sam", "email": "sam.speaker@example.org"}],
    )


# -- joining ---------------------------------------------------------------------------


def test_join_hands_out_the_stream_and_counts_once(sessions, db, live):
    joined = sessions.join_session(live, ALICE)
    assert joined["stream_url"] == "https://stream.example.org/live/1"
    assert joined["status"] == "live" and joined["heartbeat_seconds"] == 60
    again = sessions.join_session(live, ALICE)  # a heartbeat: same stretch
    assert again["joined_at"] == joined["joined_at"]
    assert count_rows(db, Attendance) == 1


def test_capacity_refuses_newcomers_not_those_present(sessions, db, live):
    sessions.join_session(live, ALICE)
    sessions.join_session(live, BOB)
    with pytest.raises(Conflict) as full:
        sessions.join_session(live, SPEAKER)
    assert full.value.errors == {"session_id": ["full"]}
    sessions.join_session(live, ALICE)  # still in
    sessions.leave_session(live, BOB["attendee_id"])
    sessions.join_session(live, SPEAKER)  # Bob's seat
    assert count_rows(db, Attendance) == 3


def test_silent_attendees_free_their_seat(sessions, db, live):
    sessions.join_session(live, ALICE)
    sessions.join_session(live, BOB)
    db.execute(update(Attendance).values(last_seen_at=utcnow() - timedelta(minutes=2)))
    db.commit()
    sessions.join_session(live, SPEAKER)
    sessions.join_session(live, ALICE)  # a new stretch for Alice
    assert count_rows(db, Attendance, Attendance.attendee_id == ALICE["attendee_id"]) == 2


def test_join_only_while_the_doors_are_open(sessions, db):
    # doors open with the reminder (SESSION_REMINDER_LEAD_SECONDS, 900 s) and close at the end
    later = add_session(db, timedelta(minutes=30), ONE_HOUR)
    opening = add_session(db, timedelta(minutes=10), ONE_HOUR)
    over = add_session(db, -2 * ONE_HOUR, ONE_HOUR, status="ended")
    cancelled = add_session(db, -timedelta(minutes=1), ONE_HOUR, status="cancelled")
    for closed in (later, over, cancelled):
        with pytest.raises(Conflict):
            sessions.join_session(closed, ALICE)
    assert sessions.join_session(opening, ALICE)["status"] in ("scheduled", "starting")
    with pytest.raises(NotFound):
        sessions.join_session(UNKNOWN, ALICE)
    assert count_rows(db, Attendance) == 1


@pytest.mark.parametrize(
    "attendee",
    [None, {}, {**ALICE, "attendee_id": ""}, {"attendee_id": ALICE["attendee_id"]}, "alice"],
)
def test_join_refuses_bad_attendees(sessions, db, live, attendee):
    with pytest.raises(Invalid):
        sessions.join_session(live, attendee)
    assert count_rows(db, Attendance) == 0


def test_attendance_report_counts_minutes_inside_the_session(sessions, db):
    now = utcnow()
    session_id = add_session(db, -ONE_HOUR, ONE_HOUR / 2, status="ended")  # ended 30 min ago
    starts = now - ONE_HOUR

    def stretch(who, joined, seen, left=None):
        db.add(
            Attendance(
                session_id=session_id,
                attendee_id=who["attendee_id"],
                attendee_name=who["full_name"],
                attendee_email=who["email"],
                joined_at=starts + timedelta(minutes=joined),
                last_seen_at=starts + timedelta(minutes=seen),
                left_at=None if left is None else starts + timedelta(minutes=left),
            )
        )

    stretch(ALICE, -5, 10, left=10)  # 10 minutes: the early 5 do not count
    stretch(ALICE, 20, 40)  # silent: counts until a heartbeat (1 min) after 40, capped at 30
    stretch(BOB, 29, 29)  # one heartbeat's worth, but the session ends at minute 30
    stretch(BOB, 29, 29.5)  # a second tab at the same time counts once
    db.commit()

    report = sessions.attendance_report(session_id)
    assert report["session_id"] == session_id and report["next_cursor"] is None
    rows = {row["attendee_id"]: row for row in report["items"]}
    assert rows[ALICE["attendee_id"]]["minutes"] == 20.0
    assert rows[ALICE["attendee_id"]]["full_name"] == "Alice Archivist"
    assert rows[BOB["attendee_id"]]["minutes"] == 1.0

    first = sessions.attendance_report(session_id, limit=1)
    rest = sessions.attendance_report(session_id, limit=1, cursor=first["next_cursor"])
    assert [r["attendee_id"] for r in first["items"] + rest["items"]] == sorted(rows)
    with pytest.raises(NotFound):
        sessions.attendance_report(UNKNOWN)
    with pytest.raises(Invalid):
        sessions.attendance_report(session_id, limit=0)


# -- chat and Q&A ------------------------------------------------------------------------


def test_messages_are_posted_announced_and_listed_newest_first(sessions, db, live):
    chat = sessions.post_message(live, ALICE, {"kind": "chat", "body": "  Hello all  "})
    question = sessions.post_message(live, BOB, {"kind": "question", "body": "Slides?"})
    assert chat["body"] == "Hello all" and chat["author_name"] == "Alice Archivist"
    assert (question["upvotes"], question["answered"], question["hidden"]) == (0, False, False)

    page = sessions.list_messages(live, ALICE)
    assert [m["id"] for m in page["items"]] == [question["id"], chat["id"]]
    assert [m["id"] for m in sessions.list_messages(live, ALICE, "question")["items"]] == [
        question["id"]
    ]
    first = sessions.list_messages(live, ALICE, limit=1)
    rest = sessions.list_messages(live, ALICE, limit=1, cursor=first["next_cursor"])
    assert [m["id"] for m in first["items"] + rest["items"]] == [question["id"], chat["id"]]

    posted = [data for kind, data in outbox_events(db) if kind == "message_posted"]
    assert [(p["message_id"], p["kind"], p["author_id"]) for p in posted] == [
        (chat["id"], "chat", ALICE["attendee_id"]),
        (question["id"], "question", BOB["attendee_id"]),
    ]


def test_upvotes_count_each_attendee_once(sessions, live):
    question = sessions.post_message(live, BOB, {"kind": "question", "body": "Why?"})
    chat = sessions.post_message(live, BOB, {"kind": "chat", "body": "Hi"})
    sessions.upvote_question(live, question["id"], ALICE["attendee_id"])
    voted = sessions.upvote_question(live, question["id"], ALICE["attendee_id"])
    assert voted["upvotes"] == 1
    assert sessions.upvote_question(live, question["id"], BOB["attendee_id"])["upvotes"] == 2
    with pytest.raises(Conflict):
        sessions.upvote_question(live, chat["id"], ALICE["attendee_id"])
    with pytest.raises(NotFound):
        sessions.upvote_question(live, UNKNOWN, ALICE["attendee_id"])


def test_speakers_and_organizers_moderate(sessions, db, live):
    question = sessions.post_message(live, ALICE, {"kind": "question", "body": "Q"})
    rude = sessions.post_message(live, BOB, {"kind": "chat", "body": "rude"})

    with pytest.raises(Forbidden):
        sessions.moderate_message(live, rude["id"], BOB, {"hidden": True})
    answered = sessions.moderate_message(live, question["id"], SPEAKER, {"answered": True})
    assert answered["answered"] is True
    hidden = sessions.moderate_message(live, rude["id"], ORGANIZER, {"hidden": True})
    assert hidden["hidden"] is True

    assert [m["id"] for m in sessions.list_messages(live, ALICE)["items"]] == [question["id"]]
    assert len(sessions.list_messages(live, SPEAKER)["items"]) == 2
    assert len(sessions.list_messages(live, ORGANIZER)["items"]) == 2
    with pytest.raises(Conflict):
        sessions.upvote_question(live, rude["id"], ALICE["attendee_id"])
    with pytest.raises(Invalid):
        sessions.moderate_message(live, rude["id"], ORGANIZER, {"answered": True})
    shown = sessions.moderate_message(live, rude["id"], ORGANIZER, {"hidden": False})
    assert shown["hidden"] is False


def test_an_unproven_speaker_email_gives_no_moderation_rights(sessions, db, live):
    rude = sessions.post_message(live, BOB, {"kind": "chat", "body": "rude"})
    sessions.moderate_message(live, rude["id"], ORGANIZER, {"hidden": True})
    for impostor in (IMPOSTOR, {k: v for k, v in IMPOSTOR.items() if k != "email_verified_at"}):
        with pytest.raises(Forbidden):
            sessions.moderate_message(live, rude["id"], impostor, {"hidden": False})
        assert sessions.list_messages(live, impostor)["items"] == []  # the hidden one
    proven = {**IMPOSTOR, "email_verified_at": "2026-12-02T10:00:00+00:00"}
    assert [m["id"] for m in sessions.list_messages(live, proven)["items"]] == [rude["id"]]


def test_messages_of_another_session_are_not_found(sessions, db, live):
    other = add_session(db, timedelta(days=1), ONE_HOUR)
    message = sessions.post_message(live, ALICE, {"kind": "chat", "body": "hi"})
    with pytest.raises(NotFound):
        sessions.moderate_message(other, message["id"], ORGANIZER, {"hidden": True})
    with pytest.raises(NotFound):
        sessions.upvote_question(other, message["id"], ALICE["attendee_id"])


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"kind": "shout", "body": "x"},
        {"kind": "chat", "body": ""},
        {"kind": "chat", "body": "   "},
        {"kind": "chat", "body": "x" * 1001},
        {"kind": "chat", "body": "a\x00b"},
        {"kind": "chat", "body": 5},
        {"kind": "chat", "body": "x", "author_id": BOB["attendee_id"]},
        ["chat"],
    ],
)
def test_bad_messages_are_refused_and_write_nothing(sessions, db, live, payload):
    with pytest.raises(Invalid):
        sessions.post_message(live, ALICE, payload)
    assert count_rows(db, Message) == 0
    assert count_rows(db, outbox_table) == 0


def test_bad_moderation_and_listing_input(sessions, db, live):
    message = sessions.post_message(live, ALICE, {"kind": "chat", "body": "hi"})
    for changes in ({}, {"hidden": "yes"}, {"hidden": 1}, {"pinned": True}, None):
        with pytest.raises(Invalid):
            sessions.moderate_message(live, message["id"], ORGANIZER, changes)
    for viewer in (None, {}, {"organizer": "yes"}, {"email": 5}):
        with pytest.raises(Invalid):
            sessions.list_messages(live, viewer)
    for kind, limit, cursor in (("shout", 10, None), (None, 0, None), (None, 10, "!!")):
        with pytest.raises(Invalid):
            sessions.list_messages(live, ALICE, kind, limit, cursor)
    cancelled = add_session(db, timedelta(days=1), ONE_HOUR, status="cancelled")
    with pytest.raises(Conflict):
        sessions.post_message(cancelled, ALICE, {"kind": "chat", "body": "hi"})
    assert sessions.list_messages(live, ALICE)["items"][0]["hidden"] is False


# -- personal data -----------------------------------------------------------------------


@pytest.fixture
def alice_everywhere(sessions, db, live):
    sessions.add_to_agenda(ALICE["attendee_id"], live)
    sessions.join_session(live, ALICE)
    mine = sessions.post_message(live, ALICE, {"kind": "question", "body": "Mine"})
    bobs = sessions.post_message(live, BOB, {"kind": "question", "body": "Bob's"})
    sessions.upvote_question(live, bobs["id"], ALICE["attendee_id"])
    sessions.upvote_question(live, mine["id"], BOB["attendee_id"])
    sessions.add_to_agenda(BOB["attendee_id"], live)
    return mine, bobs


def test_export_holds_everything_on_the_attendee(sessions, live, alice_everywhere):
    mine, bobs = alice_everywhere
    export = sessions.export_attendee(ALICE["attendee_id"])
    assert [a["session_id"] for a in export["agenda"]] == [live]
    assert [a["email"] for a in export["attendance"]] == [ALICE["email"]]
    assert [m["id"] for m in export["messages"]] == [mine["id"]]
    assert [u["message_id"] for u in export["upvotes"]] == [bobs["id"]]
    assert sessions.export_attendee(UNKNOWN) == {
        "agenda": [],
        "attendance": [],
        "messages": [],
        "upvotes": [],
    }
    with pytest.raises(Invalid):
        sessions.export_attendee("")


def test_erasure_deletes_the_attendees_data_once(sessions, db, live, alice_everywhere, publish):
    mine, bobs = alice_everywhere
    event = publish(AttendeeErased, {"attendee_id": ALICE["attendee_id"], "erased_at": utcnow()})
    alice = ALICE["attendee_id"]
    wait_until(lambda: count_rows(db, Message, Message.author_id == alice) == 0)
    assert count_rows(db, AgendaEntry, AgendaEntry.attendee_id == alice) == 0
    assert count_rows(db, Attendance, Attendance.attendee_id == alice) == 0
    assert count_rows(db, Upvote) == 0  # hers, and Bob's on her deleted question
    assert count_rows(db, AgendaEntry) == 1  # Bob's stays
    assert [data["author_id"] for _, data in outbox_events(db)] == [BOB["attendee_id"]]
    [left] = sessions.list_messages(live, BOB)["items"]
    assert (left["id"], left["upvotes"]) == (bobs["id"], 0)

    publish(AttendeeErased, envelope=event)  # a redelivery changes nothing
    publish(AttendeeErased, {"attendee_id": alice, "erased_at": utcnow()})
    wait_until(lambda: count_rows(db, processed_events) == 2)  # the duplicate is not
    assert sessions.export_attendee(alice) == sessions.export_attendee(UNKNOWN)
    assert sessions.list_messages(live, BOB)["items"][0]["upvotes"] == 0


def test_a_cancelled_registration_drops_the_agenda(sessions, db, live, alice_everywhere, publish):
    publish(
        AttendeeCancelled,
        {"attendee_id": ALICE["attendee_id"], "cancelled_by": "attendee", "cancelled_at": utcnow()},
    )
    wait_until(lambda: sessions.get_agenda(ALICE["attendee_id"]) == [])
    assert count_rows(db, Attendance) == 1  # attendance happened; it stays
    assert len(sessions.get_agenda(BOB["attendee_id"])) == 1


def test_capacity_holds_under_concurrent_joins_on_two_replicas(
    sessions, db, live, start_service, rpc_proxy
):
    start_service("sessions")  # a second replica on the same database and broker
    attendees = [
        {
            "attendee_id": f"00000000-0000-4000-8000-{n:012d}",
            "full_name": f"A{n}",
            "email": "a@x.org",
        }
        for n in range(12)
    ]
    proxies = [rpc_proxy("sessions") for _ in attendees]

    def join(proxy, attendee):
        try:
            proxy.join_session(live, attendee)
            return "in"
        except Conflict:
            return "full"

    pool = eventlet.GreenPool()
    outcomes = list(pool.starmap(join, zip(proxies, attendees, strict=True)))
    assert sorted(outcomes) == ["full"] * 10 + ["in"] * 2
    assert count_rows(db, Attendance) == 2
