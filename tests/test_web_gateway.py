"""The gateway's origin beyond the API: the built web app, /docs, the stream's tickets
and CORS, against the real services."""

import json
import time
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import requests

from gateway.tickets import StreamTickets
from gateway.web import APP_CSP
from plumbing.testing import wait_until
from tests.conftest import ORGANIZER_TOKEN

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
DEV_ORIGIN = "http://localhost:5173"


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Plenary</title>")
    (tmp_path / "assets" / "index-3f9a1c2b.js").write_text("console.log(1)")
    (tmp_path / "assets" / "index-77aa.css").write_text("body{}")
    (tmp_path / "assets" / "font-1.woff2").write_bytes(b"wOF2")
    (tmp_path / "assets" / "index-3f9a1c2b.js.map").write_text('{"sources": ["App.tsx"]}')
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path / "docs" / "index.html").write_text("<!doctype html><title>API</title>")
    (tmp_path / "secret.txt").write_text("not an asset")
    return tmp_path


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    return response.json()


def test_the_app_its_assets_and_its_client_side_routes(platform, dist):
    api = platform("registration", WEB_DIST_DIR=str(dist))

    for path in ("/", "/program", "/sessions/ses-1", "/organizer/sessions"):
        page = api.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert page.text == "<!doctype html><title>Plenary</title>"
        assert page.headers["Content-Type"].startswith("text/html")
        assert page.headers["Cache-Control"] == "no-cache"
        assert page.headers["Content-Security-Policy"] == APP_CSP

    for name, content_type in [
        ("index-3f9a1c2b.js", "text/javascript"),
        ("index-77aa.css", "text/css"),
        ("font-1.woff2", "font/woff2"),
    ]:
        asset = api.get(f"/assets/{name}")
        assert asset.status_code == 200
        assert asset.headers["Content-Type"].split(";")[0] == content_type
        assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    icon = api.get("/favicon.svg")
    assert icon.headers["Content-Type"] == "image/svg+xml"
    assert icon.headers["Cache-Control"] == "public, max-age=3600"

    docs = api.get("/docs", headers=HTML)
    assert docs.status_code == 200 and "<title>API</title>" in docs.text

    assert_problem(api.get("/assets/missing-1.js"), 404)
    assert_problem(api.get("/assets/index-3f9a1c2b.js.map"), 404)  # never the source
    for escape in ("/assets/..%2fsecret.txt", "/assets/%2e%2e/secret.txt"):
        response = requests.get(api.base_url + escape, timeout=10)
        assert response.status_code == 404 and "not an asset" not in response.text


def test_the_api_keeps_its_problems(platform, dist):
    api = platform("registration", WEB_DIST_DIR=str(dist))
    assert_problem(api.get("/v1/nope", headers=HTML), 404)
    assert_problem(api.get("/v1/registrations", headers=HTML), 405)  # POST only
    assert_problem(api.get("/program", headers={"Accept": "application/json"}), 404)
    assert_problem(api.post("/program", headers=HTML), 404)  # only GETs are the app's
    assert api.get("/v1/openapi.json", headers=HTML).json()["openapi"]
    assert api.get("/healthz").json() == {"status": "ok"}


def test_without_a_build_the_root_says_how_to_build(platform, tmp_path):
    api = platform("registration", WEB_DIST_DIR=str(tmp_path / "missing"))
    root = api.get("/", headers=HTML)
    assert root.status_code == 503 and "make web" in root.text
    assert_problem(api.get("/assets/index-1.js"), 404)


def test_cors_for_the_configured_origins_only(platform):
    api = platform("registration", CORS_ALLOWED_ORIGINS=f"http://127.0.0.1:5173, {DEV_ORIGIN}")
    preflight = api.request(
        "OPTIONS",
        "/v1/me",
        headers={
            "Origin": DEV_ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == DEV_ORIGIN
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    allowed = preflight.headers["Access-Control-Allow-Headers"]
    for header in ("Authorization", "Content-Type", "If-None-Match", "Last-Event-ID"):
        assert header in allowed
    assert int(preflight.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in preflight.headers["Vary"]

    tracks = api.get("/v1/tracks", headers={"Origin": DEV_ORIGIN})
    assert tracks.headers["Access-Control-Allow-Origin"] == DEV_ORIGIN
    exposed = tracks.headers["Access-Control-Expose-Headers"]
    assert "ETag" in exposed and "X-Request-ID" in exposed and "Retry-After" in exposed

    stranger = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    refused = api.request("OPTIONS", "/v1/me", headers=stranger)
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Origin" not in api.get("/v1/tracks", headers=stranger).headers


def read_first_event(response):
    event = {}
    for line in response.iter_lines(decode_unicode=True):
        if not line and "data" in event:
            return event
        if line and not line.startswith(":"):
            field, _, value = line.partition(": ")
            event[field] = value
    return event


def test_the_stream_opens_with_a_single_use_ticket(platform):
    api = platform()
    ada = api.sign_up(
        {
            "email": "ada@example.org",
            "full_name": "Ada",
            "consent": {"share_with_exhibitors": False},
        }
    )
    token = ada["access_token"]
    [welcome] = wait_until(lambda: api.get("/v1/me/notifications", token=token).json()["items"])
    sent = api.post(
        "/v1/announcements",
        token=ORGANIZER_TOKEN,
        json={"title": "Doors open", "body": "The hall opens at 9."},
    )
    assert sent.status_code == 201, sent.text
    wait_until(lambda: len(api.get("/v1/me/notifications", token=token).json()["items"]) == 2)

    assert_problem(api.post("/v1/me/notifications/stream-ticket"), 401)
    issued = api.post("/v1/me/notifications/stream-ticket", token=token)
    assert issued.status_code == 201, issued.text
    ticket = issued.json()["ticket"]
    expires_at = datetime.fromisoformat(issued.json()["expires_at"])
    assert 50 < (expires_at - datetime.now(UTC)).total_seconds() <= 61

    url = f"{api.base_url}/v1/me/notifications/stream"
    query = {"ticket": ticket, "last_event_id": welcome["id"]}
    with requests.get(url, params=query, stream=True, timeout=15) as stream:
        assert stream.status_code == 200
        event = read_first_event(stream)
    assert event["event"] == "notification"
    assert json.loads(event["data"])["title"] == "Doors open"

    again = requests.get(url, params={"ticket": ticket}, timeout=15)
    assert_problem(again, 401)
    forged = ticket[:-2] + ("AA" if not ticket.endswith("AA") else "BB")
    assert_problem(requests.get(url, params={"ticket": forged}, timeout=15), 401)
    assert_problem(requests.get(url, params={"ticket": "x" * 2000}, timeout=15), 422)

    document = api.get("/v1/openapi.json").json()
    route = document["paths"]["/v1/me/notifications/stream-ticket"]["post"]
    assert route["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StreamTicket"
    }


def tickets(secret="s", seconds=60):
    provider = StreamTickets()
    provider.container = SimpleNamespace(
        config={
            "STREAM_TICKET_SECRET": secret,
            "STREAM_TICKET_SECONDS": seconds,
            "RATE_LIMIT_STORAGE_URI": "memory://",
        }
    )
    provider.setup()
    return provider


def test_a_ticket_is_bound_to_its_attendee_signed_and_expires():
    issuer = tickets()
    ticket = issuer.issue("att-1")["ticket"]
    assert tickets().redeem(ticket) == "att-1"  # another replica with the same secret
    with pytest.raises(Exception, match="invalid"):
        tickets(secret="other").redeem(ticket)
    expired = tickets(seconds=0)
    stale = expired.issue("att-1")["ticket"]
    time.sleep(0.01)
    with pytest.raises(Exception, match="expired"):
        expired.redeem(stale)
