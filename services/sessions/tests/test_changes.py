"""Organizers change the program: tracks, moves, cancellations; and the richer filters."""

import pytest

from contracts.errors import Conflict, Invalid, NotFound
from plumbing.outbox import outbox_table
from plumbing.testing import count_rows
from services.sessions.models import ProgramSession, Track
from services.sessions.tests.conftest import ONE_HOUR, add_session, outbox_events
from services.sessions.tests.test_program import KEYNOTE, session_at

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def keynote(sessions):
    return sessions.create_session(KEYNOTE)


def events_of(db, event_type):
    return [data for kind, data in outbox_events(db) if kind == event_type]


def test_organizers_add_tracks(sessions, db):
    track = sessions.create_track({"id": "recharge", "name": "Recharge"})
    assert track == {"id": "recharge", "name": "Recharge", "description": ""}
    assert [t["id"] for t in sessions.list_tracks()][-1] == "recharge"
    created = sessions.create_session({**KEYNOTE, "track": "recharge"})
    assert created["track"] == "recharge"
    with pytest.raises(Conflict):
        sessions.create_track({"id": "rebuild", "name": "Again"})


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"id": "Recharge", "name": "Upper case"},
        {"id": "-x", "name": "Leading dash"},
        {"id": "x" * 41, "name": "Long"},
        {"id": "ok", "name": " "},
        {"id": "ok", "name": "N", "position": 1},
        ["ok"],
    ],
)
def test_bad_tracks_are_refused(sessions, db, payload):
    with pytest.raises(Invalid):
        sessions.create_track(payload)
    assert count_rows(db, Track) == 4


def test_a_move_bumps_the_sequence_and_tells_agenda_holders(sessions, db, keynote):
    moved = sessions.update_session(
        keynote["id"],
        {"starts_at": "2030-05-04T12:00:00+02:00", "ends_at": "2030-05-04T13:30:00+02:00"},
    )
    assert moved["starts_at"] == "2030-05-04T10:00:00+00:00"
    assert moved["sequence"] == 1 and moved["status"] == "scheduled"
    [event] = events_of(db, "session_updated")
    assert event["moved"] is True and event["sequence"] == 1
    assert event["changed"] == ["ends_at", "starts_at"]
    assert event["previous_starts_at"] == keynote["starts_at"]
    assert event["starts_at"] == moved["starts_at"]


def test_an_edit_that_does_not_move_is_announced_unmoved(sessions, db, keynote):
    edited = sessions.update_session(
        keynote["id"], {"title": " New title ", "track": "rebuild", "capacity": 10}
    )
    assert (edited["title"], edited["track"], edited["capacity"]) == ("New title", "rebuild", 10)
    [event] = events_of(db, "session_updated")
    assert event["moved"] is False and event["changed"] == ["capacity", "title", "track"]
    # the same values again change nothing: no event, same sequence
    again = sessions.update_session(keynote["id"], {"title": "New title", "capacity": 10})
    assert again["sequence"] == 1
    assert len(events_of(db, "session_updated")) == 1


def test_a_started_session_cannot_move_but_takes_its_recording(sessions, db):
    live = add_session(db, -ONE_HOUR / 2, ONE_HOUR, status="live")
    with pytest.raises(Conflict):
        sessions.update_session(
            live, {"starts_at": "2030-05-04T12:00:00+00:00", "ends_at": "2030-05-04T13:00:00Z"}
        )
    done = sessions.update_session(live, {"recording_url": "https://video.example.org/r/1"})
    assert done["recording_url"] == "https://video.example.org/r/1"
    assert done["status"] == "live"


def test_a_moved_session_in_its_reminder_window_is_rescheduled(sessions, db):
    soon = add_session(db, ONE_HOUR / 6, ONE_HOUR, status="starting")
    moved = sessions.update_session(
        soon, {"starts_at": "2030-05-04T12:00:00+00:00", "ends_at": "2030-05-04T13:00:00+00:00"}
    )
    assert moved["status"] == "scheduled"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "_schema"),
        ({"status": "live"}, "status"),
        ({"title": ""}, "title"),
        ({"kind": "party"}, "kind"),
        ({"ends_at": "2030-05-04T07:00:00+00:00"}, "ends_at"),
        ({"starts_at": "2030-05-04T09:30:00+00:00"}, "ends_at"),
        ({"capacity": 0}, "capacity"),
        ({"stream_url": "javascript:alert(1)"}, "stream_url"),
        ({"recording_url": "not a url"}, "recording_url"),
        ({"speakers": [{"name": "A", "email": "not-an-email"}]}, "speakers"),
        ("title=x", "_schema"),
    ],
)
def test_bad_changes_are_refused_and_write_nothing(sessions, db, keynote, payload, field):
    with pytest.raises(Invalid) as refused:
        sessions.update_session(keynote["id"], payload)
    assert field in refused.value.errors
    assert sessions.get_session(keynote["id"])["sequence"] == 0
    assert count_rows(db, outbox_table) == 1  # session_scheduled only


def test_cancel_is_announced_once_and_keeps_the_session(sessions, db, keynote):
    cancelled = sessions.cancel_session(keynote["id"], {"reason": "Speaker ill"})
    again = sessions.cancel_session(keynote["id"], {"reason": "Other"})
    assert cancelled == again
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "Speaker ill")
    assert cancelled["sequence"] == 1
    [event] = events_of(db, "session_cancelled")
    assert event["reason"] == "Speaker ill" and event["session_id"] == keynote["id"]
    with pytest.raises(Conflict):
        sessions.update_session(keynote["id"], {"title": "Back"})
    assert sessions.cancel_session(keynote["id"]) == cancelled


def test_cancel_errors(sessions, db):
    over = add_session(db, -2 * ONE_HOUR, ONE_HOUR, status="ended")
    with pytest.raises(Conflict):
        sessions.cancel_session(over)
    with pytest.raises(NotFound):
        sessions.cancel_session(UNKNOWN)
    for bad in ({"reason": "x" * 501}, {"reason": 5}, {"why": "x"}, "no"):
        with pytest.raises(Invalid):
            sessions.cancel_session(over, bad)
    assert count_rows(db, ProgramSession, ProgramSession.status == "cancelled") == 0


@pytest.fixture
def varied(sessions):
    def create(title, starts_at, ends_at, **fields):
        return sessions.create_session(session_at(starts_at, ends_at, title=title, **fields))

    create(
        "Workshop late in Paris",
        "2030-05-04T22:30:00+00:00",  # 00:30 on the 5th in Paris (CEST)
        "2030-05-04T23:30:00+00:00",
        kind="workshop",
        speakers=[{"name": "Zoë Åberg", "organization": "Keynote Inc"}],
    )
    create("Morning keynote", "2030-05-04T08:00:00+00:00", "2030-05-04T09:00:00+00:00")
    create(
        "Panel",
        "2030-05-05T08:00:00+00:00",
        "2030-05-05T09:00:00+00:00",
        kind="panel",
        speakers=[{"name": "Ana Ribeiro"}, {"name": "Dana Müller"}],
    )


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"day": "2030-05-04"}, ["Morning keynote", "Workshop late in Paris"]),
        ({"day": "2030-05-04", "tz": "Europe/Paris"}, ["Morning keynote"]),
        ({"day": "2030-05-05", "tz": "Europe/Paris"}, ["Workshop late in Paris", "Panel"]),
        ({"day": "2030-05-03", "tz": "America/Los_Angeles"}, []),
        ({"day": "2030-05-04", "tz": "Asia/Tokyo"}, ["Morning keynote"]),
        ({"tz": "Europe/Paris"}, ["Morning keynote", "Workshop late in Paris", "Panel"]),
        ({"kind": "workshop"}, ["Workshop late in Paris"]),
        ({"kind": "keynote"}, ["Morning keynote"]),
        ({"speaker": "müller"}, ["Morning keynote", "Panel"]),
        ({"speaker": "zoë"}, ["Workshop late in Paris"]),
        ({"speaker": "keynote"}, []),  # organizations and titles are not speakers
        ({"speaker": "ana", "kind": "panel"}, ["Panel"]),
    ],
)
def test_filters_by_day_in_a_zone_kind_and_speaker(sessions, varied, filters, expected):
    assert [s["title"] for s in sessions.list_sessions(filters)["items"]] == expected


def test_speaker_emails_are_never_public(sessions):
    speaker = {"name": "Dana", "email": "dana@example.org"}
    created = sessions.create_session({**KEYNOTE, "speakers": [speaker]})
    assert created["speakers"][0]["email"] == "dana@example.org"  # the organizer's view
    public = sessions.get_session(created["id"])
    assert "email" not in public["speakers"][0]
    assert "email" not in sessions.list_sessions({})["items"][0]["speakers"][0]
    assert "stream_url" not in public
