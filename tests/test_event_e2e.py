"""The event itself through the gateway: the organizer describes it, anyone reads it,
and the calendar feeds carry its name and time zone. Bad input is a 422 naming the
field, with nothing written."""

import json

import pytest
from icalendar import Calendar

from tests.conftest import ORGANIZER_TOKEN
from tests.test_gateway_http import assert_problem
from tests.test_program_e2e import register

EVENT = {
    "name": "Museums Forward 2027",
    "theme": "Reinspire, Rebuild, Reengage, Reconnect",
    "description": "Three days for the museum field.",
    "time_zone": "America/Chicago",
    "kickoff_day": "2027-05-17",
    "conference_days": ["2027-05-18", "2027-05-19"],
    "contact": {"name": "Program office", "email": "program@museums.example"},
    "links": [{"title": "Code of conduct", "url": "https://museums.example/conduct"}],
}


@pytest.fixture
def api(platform):
    return platform("registration", "sessions")


def test_the_organizer_describes_the_event_and_the_feeds_name_it(api):
    token = register(api, "ida@example.org", "Ida Member")
    assert api.get("/v1/event").json()["name"] == "Plenary"

    saved = api.put("/v1/event", token=ORGANIZER_TOKEN, json=EVENT)
    assert saved.status_code == 200, saved.text

    public = api.get("/v1/event")
    assert public.status_code == 200
    assert public.headers["Cache-Control"].startswith("public")
    body = public.json()
    assert {k: body[k] for k in EVENT if k != "contact"} == {
        k: v for k, v in EVENT.items() if k != "contact"
    }
    assert body["contact"]["email"] == "program@museums.example"
    assert (
        api.get("/v1/event", headers={"If-None-Match": public.headers["ETag"]}).status_code == 304
    )

    agenda = Calendar.from_ical(api.get("/v1/me/agenda.ics", token=token).text)
    program = Calendar.from_ical(api.get("/v1/sessions.ics").text)
    assert str(agenda["X-WR-CALNAME"]) == "Museums Forward 2027: my agenda"
    assert str(program["X-WR-CALNAME"]) == "Museums Forward 2027: program"
    assert str(agenda["X-WR-TIMEZONE"]) == "America/Chicago"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"name": "n" * 201}, "name"),
        ({"description": "d" * 5001}, "description"),
        ({"name": "Forward\nBcc: everyone@example.org"}, "name"),
        ({"theme": "\u202eevil"}, "theme"),
        ({"links": [{"title": "Win", "url": "javascript:alert(document.cookie)"}]}, "links"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_changes(api, change, field):
    assert api.put("/v1/event", token=ORGANIZER_TOKEN, json=EVENT).status_code == 200
    problem = assert_problem(
        api.put("/v1/event", token=ORGANIZER_TOKEN, json={**EVENT, **change}), 422
    )
    assert field in problem["errors"]
    assert api.get("/v1/event").json()["time_zone"] == EVENT["time_zone"]


def test_only_the_organizer_writes_the_event_and_bodies_have_a_size_limit(api):
    token = register(api, "eve@example.org", "Eve Member")
    assert_problem(api.put("/v1/event", json=EVENT), 401)
    assert_problem(api.put("/v1/event", token=token, json=EVENT), 403)
    huge = json.dumps({**EVENT, "description": "x" * 70_000})  # over MAX_BODY_BYTES
    response = api.put(
        "/v1/event",
        token=ORGANIZER_TOKEN,
        data=huge,
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413)
    assert api.get("/v1/event").json()["name"] == "Plenary"
