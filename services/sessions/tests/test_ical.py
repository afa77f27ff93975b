"""The iCalendar feeds: valid RFC 5545, stable UIDs, SEQUENCE that follows changes."""

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from contracts.errors import Invalid
from services.sessions.tests.test_program import KEYNOTE, session_at

ALICE = "3f1c2a7e-4b5d-4e8f-9a0b-1c2d3e4f5a6b"


def events(feed):
    calendar = Calendar.from_ical(feed)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_program_feed_parses_with_the_fields_calendars_need(sessions):
    keynote = sessions.create_session(KEYNOTE)
    feed = sessions.program_ics()
    assert feed.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART:20300504T080000Z" in feed  # UTC, not a floating or zoned local time

    [(uid, event)] = events(feed).items()
    assert uid == f"{keynote['id']}@plenary"
    assert event.decoded("DTSTART") == datetime(2030, 5, 4, 8, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2030, 5, 4, 9, 0, tzinfo=UTC)
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert str(event["SUMMARY"]) == KEYNOTE["title"]
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]).endswith(f"/v1/sessions/{keynote['id']}")


def test_a_move_keeps_the_uid_and_raises_the_sequence(sessions):
    keynote = sessions.create_session(KEYNOTE)
    before = events(sessions.program_ics())
    sessions.update_session(
        keynote["id"],
        {"starts_at": "2030-05-04T12:00:00+00:00", "ends_at": "2030-05-04T13:00:00+00:00"},
    )
    after = events(sessions.program_ics())
    assert set(after) == set(before)
    [event] = after.values()
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == datetime(2030, 5, 4, 12, 0, tzinfo=UTC)
    assert event.decoded("DTSTAMP") >= before[next(iter(before))].decoded("DTSTAMP")

    sessions.cancel_session(keynote["id"], {"reason": "Storm"})
    [cancelled] = events(sessions.program_ics()).values()
    assert str(cancelled["STATUS"]) == "CANCELLED" and cancelled["SEQUENCE"] == 2


def test_agenda_feed_has_only_my_sessions(sessions):
    mine = sessions.create_session(KEYNOTE)
    other = sessions.create_session(
        session_at("2030-05-05T10:00:00+00:00", "2030-05-05T11:00:00+00:00", title="Not mine, ü")
    )
    sessions.add_to_agenda(ALICE, mine["id"])
    assert set(events(sessions.agenda_ics(ALICE))) == {f"{mine['id']}@plenary"}
    assert f"{other['id']}@plenary" in events(sessions.program_ics())
    assert events(sessions.agenda_ics("8d7e6f5a-4b3c-4d2e-8f1a-0b9c8d7e6f5a")) == {}


@pytest.mark.parametrize("bad", [None, "", "x" * 37, 5])
def test_agenda_feed_refuses_bad_ids(sessions, bad):
    with pytest.raises(Invalid):
        sessions.agenda_ics(bad)
