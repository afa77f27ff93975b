"""GDPR across every service, through the gateway: the export gathers what each service
holds on the attendee; erasure removes it from each service's own database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData

from plumbing.registry import BACKEND_SERVICES
from plumbing.testing import wait_until
from tests.conftest import ORGANIZER_TOKEN

ZELDA = {
    "email": "Zelda.Quillfeather@example.org",
    "full_name": "Zelda Quillfeather",
    "organization": "Quillfeather Archive",
    "consent": {"share_with_exhibitors": True, "marketing": True},
}
YVES = {"email": "yves.bystander@example.org", "full_name": "Yves Bystander"}


def register(api, body):
    return api.sign_up(body)


def personal_traces(db, service, attendee_id, needles):
    """(table, column or event type) of every value in ``service``'s database holding one of
    ``needles`` (case-insensitive), or the attendee id where erasure may not keep it.
    Kept by design: the anonymized registration row (for counts), erased-attendee
    tombstones, and the attendee_erased event itself."""
    db.rollback()
    metadata = MetaData()
    metadata.reflect(db.get_bind())
    traces = set()
    for table in metadata.sorted_tables:
        for row in db.execute(table.select()).mappings():
            if table.name == "outbox" and row["event_type"] == "attendee_erased":
                continue
            for column, value in row.items():
                text = str(value).lower()
                kept = id_kept_by_design(service, table.name, column)
                if any(needle in text for needle in needles) or (attendee_id in text and not kept):
                    traces.add((table.name, row.get("event_type", column)))
    return traces


def assert_erased_everywhere(db_session, attendee_id, needles):
    databases = {service: db_session(service) for service in BACKEND_SERVICES}

    def traces():
        return {
            service: found
            for service, db in databases.items()
            if (found := personal_traces(db, service, attendee_id, needles))
        }

    try:
        wait_until(lambda: not traces(), timeout=20)
    except AssertionError:
        assert traces() == {}  # service -> {(table, column)} still holding personal data


def id_kept_by_design(service, table, column):
    return (service, table, column) == ("registration", "attendees", "id") or (
        table == "erased_attendees"
    )


@pytest.fixture
def world(platform):
    """Zelda has data in every service; Yves is a bystander."""
    api = platform()
    zelda, yves = register(api, ZELDA), register(api, YVES)
    token = zelda["access_token"]
    now = datetime.now(UTC)
    session = api.post(
        "/v1/sessions",
        token=ORGANIZER_TOKEN,
        json={
            "title": "Reconnect: oral histories",
            "track": "reconnect",
            "kind": "panel",
            "starts_at": (now + timedelta(minutes=5)).isoformat(),
            "ends_at": (now + timedelta(minutes=65)).isoformat(),
        },
    ).json()
    exhibitor = api.post(
        "/v1/exhibitors",
        token=ORGANIZER_TOKEN,
        json={"name": "Acid-free Co", "description": "", "tier": "gold", "products": []},
    ).json()
    steps = [
        api.put(f"/v1/me/agenda/{session['id']}", token=token),
        api.post(f"/v1/sessions/{session['id']}/join", token=token),
        api.post(
            f"/v1/sessions/{session['id']}/messages",
            token=token,
            json={"kind": "question", "body": "How do you store the tapes?"},
        ),
        api.post(
            f"/v1/exhibitors/{exhibitor['id']}/interactions", token=token, json={"kind": "visit"}
        ),
        api.post(f"/v1/sessions/{session['id']}/join", token=yves["access_token"]),
    ]
    assert all(step.status_code < 300 for step in steps), [s.text for s in steps]
    wait_until(
        lambda: api.get("/v1/me/notifications", token=token).json()["items"],
        what="Zelda's welcome feed item",
    )
    return api, zelda, yves, session, exhibitor


def test_export_gathers_every_services_data_and_only_mine(world):
    api, zelda, yves, session, exhibitor = world
    response = api.get("/v1/me/export", token=zelda["access_token"])
    assert response.status_code == 200, response.text
    export = response.json()

    assert export["attendee_id"] == zelda["attendee_id"]
    assert export["registration"]["profile"]["email"] == ZELDA["email"]
    assert export["registration"]["profile"]["consent"]["marketing"] is True
    assert [a["session_id"] for a in export["sessions"]["agenda"]] == [session["id"]]
    assert [a["session_id"] for a in export["sessions"]["attendance"]] == [session["id"]]
    [message] = export["sessions"]["messages"]
    assert message["body"] == "How do you store the tapes?"
    assert [i["kind"] for i in export["expo"]["interactions"]] == ["visit"]
    assert [lead["exhibitor_id"] for lead in export["expo"]["leads"]] == [exhibitor["id"]]
    assert export["notifications"]["feed"]
    assert YVES["email"] not in response.text and yves["attendee_id"] not in response.text


def test_erasure_removes_personal_data_from_every_services_database(world, db_session):
    api, zelda, yves, session, exhibitor = world
    needles = [ZELDA["email"].lower(), ZELDA["full_name"].lower(), "quillfeather"]

    assert api.delete("/v1/me", token=zelda["access_token"]).status_code == 204
    assert api.get("/v1/me", token=zelda["access_token"]).status_code == 401
    assert api.delete("/v1/me", token=zelda["access_token"]).status_code == 401

    assert_erased_everywhere(db_session, zelda["attendee_id"], needles)
    # the bystander keeps everything
    assert api.get("/v1/me", token=yves["access_token"]).json()["email"] == YVES["email"]
    yves_export = api.get("/v1/me/export", token=yves["access_token"]).json()
    assert [a["session_id"] for a in yves_export["sessions"]["attendance"]] == [session["id"]]
    stats = api.get("/v1/stats", token=ORGANIZER_TOKEN).json()
    assert (stats["registrations"], stats["active"], stats["erased"]) == (2, 1, 1)


def test_organizer_erases_a_cancelled_attendee_idempotently(platform, db_session):
    api = platform()
    zelda = register(api, ZELDA)
    api.post("/v1/me/cancellation", token=zelda["access_token"])
    path = f"/v1/attendees/{zelda['attendee_id']}"
    assert api.delete(path, token=ORGANIZER_TOKEN).status_code == 204
    assert api.delete(path, token=ORGANIZER_TOKEN).status_code == 204
    needles = [ZELDA["email"].lower(), ZELDA["full_name"].lower()]
    assert_erased_everywhere(db_session, zelda["attendee_id"], needles)
