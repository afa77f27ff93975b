"""The event itself over RPC: defaults until saved, a whole replacement on save, every
bad field refused with nothing written, and the iCalendar feeds named after it."""

import pytest
from icalendar import Calendar

from contracts.errors import Invalid
from plumbing.testing import count_rows
from services.sessions.models import EventDetails

ANNUAL_MEETING = {
    "name": "Museums Forward 2027",
    "theme": "Reinspire, Rebuild, Reengage, Reconnect",
    "description": "Three days for the museum field.\n\nOnline and in Lisbon.",
    "time_zone": "Europe/Lisbon",
    "kickoff_day": "2027-05-17",
    "conference_days": ["2027-05-19", "2027-05-18"],
    "contact": {
        "name": "Program office",
        "email": "program@museums.example",
        "phone": "+351 21 000",
    },
    "links": [{"title": "Code of conduct", "url": "https://museums.example/conduct"}],
}
ALICE = "3f1c2a7e-4b5d-4e8f-9a0b-1c2d3e4f5a6b"


def test_before_the_organizer_saves_it_the_event_has_neutral_defaults(sessions):
    event = sessions.get_event()
    assert event["name"] == "Plenary" and event["time_zone"] == "UTC"
    assert event["conference_days"] == [] and event["kickoff_day"] is None
    assert event["updated_at"] is None


def test_saving_replaces_the_event_and_sorts_the_days(sessions, db):
    saved = sessions.update_event(ANNUAL_MEETING)
    assert saved == sessions.get_event()
    assert saved["name"] == "Museums Forward 2027"
    assert saved["conference_days"] == ["2027-05-18", "2027-05-19"]
    assert saved["kickoff_day"] == "2027-05-17"
    assert saved["contact"] == {
        "name": "Program office",
        "email": "program@museums.example",
        "phone": "+351 21 000",
        "url": None,
    }
    assert saved["description"].count("\n") == 2 and saved["updated_at"]

    # PUT semantics: what is left out goes back to its default
    again = sessions.update_event({"name": "Museums Forward", "time_zone": "America/Chicago"})
    assert again["theme"] == "" and again["links"] == [] and again["conference_days"] == []
    assert again["time_zone"] == "America/Chicago"
    assert count_rows(db, EventDetails) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Forward\r\nBcc: all@example.org"}, "name"),
        ({"theme": "Right\u202eto left"}, "theme"),
        ({"description": "nul \x00 byte"}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"conference_days": ["2027-05-18", "2027-05-18"]}, "conference_days"),
        ({"conference_days": [f"2027-06-{d:02d}" for d in range(1, 16)]}, "conference_days"),
        ({"conference_days": ["tomorrow"]}, "conference_days"),
        ({"kickoff_day": "2027-05-19"}, "kickoff_day"),
        ({"links": [{"title": "Click", "url": "javascript:alert(1)"}]}, "links"),
        ({"links": [{"title": "", "url": "https://museums.example"}]}, "links"),
        ({"links": [{"title": "x", "url": "https://m.example"}] * 21}, "links"),
        ({"contact": {"email": "not an address"}}, "contact"),
        ({"contact": {"phone": "call <script>"}}, "contact"),
        ({"organizer_token": "sneaky"}, "organizer_token"),
    ],
)
def test_bad_fields_are_refused_by_name_and_nothing_is_written(sessions, db, change, field):
    sessions.update_event(ANNUAL_MEETING)
    with pytest.raises(Invalid) as raised:
        sessions.update_event({**ANNUAL_MEETING, **change})
    assert field in raised.value.errors
    assert sessions.get_event()["name"] == ANNUAL_MEETING["name"]


def test_the_feeds_are_named_after_the_event_in_its_time_zone(sessions):
    sessions.update_event(ANNUAL_MEETING)
    program = Calendar.from_ical(sessions.program_ics())
    agenda = Calendar.from_ical(sessions.agenda_ics(ALICE))
    assert str(program["X-WR-CALNAME"]) == "Museums Forward 2027: program"
    assert str(program["NAME"]) == "Museums Forward 2027: program"
    assert str(agenda["X-WR-CALNAME"]) == "Museums Forward 2027: my agenda"
    assert str(program["X-WR-TIMEZONE"]) == str(agenda["X-WR-TIMEZONE"]) == "Europe/Lisbon"


def test_before_the_event_is_saved_the_feeds_carry_the_default_name(sessions):
    program = Calendar.from_ical(sessions.program_ics())
    assert str(program["X-WR-CALNAME"]) == "Plenary: program"
    assert str(program["X-WR-TIMEZONE"]) == "UTC"
