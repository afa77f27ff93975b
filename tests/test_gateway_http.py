"""The gateway's HTTP contract: problem bodies for every kind of bad request, auth,
routing, and nothing written when a request is refused."""

import json

import pytest
from sqlalchemy import func, select

from plumbing.outbox import outbox_table
from services.registration.models import Attendee
from tests.conftest import ORGANIZER_TOKEN

GOOD = {
    "email": "ada@example.org",
    "full_name": "Ada Curator",
    "organization": "Museum",
    "consent": {"share_with_exhibitors": True},
}


@pytest.fixture
def api(platform):
    return platform("registration")


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"] and problem["detail"] and problem["type"]
    return problem


def nothing_written(db_session):
    db = db_session("registration")
    return (
        db.scalar(select(func.count()).select_from(Attendee)) == 0
        and db.scalar(select(func.count()).select_from(outbox_table)) == 0
    )


def test_registration_is_accepted_and_signed_in_by_the_mailed_code(api):
    response = api.post("/v1/registrations", json=GOOD)
    assert response.status_code == 202
    assert set(response.json()) == {"detail"}  # no token: the code proves the address
    body = api.sign_in(GOOD["email"])
    assert body["attendee_id"] and body["access_token"].startswith("pat_")
    me = api.get("/v1/me", token=body["access_token"])
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.org"


@pytest.mark.parametrize(
    "body, field",
    [
        ({k: v for k, v in GOOD.items() if k != "email"}, "email"),
        ({k: v for k, v in GOOD.items() if k != "full_name"}, "full_name"),
        ({**GOOD, "email": "nope"}, "email"),
        ({**GOOD, "email": ["ada@example.org"]}, "email"),
        ({**GOOD, "full_name": 12}, "full_name"),
        ({**GOOD, "full_name": "x" * 201}, "full_name"),
        ({**GOOD, "consent": "yes"}, "consent"),
        ({**GOOD, "ticket_type": "'; DROP TABLE attendees; --"}, "ticket_type"),
        ({**GOOD, "is_admin": True}, "is_admin"),
    ],
)
def test_invalid_fields_are_422_with_field_errors(api, db_session, body, field):
    problem = assert_problem(api.post("/v1/registrations", json=body), 422)
    assert field in problem["errors"]
    assert nothing_written(db_session)


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        ("{not json", "application/json", 400),
        ("[1, 2, 3]", "application/json", 422),
        ("null", "application/json", 422),
        ('"a string"', "application/json", 422),
        (json.dumps(GOOD), "text/plain", 415),
        ("email=ada@example.org", "application/x-www-form-urlencoded", 415),
        (b"\xff\xfe\x00garbage", "application/json", 400),
    ],
)
def test_malformed_bodies_are_4xx(api, db_session, data, content_type, status):
    response = api.post("/v1/registrations", data=data, headers={"Content-Type": content_type})
    assert_problem(response, status)
    assert nothing_written(db_session)


def test_multi_megabyte_body_is_413(api, db_session):
    huge = json.dumps({**GOOD, "full_name": "x" * (3 * 1024 * 1024)})
    assert_problem(
        api.post("/v1/registrations", data=huge, headers={"Content-Type": "application/json"}), 413
    )
    assert nothing_written(db_session)


def test_chunked_body_over_the_limit_is_413(api, db_session):
    def chunks():
        yield b'{"email": "ada@example.org", "full_name": "'
        for _ in range(200):
            yield b"x" * 1024
        yield b'"}'

    response = api.post(
        "/v1/registrations", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)
    assert nothing_written(db_session)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer pat_not-a-real-token"},
        {"Authorization": "Basic YWRhOnNlY3JldA=="},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
)
def test_me_without_a_valid_token_is_401(api, headers):
    response = api.get("/v1/me", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_organizer_routes_refuse_attendee_tokens(api):
    token = api.sign_up(GOOD)["access_token"]
    assert_problem(api.post("/v1/exhibitors", token=token, json={"name": "X"}), 403)
    assert_problem(api.post("/v1/exhibitors", json={"name": "X"}), 401)


def test_unknown_routes_and_methods_are_problems(api):
    assert_problem(api.get("/v1/nowhere"), 404)
    response = api.request("PATCH", "/v1/registrations", json=GOOD)
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_request_id_is_echoed_or_created(api):
    assert (
        api.get("/healthz", headers={"X-Request-ID": "trace-123"}).headers["X-Request-ID"]
        == "trace-123"
    )
    generated = api.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert generated.headers["X-Request-ID"] != "bad id with spaces"
    assert len(generated.headers["X-Request-ID"]) == 32


def test_a_backend_that_is_not_running_gives_503(platform):
    api = platform("registration")  # sessions is not running
    response = api.get("/v1/tracks")
    assert_problem(response, 503)
    assert response.headers["Retry-After"]


def test_openapi_documents_every_route(api):
    from gateway.http import ROUTES

    document = api.get("/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    for route in ROUTES:
        path = route.path.replace("<", "{").replace(">", "}")
        assert route.method.lower() in document["paths"][path], path
    body = document["paths"]["/v1/registrations"]["post"]["requestBody"]
    schema_name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    registration = document["components"]["schemas"][schema_name]
    assert {"email", "full_name"} <= set(registration["required"])
    assert ORGANIZER_TOKEN not in json.dumps(document)


def test_health_readiness_and_metrics(api):
    assert api.get("/healthz").json() == {"status": "ok"}
    assert api.get("/readyz").json() == {"status": "ready"}
    api.post("/v1/registrations", json=GOOD)
    metrics = api.get("/metrics").text
    assert 'plenary_entrypoint_duration_seconds_count{entrypoint="register"' in metrics


def test_nul_characters_anywhere_are_422_not_a_database_error(api, db_session):
    body = {**GOOD, "organization": "Museum\u0000of NUL"}
    problem = assert_problem(api.post("/v1/registrations", json=body), 422)
    assert "NUL" in json.dumps(problem["errors"])
    assert nothing_written(db_session)
