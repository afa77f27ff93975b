"""The gateway's read model of the public program and hall (gateway/readmodel.py) and
its checked attendee tokens (gateway/checked_tokens.py), on the real broker and
databases: answers equal to the services' own, kept current by their events (a change
made behind the gateway's back is visible within a second), a 304 without any RPC, and
a revoked token refused as soon as its event arrives."""

import gzip
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from plumbing.testing import LoginCodeTap
from tests.conftest import ORGANIZER_TOKEN, Api
from tests.test_event_e2e import EVENT

WITHIN = 1.0  # seconds: the bound for an organizer's change to be visible


@pytest.fixture
def started(start_service, smtp_sink, rabbit_config):
    """Every backend the program, hall and tokens need, and the gateway; the containers
    too, so a test can stop one."""
    login_codes = LoginCodeTap(rabbit_config["AMQP_URI"])
    settings = {"SMTP_PORT": smtp_sink.port, "PLENARY_ORGANIZER_TOKEN": ORGANIZER_TOKEN}
    containers = {
        name: start_service(name, **settings) for name in ("registration", "sessions", "expo")
    }
    gateway = start_service("gateway", **settings)
    api = Api(f"http://{gateway.config['WEB_SERVER_ADDRESS']}", login_codes)
    wait_until(lambda: gateway_reads(gateway).consuming, 10)
    yield api, containers
    login_codes.close()


def gateway_reads(container):
    [provider] = [d for d in container.dependencies if d.attr_name == "reads"]
    return provider


def wait_until(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)
    return time.monotonic()


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def schedule(api, n, **fields):
    body = {
        "title": f"Session {n} on storage",
        "abstract": f"Abstract {n}",
        "track": ("rebuild", "reconnect")[n % 2],
        "kind": ("panel", "keynote", "workshop")[n % 3],
        "starts_at": f"2030-05-0{4 + n % 3}T{9 + n:02d}:00:00+02:00",
        "ends_at": f"2030-05-0{4 + n % 3}T{9 + n:02d}:45:00+02:00",
        "speakers": [{"name": f"Speaker {'Ada' if n % 2 else 'Bo'} {n}"}],
        **fields,
    }
    return ok(api.post("/v1/sessions", token=ORGANIZER_TOKEN, json=body), 201)


def exhibit(api, n, tier):
    body = {
        "name": f"Exhibitor {n}",
        "description": ("Shelving", "Climate control")[n % 2],
        "tier": tier,
        "booth": f"B{n}",
        "categories": [("storage", "climate")[n % 2]],
        "products": [{"name": f"Box {n}", "category": "boxes"}],
    }
    return ok(api.post("/v1/exhibitors", token=ORGANIZER_TOKEN, json=body), 201)


def walk(api, path, params):
    """Every page of a list through the gateway, each read twice (the second from the
    read model); returns the pages as the gateway answered them."""
    pages, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        first = api.get(path, params=query)
        again = api.get(path, params=query)
        assert again.content == first.content and again.headers["ETag"] == first.headers["ETag"]
        pages.append(ok(first))
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            return pages


def test_program_pages_are_the_sessions_services_own(started, rpc_proxy):
    api, _ = started
    for n in range(7):
        schedule(api, n)
    sessions = rpc_proxy("sessions")
    queries = [
        ({"limit": 2}, {}),
        ({"limit": 3, "track": "rebuild"}, {"track": "rebuild"}),
        ({"kind": "keynote"}, {"kind": "keynote"}),
        (
            {"day": "2030-05-05", "tz": "Europe/Berlin"},
            {"day": "2030-05-05", "tz": "Europe/Berlin"},
        ),
        ({"q": "storage 3"}, {"q": "storage 3"}),
        ({"speaker": "ada", "limit": 1}, {"speaker": "ada"}),
    ]
    for params, filters in queries:
        pages = walk(api, "/v1/sessions", params)
        limit, cursor = params.get("limit", 50), None
        for page in pages:
            assert page == sessions.list_sessions(filters, limit, cursor), params
            cursor = page["next_cursor"]
    assert ok(api.get("/v1/tracks")) == sessions.list_tracks()


def test_hall_pages_are_the_expo_services_own(started, rpc_proxy):
    api, _ = started
    for n, tier in enumerate(["gold", "platinum", "standard", "gold", "silver"]):
        exhibit(api, n, tier)
    expo = rpc_proxy("expo")
    for params, filters in [
        ({"limit": 2}, {}),
        ({"tier": "gold", "limit": 1}, {"tier": "gold"}),
        ({"category": "climate"}, {"category": "climate"}),
        ({"q": "shelving"}, {"q": "shelving"}),
    ]:
        limit, cursor = params.get("limit", 50), None
        for page in walk(api, "/v1/exhibitors", params):
            assert page == expo.list_exhibitors(filters, limit, cursor), params
            cursor = page["next_cursor"]


def test_a_kept_answer_and_its_304_need_no_rpc(started):
    api, containers = started
    session = schedule(api, 1)
    exhibitor = exhibit(api, 1, "gold")
    paths = [
        "/v1/sessions?limit=5",
        f"/v1/sessions/{session['id']}",
        "/v1/tracks",
        "/v1/sessions.ics",
        "/v1/exhibitors",
        f"/v1/exhibitors/{exhibitor['id']}",
    ]
    kept = {path: api.get(path) for path in paths}
    containers["sessions"].stop()
    containers["expo"].stop()
    for path, first in kept.items():
        again = api.get(path)
        assert again.status_code == 200 and again.content == first.content, path
        conditional = api.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert conditional.status_code == 304 and conditional.content == b"", path
    # what was never asked is asked of the (stopped) service: 503, not a guess
    assert api.get("/v1/sessions?limit=6").status_code == 503


def test_a_kept_answer_needs_no_free_worker(started, start_service, smtp_sink):
    """Kept reads are answered before a worker is spawned: with a gateway's only worker
    held by a request waiting on a stopped service, they still answer at once."""
    api, containers = started
    schedule(api, 1)
    gateway = start_service(
        "gateway",
        SMTP_PORT=smtp_sink.port,
        PLENARY_ORGANIZER_TOKEN=ORGANIZER_TOKEN,
        max_workers=1,
        RPC_TIMEOUT_SECONDS=4,
    )
    wait_until(lambda: gateway_reads(gateway).consuming, 10)
    one_worker = Api(f"http://{gateway.config['WEB_SERVER_ADDRESS']}")
    kept = one_worker.get("/v1/sessions?limit=5")
    assert kept.status_code == 200
    containers["sessions"].stop()
    waiting = ThreadPoolExecutor(1).submit(one_worker.get, "/v1/sessions?limit=6")
    time.sleep(0.5)  # the only worker now waits for the stopped service
    asked_at = time.monotonic()
    again = one_worker.get("/v1/sessions?limit=5")
    assert time.monotonic() - asked_at < 1.0 and not waiting.done()
    assert again.status_code == 200 and again.content == kept.content
    assert again.headers["X-Request-ID"] != kept.headers["X-Request-ID"]
    assert waiting.result().status_code == 503


def test_a_client_that_accepts_gzip_gets_the_same_answer_gzipped(started):
    """Compressed once when kept; each representation its own ETag and its own 304;
    a short answer goes as it is."""
    api, _ = started
    for n in range(12):  # a page of a dozen sessions: several kB of JSON
        schedule(api, n)
    path = "/v1/sessions?limit=50"
    plain = api.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert len(plain.content) > 2048
    raw = api.http.get(
        api.base_url + path, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=15
    )
    packed = raw.raw.read(decode_content=False)
    assert raw.headers["Content-Encoding"] == "gzip" and len(packed) < len(plain.content) / 3
    assert gzip.decompress(packed) == plain.content
    for response in (plain, raw):
        assert "Accept-Encoding" in response.headers["Vary"]
    assert raw.headers["ETag"] != plain.headers["ETag"]
    for response, encoding in ((plain, "identity"), (raw, "gzip")):
        again = {"Accept-Encoding": encoding, "If-None-Match": response.headers["ETag"]}
        assert api.get(path, headers=again).status_code == 304
    # the other representation's tag does not match: the client gets this one whole
    crossed = {"Accept-Encoding": "identity", "If-None-Match": raw.headers["ETag"]}
    assert api.get(path, headers=crossed).content == plain.content
    # a short answer (a page of nothing) goes as it is
    empty = api.get("/v1/sessions?q=nothing-matches-this", headers={"Accept-Encoding": "gzip"})
    assert empty.status_code == 200 and "Content-Encoding" not in empty.headers


def test_a_change_behind_the_gateways_back_is_visible_within_a_second(started, rpc_proxy):
    """Another replica (here: an RPC straight to the service) changes the program and
    the hall; only the events can tell this gateway."""
    api, _ = started
    session = schedule(api, 2)
    exhibitor = exhibit(api, 2, "silver")
    etags = {
        path: api.get(path).headers["ETag"]
        for path in ("/v1/sessions", f"/v1/sessions/{session['id']}", "/v1/exhibitors")
    }
    changed_at = time.monotonic()
    rpc_proxy("sessions").update_session(session["id"], {"title": "Moved by another replica"})
    for path in ("/v1/sessions", f"/v1/sessions/{session['id']}"):
        seen = wait_until(lambda p=path: "Moved by another" in api.get(p).text, WITHIN)
        assert seen - changed_at < WITHIN
        assert api.get(path, headers={"If-None-Match": etags[path]}).status_code == 200

    changed_at = time.monotonic()
    rpc_proxy("expo").add_product(exhibitor["id"], {"name": "Brand-new shelf"})
    seen = wait_until(lambda: "Brand-new shelf" in api.get("/v1/exhibitors").text, WITHIN)
    assert seen - changed_at < WITHIN


def test_the_event_page_and_the_feed_follow_the_event_details(started, rpc_proxy):
    """/v1/event is kept too; saving the event (here behind the gateway's back) drops it
    and the program feed named after it."""
    api, _ = started
    before = {path: api.get(path) for path in ("/v1/event", "/v1/sessions.ics")}
    changed_at = time.monotonic()
    rpc_proxy("sessions").update_event({**EVENT, "name": "Renamed Forward"})
    for path, first in before.items():
        seen = wait_until(lambda p=path: "Renamed Forward" in api.get(p).text, WITHIN)
        assert seen - changed_at < WITHIN
        assert api.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_an_organizers_change_through_the_gateway_is_visible_at_once(started):
    api, _ = started
    session = schedule(api, 3)
    before = api.get("/v1/sessions")
    assert session["title"] in before.text
    ok(
        api.request(
            "PATCH",
            f"/v1/sessions/{session['id']}",
            token=ORGANIZER_TOKEN,
            json={"title": "Renamed keynote"},
        )
    )
    after = api.get("/v1/sessions", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and "Renamed keynote" in after.text
    cancelled = api.delete(f"/v1/sessions/{session['id']}", token=ORGANIZER_TOKEN)
    assert ok(cancelled)["status"] == "cancelled"
    assert ok(api.get(f"/v1/sessions/{session['id']}"))["status"] == "cancelled"


def register(api, email):
    answer = api.sign_up({"email": email, "full_name": "Tess"})
    return answer["access_token"], answer["attendee_id"]


def test_a_checked_token_needs_no_rpc_until_an_event_ends_it(started, rpc_proxy):
    api, containers = started
    token, attendee_id = register(api, "tess@example.org")
    assert ok(api.get("/v1/me", token=token))["attendee_id"] == attendee_id
    other_token, _ = register(api, "uma@example.org")
    ok(api.get("/v1/me", token=other_token))

    # another replica's logout (straight to registration): refused once its event is here
    revoked_at = time.monotonic()
    rpc_proxy("registration").revoke_token(token)
    refused = wait_until(lambda: api.get("/v1/me", token=token).status_code == 401, WITHIN)
    assert refused - revoked_at < WITHIN
    assert ok(api.get("/v1/me", token=other_token))  # the other attendee's token lives on

    # a kept token is checked in memory: registration down, it still works
    containers["registration"].stop()
    assert ok(api.get("/v1/me", token=other_token))["email"] == "uma@example.org"
    assert api.get("/v1/me", token="pat_never-issued").status_code == 503


def test_cancellation_and_profile_changes_end_kept_tokens(started, rpc_proxy):
    api, _ = started
    token, attendee_id = register(api, "vic@example.org")
    ok(api.get("/v1/me", token=token))
    registration = rpc_proxy("registration")

    registration.update_profile(attendee_id, {"organization": "Archive of Things"})
    wait_until(
        lambda: ok(api.get("/v1/me", token=token))["organization"] == "Archive of Things", WITHIN
    )
    registration.cancel_registration(attendee_id, "organizer")
    wait_until(lambda: api.get("/v1/me", token=token).status_code == 401, WITHIN)

    # and through the gateway: its own logout refuses the token on the next request
    again, _ = register(api, "vic@example.org")
    ok(api.get("/v1/me", token=again))
    assert api.post("/v1/auth/logout", token=again).status_code == 204
    assert api.get("/v1/me", token=again).status_code == 401
