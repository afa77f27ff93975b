"""What the platform writes to its logs (issue 13, item 9): query strings never (tokens
travel in them), a client error (4xx) as one INFO line without a traceback, a server
error (5xx) at ERROR with its traceback, and no secret or login code anywhere."""

import logging

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from gateway.http import ApiHandler
from tests.conftest import ORGANIZER_TOKEN

SECRET_IN_QUERY = "qs-secret-9f8e7d6c5b4a"
WRONG_CODE = "31415926"


def everything_logged(caplog):
    """Every record's text and traceback, as one string."""
    handler_format = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "\n".join(
        handler_format.format(record) + (record.exc_text or "") for record in caplog.records
    )


def access_lines(caplog, method, path):
    return [
        r
        for r in caplog.records
        if r.name == "gateway.access" and r.getMessage().startswith(f"{method} {path} ")
    ]


def test_no_query_string_no_secret_no_code_and_one_info_line_per_4xx(platform, smtp_sink, caplog):
    api = platform()
    caplog.set_level(logging.DEBUG, logger="gateway")
    caplog.set_level(logging.INFO)
    registered = api.sign_up(
        {
            "email": "logs@example.org",
            "full_name": "Log Reader",
            "consent": {"share_with_exhibitors": False},
        }
    )
    access_token = registered["access_token"]

    # tokens put in the query string, where some clients put them
    assert api.get(f"/v1/me?access_token={SECRET_IN_QUERY}").status_code == 401
    stream = api.get(f"/v1/me/notifications/stream?ticket={SECRET_IN_QUERY}")
    assert stream.status_code in (401, 422)
    assert api.get("/v1/sessions", params={"q": SECRET_IN_QUERY}).status_code == 200
    # a wrong login code, then the right one
    assert api.post("/v1/auth/login-link", json={"email": "logs@example.org"}).status_code == 202
    wrong = api.post("/v1/auth/token", json={"email": "logs@example.org", "code": WRONG_CODE})
    assert 400 <= wrong.status_code < 500
    code = api.login_codes.code_for("logs@example.org")
    granted = api.post("/v1/auth/token", json={"email": "logs@example.org", "code": code})
    assert granted.status_code == 200, granted.text
    # 4xx from the gateway itself and from a backend (registration's 404, sessions' 422)
    assert api.get("/v1/sessions/does-not-exist").status_code == 404
    assert api.get("/v1/attendees/x", token=ORGANIZER_TOKEN).status_code in (404, 405)
    assert api.post("/v1/registrations", json={"email": "nope"}).status_code == 422

    logged = everything_logged(caplog)
    for secret in (
        SECRET_IN_QUERY,
        WRONG_CODE,
        code,
        access_token,
        granted.json()["access_token"],
        ORGANIZER_TOKEN,
    ):
        assert secret not in logged
    assert "?" not in "".join(r.getMessage() for r in caplog.records if r.name == "gateway.access")

    for method, path in [
        ("GET", "/v1/me"),
        ("GET", "/v1/sessions/does-not-exist"),
        ("POST", "/v1/auth/token"),
    ]:
        lines = access_lines(caplog, method, path)
        assert lines and all(r.levelno == logging.INFO for r in lines), (method, path)
    assert len(access_lines(caplog, "GET", "/v1/sessions/does-not-exist")) == 1
    # no traceback and nothing above INFO for a caller's mistake, in any service
    assert [r for r in caplog.records if r.exc_info] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("status", [500])
def test_a_server_error_is_logged_at_error_with_its_traceback(caplog, status):
    request = Request(EnvironBuilder(path="/v1/boom", query_string="access_token=x").get_environ())
    handler = ApiHandler.__new__(ApiHandler)
    with caplog.at_level(logging.INFO):
        try:
            raise RuntimeError("a bug of ours")
        except RuntimeError as exc:
            response = handler.response_from_exception(exc, request)
    assert response.status_code == status
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info and "RuntimeError: a bug of ours" in everything_logged(caplog)
    assert "access_token" not in everything_logged(caplog)
