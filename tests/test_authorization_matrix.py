"""Who may call what (issue 13, item 10): every route of the gateway × every kind of
caller -> the status it answers, as a table.

Callers: anonymous, attendee A (who owns the attendee objects in the paths), attendee B
(someone else: the cross-object variant), exhibitor X (owns the exhibitor objects in the
paths), exhibitor Y (another exhibitor: cross-object), the organizer. The rows come from
``gateway.http.ROUTES``: a route without a row fails the test, so a new route cannot be
forgotten; a row without a route fails too.

Rows marked ``FRESH`` revoke or replace the caller's own credentials; they run last,
each with callers of their own.
"""

import os
import uuid
from datetime import UTC, datetime, timedelta

from gateway import service  # noqa: F401  (imports every route module)
from gateway.http import ROUTES
from plumbing.testing import wait_until
from tests.conftest import ORGANIZER_TOKEN

CALLERS = ("anonymous", "attendee_a", "attendee_b", "exhibitor_x", "exhibitor_y", "organizer")
FRESH = "fresh"
STARTS = datetime.now(UTC) + timedelta(days=30)
OTHER = {"attendee_id": "{other_attendee_id}"}  # A acts on C, someone else
SLOT = {"starts_at": STARTS.isoformat(), "ends_at": (STARTS + timedelta(minutes=30)).isoformat()}


def session_body(title):
    return {
        "title": title,
        "abstract": "",
        "track": "reinspire",
        "kind": "panel",
        "starts_at": STARTS.isoformat(),
        "ends_at": (STARTS + timedelta(hours=1)).isoformat(),
        "speakers": [],
        "capacity": 100,
    }


# route -> (path values beyond the world's, body, statuses in CALLERS order[, FRESH])
# A path value names the object the row is about; "{...}" are looked up in the world.
# fmt: off
ANY = (200, 200, 200, 200, 200, 200)
ATTENDEE = (401, 200, 200, 401, 401, 401)  # any attendee, each on their own data
EXHIBITOR_X = (401, 401, 401, 200, 403, 401)  # X only; Y is refused X's objects
ORGANIZER = (401, 403, 403, 403, 403, 200)
MATRIX = {
    # -- attendees: their own data; an exhibitor key or the organizer token is no attendee
    "POST /v1/registrations": ({}, "registration", (202,) * 6),
    "GET /v1/me": ({}, None, ATTENDEE),
    "PATCH /v1/me": ({}, {"organization": "Elsewhere"}, ATTENDEE),
    "DELETE /v1/me": ({}, None, (401, 204, 204, 401, 401, 401), FRESH),
    "GET /v1/me/export": ({}, None, ATTENDEE),
    "POST /v1/me/cancellation": ({}, None, ATTENDEE, FRESH),
    "POST /v1/auth/login-link": ({}, {"email": "a@example.org"}, (202,) * 6),
    "POST /v1/auth/token": ({}, {"email": "a@example.org", "code": "00000000"}, (401,) * 6),
    "POST /v1/auth/logout": ({}, None, (401, 204, 204, 401, 401, 401), FRESH),
    # -- expo: the hall is public; X's booth, leads, meetings and webhooks are X's
    "GET /v1/exhibitors": ({}, None, ANY),
    "GET /v1/exhibitors/<exhibitor_id>": ({}, None, ANY),
    "POST /v1/exhibitors": ({}, "exhibitor", (401, 403, 403, 403, 403, 201)),
    "PATCH /v1/exhibitors/<exhibitor_id>": ({}, {"description": "Ours"}, EXHIBITOR_X),
    "POST /v1/exhibitors/<exhibitor_id>/api-key": ({}, None, (401, 401, 401, 200, 403, 200),
                                                   FRESH),
    "POST /v1/exhibitors/<exhibitor_id>/products": ({}, "product", (401, 401, 401, 201, 403, 401)),
    "PATCH /v1/exhibitors/<exhibitor_id>/products/<product_id>": ({}, {"name": "Renamed"},
                                                                  EXHIBITOR_X),
    "DELETE /v1/exhibitors/<exhibitor_id>/products/<product_id>": (
        {"product_id": "{spare_product_id}"}, None, (401, 401, 401, 204, 403, 401)),
    "POST /v1/exhibitors/<exhibitor_id>/interactions": ({}, {"kind": "visit"},
                                                        (401, 201, 201, 401, 401, 401)),
    "GET /v1/exhibitors/<exhibitor_id>/leads": ({}, None, EXHIBITOR_X),
    "GET /v1/exhibitors/<exhibitor_id>/analytics": ({}, None, EXHIBITOR_X),
    "GET /v1/exhibitors/<exhibitor_id>/meetings": ({}, None, EXHIBITOR_X),
    "POST /v1/exhibitors/<exhibitor_id>/meetings/<meeting_id>/answer": (
        {"meeting_id": "{expo_meeting_id}"}, "meeting_answer", ()),
    "POST /v1/exhibitors/<exhibitor_id>/webhooks": ({}, "webhook", (401, 401, 401, 201, 403, 401)),
    "GET /v1/exhibitors/<exhibitor_id>/webhooks": ({}, None, EXHIBITOR_X),
    "DELETE /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>": (
        {"webhook_id": "{spare_webhook_id}"}, None, (401, 401, 401, 204, 403, 401)),
    "POST /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/secret": ({}, None, EXHIBITOR_X),
    "POST /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/ping": (
        {}, None, (401, 401, 401, 202, 403, 401)),
    "GET /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/deliveries": ({}, None, EXHIBITOR_X),
    "POST /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/deliveries/<delivery_id>/retry": (
        {}, None, (401, 401, 401, 202, 403, 401)),
    # -- networking: A acts on C (the other attendee); B on A's objects sees none of them
    "GET /v1/networking/interests": ({}, None, ANY),
    "PUT /v1/networking/interests": ({}, {}, ()),
    "GET /v1/networking/settings": ({}, None, ANY),
    "PATCH /v1/networking/settings": ({}, {}, ()),
    "GET /v1/me/profile": ({}, None, ATTENDEE),
    "PUT /v1/me/profile": ({}, {"listed": True}, ()),
    "GET /v1/directory": ({}, None, ATTENDEE),
    "GET /v1/directory/<attendee_id>": (OTHER, None, ()),
    "POST /v1/me/connections": ({}, "connection", ()),
    "GET /v1/me/connections": ({}, None, ATTENDEE),
    "DELETE /v1/me/connections/<attendee_id>": (OTHER, None, ()),
    "GET /v1/me/connection-requests": ({}, None, ATTENDEE),
    "POST /v1/me/connection-requests/<request_id>/accept": ({}, None, ()),
    "POST /v1/me/connection-requests/<request_id>/decline": ({}, None, ()),
    "DELETE /v1/me/connection-requests/<request_id>": ({}, None, ()),
    "POST /v1/me/messages": ({}, "direct_message", ()),
    "GET /v1/me/conversations": ({}, None, ATTENDEE),
    "GET /v1/me/conversations/<conversation_id>/messages": ({}, None, ()),
    "POST /v1/me/conversations/<conversation_id>/messages": ({}, {"body": "Again"}, ()),
    "POST /v1/me/conversations/<conversation_id>/read": ({}, None, ()),
    "GET /v1/me/blocks": ({}, None, ATTENDEE),
    "PUT /v1/me/blocks/<attendee_id>": (OTHER, None, ()),
    "DELETE /v1/me/blocks/<attendee_id>": (OTHER, None, ()),
    "POST /v1/reports": ({}, "report", ()),
    "GET /v1/networking/reports": ({}, None, ORGANIZER),
    "POST /v1/networking/reports/<report_id>/resolve": ({}, {"status": "dismissed"}, ()),
    "POST /v1/networking/messages/<message_id>/hide": ({}, None, ()),
    "POST /v1/networking/messages/<message_id>/unhide": ({}, None, ()),
    "GET /v1/networking/silences": ({}, None, ORGANIZER),
    "PUT /v1/networking/silences/<attendee_id>": (OTHER, {}, ()),
    "DELETE /v1/networking/silences/<attendee_id>": (OTHER, None, ()),
    "POST /v1/me/meetings": ({}, "meeting", ()),
    "GET /v1/me/meetings": ({}, None, ATTENDEE),
    "POST /v1/me/meetings/<meeting_id>/accept": ({}, "meeting_accept", ()),
    "POST /v1/me/meetings/<meeting_id>/decline": ({}, None, ()),
    "POST /v1/me/meetings/<meeting_id>/cancel": ({}, None, ()),
    "GET /v1/sessions/<session_id>/tables": ({}, None, ()),
    "POST /v1/sessions/<session_id>/tables": ({}, {"topic": "Another", "capacity": 6}, ()),
    "PATCH /v1/tables/<table_id>": ({}, {"capacity": 8}, ()),
    "DELETE /v1/tables/<table_id>": ({"table_id": "{spare_table_id}"}, None, ()),
    "POST /v1/tables/<table_id>/join": ({}, None, ()),
    "POST /v1/tables/<table_id>/leave": ({}, None, ()),
    "GET /v1/tables/<table_id>/participants": ({}, None, ()),
    "GET /v1/tables/<table_id>/messages": ({}, None, ()),
    "POST /v1/tables/<table_id>/messages": ({}, {"body": "Hello table"}, ()),
    "POST /v1/sessions/<session_id>/speed-networking/queue": ({}, None, ()),
    "DELETE /v1/sessions/<session_id>/speed-networking/queue": ({}, None, ()),
    "GET /v1/sessions/<session_id>/speed-networking/me": ({}, None, ()),
    "POST /v1/speed-rounds/<round_id>/connect": ({}, None, ()),
    "GET /v1/faq": ({}, None, ANY),
    "GET /v1/networking/faq": ({}, None, ORGANIZER),
    "POST /v1/faq": ({}, {"question": "Where?", "answer": "Here."}, ()),
    "PATCH /v1/faq/<entry_id>": ({}, {"answer": "There."}, ()),
    "DELETE /v1/faq/<entry_id>": ({"entry_id": "{spare_entry_id}"}, None, ()),
    # -- notifications: A's feed and stream; X's webhooks are above
    "GET /v1/me/notifications": ({}, None, ATTENDEE),
    "POST /v1/me/notifications/<notification_id>/read": ({}, None, ()),
    "POST /v1/me/notifications/read": ({}, None, ATTENDEE),
    "GET /v1/me/notifications/preferences": ({}, None, ATTENDEE),
    "PUT /v1/me/notifications/preferences": ({}, {}, ATTENDEE),
    "POST /v1/me/notifications/stream-ticket": ({}, None, (401, 201, 201, 401, 401, 401)),
    "GET /v1/me/notifications/stream": ({}, None, ()),
    "POST /v1/announcements": ({}, {"title": "Doors open", "body": "Now."}, ()),
    # -- ops and the document: public
    "GET /healthz": ({}, None, ANY),
    "GET /readyz": ({}, None, ANY),
    "GET /metrics": ({}, None, ANY),
    "GET /v1/openapi.json": ({}, None, ANY),
    # -- organizer
    "GET /v1/attendees": ({}, None, ORGANIZER),
    "POST /v1/registrations/<attendee_id>/cancellation": (
        {"attendee_id": "{spare_attendee_id}"}, None, ()),
    "DELETE /v1/attendees/<attendee_id>": ({"attendee_id": "{erased_attendee_id}"}, None, ()),
    "GET /v1/ticket-types": ({}, None, ORGANIZER),
    "PUT /v1/ticket-types/<ticket_type>": ({"ticket_type": "student"}, {"capacity": 50}, ()),
    "GET /v1/stats": ({}, None, ORGANIZER),
    "POST /v1/ticket-types/<ticket_type>/codes": ({"ticket_type": "student"}, {}, ()),
    "GET /v1/event": ({}, None, ()),
    "PUT /v1/event": ({}, {}, ()),
    # -- program: public reads, organizer writes, A's agenda and chat
    "GET /v1/tracks": ({}, None, ANY),
    "POST /v1/tracks": ({}, "track", ()),
    "GET /v1/sessions": ({}, None, ANY),
    "GET /v1/sessions.ics": ({}, None, ANY),
    "GET /v1/sessions/<session_id>": ({}, None, ANY),
    "POST /v1/sessions": ({}, "session", ()),
    "PATCH /v1/sessions/<session_id>": ({}, {"capacity": 120}, ()),
    "DELETE /v1/sessions/<session_id>": ({"session_id": "{spare_session_id}"}, None, ()),
    "GET /v1/me/agenda": ({}, None, ATTENDEE),
    "GET /v1/me/agenda.ics": ({}, None, ATTENDEE),
    "PUT /v1/me/agenda/<session_id>": ({}, None, ()),
    "DELETE /v1/me/agenda/<session_id>": ({"session_id": "{spare_session_id}"}, None, ()),
    "POST /v1/sessions/<session_id>/join": ({}, None, ()),
    "POST /v1/sessions/<session_id>/leave": ({}, None, ()),
    "GET /v1/sessions/<session_id>/attendance": ({}, None, ()),
    "GET /v1/sessions/<session_id>/messages": ({}, None, ()),
    "POST /v1/sessions/<session_id>/messages": ({}, {"kind": "question", "body": "Why?"}, ()),
    "PATCH /v1/sessions/<session_id>/messages/<message_id>": ({}, {"answered": True}, ()),
    "POST /v1/sessions/<session_id>/messages/<message_id>/upvote": ({}, None, ()),
}
# fmt: on


def label(route):
    return f"{route.method} {route.path}"


def test_every_route_has_a_row_and_every_row_a_route():
    routes = {label(route) for route in ROUTES}
    assert sorted(routes - set(MATRIX)) == [], "routes without a row in MATRIX"
    assert sorted(set(MATRIX) - routes) == [], "rows for routes that do not exist"


def ok(response, *statuses):
    assert response.status_code in (statuses or (200, 201, 202)), response.text
    return response.json() if response.content else None


def register(api, email, name):
    return api.sign_up(
        {"email": email, "full_name": name, "consent": {"share_with_exhibitors": True}}
    )


def new_exhibitor(api, name):
    body = {"name": name, "description": "", "tier": "silver", "products": []}
    return ok(api.post("/v1/exhibitors", token=ORGANIZER_TOKEN, json=body))


def callers(api, tag):
    """Two attendees and two exhibitors of their own (the FRESH rows spend them)."""
    a = register(api, f"a-{tag}@example.org", "Ada Attendee")
    b = register(api, f"b-{tag}@example.org", "Bob Bystander")
    x = new_exhibitor(api, f"X {tag}")
    y = new_exhibitor(api, f"Y {tag}")
    tokens = {
        "anonymous": None,
        "attendee_a": a["access_token"],
        "attendee_b": b["access_token"],
        "exhibitor_x": x["api_key"],
        "exhibitor_y": y["api_key"],
        "organizer": ORGANIZER_TOKEN,
    }
    return tokens, {"attendee_id": a["attendee_id"], "exhibitor_id": x["id"]}


def build_world(api):
    """The objects in the paths: A's and X's, and a spare of each that a row deletes."""
    tokens, world = callers(api, "main")
    a, x = tokens["attendee_a"], tokens["exhibitor_x"]
    org = ORGANIZER_TOKEN
    c = register(api, "c@example.org", "Cy Counterpart")
    world["other_attendee_id"] = c["attendee_id"]
    session = ok(api.post("/v1/sessions", token=org, json=session_body("Main")))
    world["session_id"] = session["id"]
    world["spare_session_id"] = ok(api.post("/v1/sessions", token=org, json=session_body("Spare")))[
        "id"
    ]
    exhibitor = f"/v1/exhibitors/{world['exhibitor_id']}"
    world["product_id"] = ok(api.post(f"{exhibitor}/products", token=x, json={"name": "P"}))["id"]
    world["spare_product_id"] = ok(
        api.post(f"{exhibitor}/products", token=x, json={"name": "Spare"})
    )["id"]
    meeting = ok(
        api.post(
            f"{exhibitor}/interactions",
            token=a,
            json={"kind": "meeting_request", "proposed_times": [SLOT["starts_at"]]},
        )
    )
    world["expo_meeting_id"] = meeting["meeting_id"]
    hook = {"url": "http://127.0.0.1:9/hook", "events": ["lead.captured"]}
    world["webhook_id"] = ok(api.post(f"{exhibitor}/webhooks", token=x, json=hook))["id"]
    world["spare_webhook_id"] = ok(api.post(f"{exhibitor}/webhooks", token=x, json=hook))["id"]
    ping = ok(api.post(f"{exhibitor}/webhooks/{world['webhook_id']}/ping", token=x))
    world["delivery_id"] = ping["id"]
    deliveries = f"{exhibitor}/webhooks/{world['webhook_id']}/deliveries"

    def ping_attempted():  # a delivery may be retried once it is no longer waiting
        items = api.get(deliveries, token=x).json()["items"]
        return any(d["id"] == ping["id"] and d["status"] != "pending" for d in items)

    wait_until(ping_attempted, what="the ping's attempt")
    ok(api.put(f"/v1/me/agenda/{world['session_id']}", token=a))
    session = f"/v1/sessions/{world['session_id']}"
    world["message_id"] = ok(
        api.post(f"{session}/messages", token=a, json={"kind": "chat", "body": "Hi"})
    )["id"]
    for name in ("spare_attendee_id", "erased_attendee_id"):
        world[name] = register(api, f"{name}@example.org", "Spare Person")["attendee_id"]
    other = world["other_attendee_id"]
    for token in (a, c["access_token"]):
        ok(api.put("/v1/me/profile", token=token, json={"listed": True}))
    asked = api.post("/v1/me/connections", token=a, json={"attendee_id": other})
    world["request_id"] = made(asked, "request.id")
    world["conversation_id"] = made(
        api.post("/v1/me/messages", token=a, json={"to": other, "body": "Hello"}),
        "conversation_id",
    )
    world["meeting_id"] = made(
        api.post("/v1/me/meetings", token=a, json={"with": other, "slots": [SLOT]})
    )
    world["report_id"] = made(
        api.post("/v1/reports", token=a, json={"attendee_id": other, "reason": "spam"})
    )
    for name in ("table_id", "spare_table_id"):
        world[name] = made(
            api.post(f"{session}/tables", token=org, json={"topic": name, "capacity": 6})
        )
    for name in ("entry_id", "spare_entry_id"):
        world[name] = made(
            api.post("/v1/faq", token=org, json={"question": name, "answer": "Yes."})
        )
    feed = wait_until(lambda: api.get("/v1/me/notifications", token=a).json()["items"])
    world["notification_id"] = feed[0]["id"]
    world["round_id"] = "no-such-round"
    return tokens, world


def made(response, key="id"):
    """The id of what was made; a placeholder id (a 404 in the table) when the platform
    refused to make it, so the rows still show who may call."""
    if response.status_code not in (200, 201, 202):
        return "not-made"
    value = response.json()
    for part in key.split("."):
        value = value[part]
    return value


def concrete(path, values, world):
    for name, value in {**world, **values}.items():
        if value.startswith("{"):
            value = world[value.strip("{}")]
        path = path.replace(f"<{name}>", value)
    return path.replace("<", "").replace(">", "") if "<" not in path else path


def body_for(kind, n):
    bodies = {
        "registration": {
            "email": f"new{n}@example.org",
            "full_name": "New Comer",
            "consent": {"share_with_exhibitors": False},
        },
        "exhibitor": {"name": f"New {n}", "description": "", "tier": "silver", "products": []},
        "product": {"name": f"Product {n}"},
        "webhook": {"url": "http://127.0.0.1:9/new", "events": ["lead.captured"]},
        "session": session_body(f"New {n}"),
        "track": {"id": f"t-{n}".lower().replace("_", "-")[:40], "name": "New track"},
        "meeting_answer": {"status": "accepted", "accepted_time": SLOT["starts_at"]},
        "connection": {"attendee_id": "{other_attendee_id}"},
        "direct_message": {"to": "{other_attendee_id}", "body": "Hello again"},
        "report": {"attendee_id": "{other_attendee_id}", "reason": "other"},
        "meeting": {"with": "{other_attendee_id}", "slots": [SLOT]},
        "meeting_accept": {"slot": 0},
    }
    return bodies[kind] if isinstance(kind, str) else kind


def filled(body, world):
    if isinstance(body, dict):
        return {key: filled(value, world) for key, value in body.items()}
    if isinstance(body, str) and body.startswith("{"):
        return world[body.strip("{}")]
    return body


def observe(api, route, row, tokens, world):
    values, body = row[0], row[1]
    path = concrete(route.path, values, world)
    statuses = []
    for n, caller in enumerate(CALLERS):
        payload = filled(body_for(body, f"{caller}-{n}"), world) if body is not None else None
        # stream: the status is all a row needs (the live stream would not end)
        response = api.request(route.method, path, token=tokens[caller], json=payload, stream=True)
        statuses.append(response.status_code)
        response.close()
    return path, tuple(statuses)


def test_every_route_answers_every_caller_as_the_matrix_says(platform):
    api = platform(WEBHOOK_ALLOW_PRIVATE_URLS="true")
    tokens, world = build_world(api)
    record = os.environ.get("PLENARY_MATRIX_RECORD")  # print the rows the routes answer
    matrix = dict(MATRIX)
    if record:
        for r in ROUTES:
            matrix.setdefault(label(r), ({}, {} if r.body else None, ()))
    routes = [r for r in ROUTES if label(r) in matrix]
    ordinary = [r for r in routes if FRESH not in matrix[label(r)]]
    fresh = [r for r in routes if FRESH in matrix[label(r)]]
    wrong = []
    for route in ordinary + fresh:
        row = matrix[label(route)]
        if FRESH in row:
            own_tokens, own = callers(api, uuid.uuid4().hex[:8])
            tokens, world = own_tokens, {**world, **own}
        path, statuses = observe(api, route, row, tokens, world)
        if record:
            print(f'ROW "{label(route)}": {statuses} {row[2] == statuses}')
        elif row[2] and statuses != row[2]:  # () : not recorded yet (PLENARY_MATRIX_RECORD=1)
            wrong.append(f"{label(route)}: {statuses} (expected {row[2]}) at {path}")
    assert wrong == [], "\n".join(wrong)
