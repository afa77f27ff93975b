"""1:1 meetings between attendees: slots never overlap either agenda or accepted meetings."""

from datetime import timedelta

import pytest
from icalendar import Calendar

from contracts.errors import Conflict, Invalid
from plumbing.events import utcnow
from services.networking.tests.conftest import make_listed

HOUR = timedelta(hours=1)


@pytest.fixture
def sessions(start_service, rpc_proxy):
    """The sessions service (its migration's tracks come back with every empty database)."""
    start_service("sessions")
    return rpc_proxy("sessions")


def at(hours, minutes=0):
    base = (utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    return base + hours * HOUR + timedelta(minutes=minutes)


def slot(start_hours, minutes=30):
    return {
        "starts_at": at(start_hours).isoformat(),
        "ends_at": at(start_hours, minutes).isoformat(),
    }


def test_slots_may_not_overlap_either_agenda(sessions, networking, listed):
    ada, ben = listed("Ada Archivist"), listed("Ben Curator")
    panel = sessions.create_session(
        {
            "title": "Rebuild panel",
            "track": "rebuild",
            "kind": "panel",
            "starts_at": at(2).isoformat(),
            "ends_at": at(3).isoformat(),
        }
    )
    sessions.add_to_agenda(ben["attendee_id"], panel["id"])
    with pytest.raises(Invalid) as refused:
        networking.propose_meeting(
            ada, {"with": ben["attendee_id"], "slots": [slot(1), slot(2, 20), slot(3)]}
        )
    assert refused.value.errors == {"slots": {"1": ["Overlaps a session in their agenda."]}}
    meeting = networking.propose_meeting(
        ada, {"with": ben["attendee_id"], "message": "Coffee?", "slots": [slot(1), slot(3)]}
    )
    assert meeting["status"] == "proposed" and len(meeting["slots"]) == 2
    assert networking.list_meetings(ben)["items"][0]["id"] == meeting["id"]

    # the agenda changed since: accepting re-checks the chosen slot
    late = sessions.create_session(
        {
            "title": "Late keynote",
            "track": "reinspire",
            "kind": "keynote",
            "starts_at": at(1).isoformat(),
            "ends_at": at(2).isoformat(),
        }
    )
    sessions.add_to_agenda(ada["attendee_id"], late["id"])
    with pytest.raises(Invalid):
        networking.accept_meeting(ben, meeting["id"], {"slot": 0})
    with pytest.raises(Conflict):  # only the invitee accepts
        networking.accept_meeting(ada, meeting["id"], {"slot": 1})
    accepted = networking.accept_meeting(ben, meeting["id"], {"slot": 1})
    assert accepted["status"] == "accepted" and accepted["starts_at"] == at(3).isoformat()
    assert accepted["room_url"].endswith(meeting["id"])

    for person in (ada, ben):
        calendar = Calendar.from_ical(networking.meetings_ics(person["attendee_id"]))
        events = calendar.walk("VEVENT")
        assert [str(e["status"]) for e in events] == ["CONFIRMED"]
        assert events[0].decoded("dtstart") == at(3)

    # an accepted meeting is busy time for both
    cy = listed("Cy Other")
    with pytest.raises(Invalid) as busy:
        networking.propose_meeting(cy, {"with": ada["attendee_id"], "slots": [slot(3, 15)]})
    assert busy.value.errors == {"slots": {"0": ["Overlaps an accepted meeting of theirs."]}}

    cancelled = networking.cancel_meeting(ada, meeting["id"])
    assert cancelled["status"] == "cancelled"
    events = Calendar.from_ical(networking.meetings_ics(ben["attendee_id"])).walk("VEVENT")
    assert [str(e["status"]) for e in events] == ["CANCELLED"]
    assert int(events[0]["sequence"]) == 2
    with pytest.raises(Conflict):
        networking.cancel_meeting(ben, meeting["id"])


def test_slots_outside_the_event_or_too_long_are_refused(sessions, start_service, rpc_proxy):
    start_service(
        "networking",
        NETWORKING_EVENT_STARTS_AT=at(0).isoformat(),
        NETWORKING_EVENT_ENDS_AT=at(8).isoformat(),
    )
    networking = rpc_proxy("networking")
    ada = make_listed(networking, "Ada Archivist")
    ben = make_listed(networking, "Ben Curator")
    with pytest.raises(Invalid) as outside:
        networking.propose_meeting(ada, {"with": ben["attendee_id"], "slots": [slot(9)]})
    assert outside.value.errors == {"slots": {"0": ["Outside the event's dates."]}}
    with pytest.raises(Invalid):
        networking.propose_meeting(ada, {"with": ben["attendee_id"], "slots": [slot(1, 300)]})
    with pytest.raises(Invalid):
        networking.propose_meeting(ada, {"with": ben["attendee_id"], "slots": [slot(1)] * 6})
    declined = networking.propose_meeting(ada, {"with": ben["attendee_id"], "slots": [slot(1)]})
    assert networking.decline_meeting(ben, declined["id"])["status"] == "declined"
    assert networking.list_meetings(ada, {"status": "declined"})["items"][0]["id"] == declined["id"]
