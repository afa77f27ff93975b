"""Every route, fed garbage: the answer is always a 4xx problem body, never a 500, and
refused writes leave every database as it was."""

import json

import eventlet
import pytest
from sqlalchemy import MetaData, func, select

from gateway.http import ROUTES
from plumbing.registry import BACKEND_SERVICES
from tests.conftest import ORGANIZER_TOKEN

GARBAGE_BODIES = [
    ("{broken", "application/json"),
    ("[]", "application/json"),
    ('{"unexpected": {"nested": [1, 2, {"deep": null}]}}', "application/json"),
    (
        json.dumps({"name": 1, "title": [], "url": 3, "kind": {}, "email": False}),
        "application/json",
    ),
    (json.dumps({"x": "\u0000"}), "application/json"),
    ("<xml/>", "application/xml"),
]
HOSTILE_IDS = ["does-not-exist", "../../etc/passwd", "' OR 1=1 --", "x" * 300]
HOSTILE_QUERIES = [
    {"limit": "-1"},
    {"limit": "abc"},
    {"cursor": "!!not-base64!!"},
    {"limit": "100000"},
    {"day": "yesterday"},
    {"tier": "diamond"},
]


@pytest.fixture
def world(platform):
    """All services up; one attendee, one exhibitor, tokens for each kind of caller."""
    api = platform()
    attendee = api.sign_up(
        {
            "email": "probe@example.org",
            "full_name": "Probe",
            "consent": {"share_with_exhibitors": True},
        }
    )
    exhibitor = api.post(
        "/v1/exhibitors",
        token=ORGANIZER_TOKEN,
        json={"name": "Probe Co", "description": "", "tier": "silver", "products": []},
    ).json()
    tokens = {
        "attendee": attendee["access_token"],
        "exhibitor": exhibitor["api_key"],
        "organizer": ORGANIZER_TOKEN,
        None: None,
    }
    return api, tokens, exhibitor["id"]


def concrete(path, exhibitor_id, hostile_id):
    return (
        path.replace("<exhibitor_id>", exhibitor_id)
        .replace("<session_id>", hostile_id)
        .replace("<webhook_id>", hostile_id)
        .replace("<attendee_id>", hostile_id)
        .replace("<ticket_type>", hostile_id)
    )


def row_counts(db_session):
    counts = {}
    for service in BACKEND_SERVICES:
        session = db_session(service)
        metadata = MetaData()
        metadata.reflect(session.get_bind())
        for table in metadata.sorted_tables:
            counts[f"{service}.{table.name}"] = session.scalar(
                select(func.count()).select_from(table)
            )
    return counts


def assert_4xx_problem(response, where):
    assert 400 <= response.status_code < 500, f"{where}: {response.status_code} {response.text}"
    assert response.headers["Content-Type"] == "application/problem+json", where


def test_garbage_bodies_on_every_route_with_a_body(world, db_session):
    api, tokens, exhibitor_id = world
    eventlet.sleep(1)  # let the setup's own events settle first
    before = row_counts(db_session)
    for route in [r for r in ROUTES if r.body is not None]:
        path = concrete(route.path, exhibitor_id, "does-not-exist")
        for data, content_type in GARBAGE_BODIES:
            response = api.request(
                route.method,
                path,
                token=tokens[route.auth],
                data=data,
                headers={"Content-Type": content_type},
            )
            assert_4xx_problem(response, f"{route.method} {path} {data[:30]}")
    eventlet.sleep(0.5)
    assert row_counts(db_session) == before


def test_hostile_ids_on_every_route_with_an_id(world):
    api, tokens, exhibitor_id = world
    for route in [r for r in ROUTES if "<" in r.path]:
        for hostile in HOSTILE_IDS:
            path = concrete(route.path, hostile, hostile)
            body = {"kind": "visit"} if route.body else None
            response = api.request(route.method, path, token=tokens[route.auth], json=body)
            if route.method == "DELETE" and response.status_code == 204:
                continue  # removing what is not there is idempotent, by design
            assert_4xx_problem(response, f"{route.method} {path}")


def test_hostile_query_strings_on_every_list(world):
    api, tokens, exhibitor_id = world
    for route in [r for r in ROUTES if r.query is not None]:
        path = concrete(route.path, exhibitor_id, "does-not-exist")
        for query in HOSTILE_QUERIES:
            if set(query) - set(route.query().fields):
                continue
            response = api.get(path, token=tokens[route.auth], params=query)
            assert_4xx_problem(response, f"GET {path} {query}")


def test_protected_routes_refuse_missing_and_wrong_tokens(world):
    api, tokens, exhibitor_id = world
    wrong_kind = {"attendee": "exhibitor", "exhibitor": "attendee", "organizer": "attendee"}
    for route in [r for r in ROUTES if r.auth]:
        path = concrete(route.path, exhibitor_id, "does-not-exist")
        anonymous = api.request(route.method, path, json={})
        assert anonymous.status_code == 401, f"{route.method} {path}"
        wrong = api.request(route.method, path, token=tokens[wrong_kind[route.auth]], json={})
        assert wrong.status_code in (401, 403), f"{route.method} {path}: {wrong.status_code}"
