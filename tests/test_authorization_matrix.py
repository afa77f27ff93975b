"""Who may call what (issue 13, item 10): every route of the gateway × every kind of
caller -> the status it answers, as a table.

Callers: anonymous, attendee A (who owns the attendee objects in the paths), attendee B
(someone else: the cross-object variant), exhibitor X (owns the exhibitor objects in the
paths), exhibitor Y (another exhibitor: cross-object), the organizer. The rows come from
``gateway.http.ROUTES``: a route without a row fails the test, so a new route cannot be
forgotten; a row without a route fails too, and so does a row without its statuses.

The world holds every object a path names (A's connection requests, conversation,
meetings, the networking session's tables, A's speed round, ...), so each call reaches
the authorization decision instead of a 404. The callers of a row act in ``ACTING``
order: B and Y try A's and X's objects first, while they are intact, and then the owner
acts, so an owner's success also shows the others changed nothing it needed.

Rows marked ``FRESH`` revoke or replace the caller's own credentials; they run last,
each with callers of their own. ``PLENARY_MATRIX_RECORD=1`` prints the rows the routes
answer (a tool to write a new row with; the statuses still come from the product rules).
"""

import os
import uuid
from datetime import UTC, datetime, timedelta

from gateway import service  # noqa: F401  (imports every route module)
from gateway.http import ROUTES
from plumbing.testing import wait_until
from tests.conftest import ORGANIZER_TOKEN

CALLERS = ("anonymous", "attendee_a", "attendee_b", "exhibitor_x", "exhibitor_y", "organizer")
ACTING = ("anonymous", "attendee_b", "exhibitor_y", "attendee_a", "exhibitor_x", "organizer")
FRESH = "fresh"  # the row spends the callers' credentials: callers of its own
SEAT_A = "seat_a"  # before the row, A sits at the table (B does not)
NOW = datetime.now(UTC)
STARTS = NOW + timedelta(days=30)


def slot(hours):
    """Half an hour, a day after the main session (in nobody's agenda)."""
    start = STARTS + timedelta(days=1, hours=hours)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(minutes=30)).isoformat()}


SLOT = slot(0)


def session_body(title, kind="panel", starts=STARTS, hours=1, speakers=()):
    return {
        "title": title,
        "abstract": "",
        "track": "reinspire",
        "kind": kind,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=hours)).isoformat(),
        "speakers": list(speakers),
        "capacity": 100,
    }


# route -> (path values beyond the world's, body, statuses in CALLERS order[, flags])
# A path value names the object the row is about; "{...}" are looked up in the world.
# fmt: off
#                  anon  A    B    X    Y    org
ANY =             (200, 200, 200, 200, 200, 200)
ATTENDEE =        (401, 200, 200, 401, 401, 401)  # any attendee, each on their own data
ATTENDEE_MADE =   (401, 201, 201, 401, 401, 401)
ATTENDEE_GONE =   (401, 204, 204, 401, 401, 401)  # idempotent: B's own (no) such thing
A_ONLY =          (401, 200, 404, 401, 401, 401)  # A's object: B is told it is not there
A_ONLY_MADE =     (401, 201, 404, 401, 401, 401)
EXHIBITOR_X =     (401, 401, 401, 200, 403, 401)  # X only; Y is refused X's objects
EXHIBITOR_X_MADE = (401, 401, 401, 201, 403, 401)
EXHIBITOR_X_GONE = (401, 401, 401, 204, 403, 401)
EXHIBITOR_X_SENT = (401, 401, 401, 202, 403, 401)
ORGANIZER =       (401, 403, 403, 403, 403, 200)
ORGANIZER_MADE =  (401, 403, 403, 403, 403, 201)
ORGANIZER_GONE =  (401, 403, 403, 403, 403, 204)
MODERATOR =       (401, 200, 403, 401, 401, 200)  # A speaks at the session; B does not
READER =          (401, 200, 200, 401, 401, 200)  # attendees and the organizer
MATRIX = {
    # -- attendees: their own data; an exhibitor key or the organizer token is no attendee
    "POST /v1/registrations": ({}, "registration", (202,) * 6),
    "GET /v1/me": ({}, None, ATTENDEE),
    "PATCH /v1/me": ({}, {"organization": "Elsewhere"}, ATTENDEE),
    "DELETE /v1/me": ({}, None, ATTENDEE_GONE, FRESH),
    "GET /v1/me/export": ({}, None, ATTENDEE),
    "POST /v1/me/cancellation": ({}, None, ATTENDEE, FRESH),
    "POST /v1/auth/login-link": ({}, {"email": "a@example.org"}, (202,) * 6),
    "POST /v1/auth/token": ({}, {"email": "a@example.org", "code": "00000000"}, (401,) * 6),
    "POST /v1/auth/logout": ({}, None, ATTENDEE_GONE, FRESH),
    # -- the event: anyone reads it, the organizer writes it
    "GET /v1/event": ({}, None, ANY),
    "PUT /v1/event": ({}, {"name": "Annual Meeting", "time_zone": "America/Chicago"}, ORGANIZER),
    # -- expo: the hall is public; X's booth, leads, meetings and webhooks are X's
    "GET /v1/exhibitors": ({}, None, ANY),
    "GET /v1/exhibitors/<exhibitor_id>": ({}, None, ANY),
    "POST /v1/exhibitors": ({}, "exhibitor", ORGANIZER_MADE),
    "PATCH /v1/exhibitors/<exhibitor_id>": ({}, {"description": "Ours"}, EXHIBITOR_X),
    "POST /v1/exhibitors/<exhibitor_id>/api-key": ({}, None, (401, 401, 401, 200, 403, 200),
                                                   FRESH),
    "POST /v1/exhibitors/<exhibitor_id>/products": ({}, "product", EXHIBITOR_X_MADE),
    "PATCH /v1/exhibitors/<exhibitor_id>/products/<product_id>": ({}, {"name": "Renamed"},
                                                                  EXHIBITOR_X),
    "DELETE /v1/exhibitors/<exhibitor_id>/products/<product_id>": (
        {"product_id": "{spare_product_id}"}, None, EXHIBITOR_X_GONE),
    "POST /v1/exhibitors/<exhibitor_id>/interactions": ({}, {"kind": "visit"}, ATTENDEE_MADE),
    "GET /v1/exhibitors/<exhibitor_id>/leads": ({}, None, EXHIBITOR_X),
    "GET /v1/exhibitors/<exhibitor_id>/analytics": ({}, None, EXHIBITOR_X),
    "GET /v1/exhibitors/<exhibitor_id>/meetings": ({}, None, EXHIBITOR_X),
    "POST /v1/exhibitors/<exhibitor_id>/meetings/<meeting_id>/answer": (
        {"meeting_id": "{expo_meeting_id}"}, "meeting_answer", EXHIBITOR_X),
    "POST /v1/exhibitors/<exhibitor_id>/webhooks": ({}, "webhook", EXHIBITOR_X_MADE),
    "GET /v1/exhibitors/<exhibitor_id>/webhooks": ({}, None, EXHIBITOR_X),
    "DELETE /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>": (
        {"webhook_id": "{spare_webhook_id}"}, None, EXHIBITOR_X_GONE),
    "POST /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/secret": ({}, None, EXHIBITOR_X),
    "POST /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/ping": ({}, None,
                                                                      EXHIBITOR_X_SENT),
    "GET /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/deliveries": ({}, None, EXHIBITOR_X),
    "POST /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/deliveries/<delivery_id>/retry": (
        {}, None, EXHIBITOR_X_SENT),
    # -- networking: listing, settings and moderation are the organizer's; C is A's
    # connection (conversation, meetings); D and E asked A to connect, A asked F, A is
    # connected to G too, A's speed-round partner is J, S is a listed stranger
    "GET /v1/networking/interests": ({}, None, ANY),
    "PUT /v1/networking/interests": ({}, {"interests": [{"id": "museums", "label": "Museums"}]},
                                     ORGANIZER),
    "GET /v1/networking/settings": ({}, None, ANY),
    "PATCH /v1/networking/settings": ({}, {"open_messaging": False}, ORGANIZER),
    "GET /v1/me/profile": ({}, None, ATTENDEE),
    "PUT /v1/me/profile": ({}, {"listed": True}, ATTENDEE),
    "GET /v1/directory": ({}, None, ATTENDEE),
    "GET /v1/directory/<attendee_id>": ({"attendee_id": "{c_id}"}, None, ATTENDEE),  # listed
    "POST /v1/me/connections": ({}, {"attendee_id": "{s_id}"}, ATTENDEE_MADE),
    "GET /v1/me/connections": ({}, None, ATTENDEE),
    "DELETE /v1/me/connections/<attendee_id>": ({"attendee_id": "{g_id}"}, None, ATTENDEE_GONE),
    "GET /v1/me/connection-requests": ({}, None, ATTENDEE),
    "POST /v1/me/connection-requests/<request_id>/accept": (
        {"request_id": "{d_request_id}"}, None, A_ONLY),  # D asked A
    "POST /v1/me/connection-requests/<request_id>/decline": (
        {"request_id": "{e_request_id}"}, None, A_ONLY),  # E asked A
    "DELETE /v1/me/connection-requests/<request_id>": (  # A asked F; B's is a no-op
        {"request_id": "{f_request_id}"}, None, ATTENDEE_GONE),
    "POST /v1/me/messages": ({}, {"to": "{c_id}", "body": "Hello again"},
                             (401, 201, 403, 401, 401, 401)),  # B is not C's connection
    "GET /v1/me/conversations": ({}, None, ATTENDEE),
    "GET /v1/me/conversations/<conversation_id>/messages": ({}, None, A_ONLY),
    "POST /v1/me/conversations/<conversation_id>/messages": ({}, {"body": "Again"}, A_ONLY_MADE),
    "POST /v1/me/conversations/<conversation_id>/read": ({}, None, A_ONLY),
    "GET /v1/me/blocks": ({}, None, ATTENDEE),
    "PUT /v1/me/blocks/<attendee_id>": ({"attendee_id": "{h_id}"}, None, ATTENDEE),
    "DELETE /v1/me/blocks/<attendee_id>": ({"attendee_id": "{h_id}"}, None, ATTENDEE_GONE),
    "POST /v1/reports": ({}, {"message_id": "{c_dm_id}", "reason": "spam"},  # C wrote to A
                         A_ONLY_MADE),
    "GET /v1/networking/reports": ({}, None, ORGANIZER),
    "POST /v1/networking/reports/<report_id>/resolve": ({}, {"status": "dismissed"}, ORGANIZER),
    "POST /v1/networking/messages/<message_id>/hide": ({"message_id": "{dm_id}"}, None,
                                                       ORGANIZER),
    "POST /v1/networking/messages/<message_id>/unhide": ({"message_id": "{dm_id}"}, None,
                                                         ORGANIZER),
    "GET /v1/networking/silences": ({}, None, ORGANIZER),
    "PUT /v1/networking/silences/<attendee_id>": ({"attendee_id": "{i_id}"}, {}, ORGANIZER),
    "DELETE /v1/networking/silences/<attendee_id>": ({"attendee_id": "{i_id}"}, None,
                                                     ORGANIZER_GONE),
    "POST /v1/me/meetings": ({}, {"with": "{c_id}", "slots": [SLOT]}, ATTENDEE_MADE),
    "GET /v1/me/meetings": ({}, None, ATTENDEE),
    "POST /v1/me/meetings/<meeting_id>/accept": (  # C invited A
        {"meeting_id": "{accept_meeting_id}"}, {"slot": 0}, A_ONLY),
    "POST /v1/me/meetings/<meeting_id>/decline": (  # C invited A
        {"meeting_id": "{decline_meeting_id}"}, None, A_ONLY),
    "POST /v1/me/meetings/<meeting_id>/cancel": (  # A invited C
        {"meeting_id": "{cancel_meeting_id}"}, None, A_ONLY),
    "GET /v1/sessions/<session_id>/tables": ({"session_id": "{hall_id}"}, None, ATTENDEE),
    "POST /v1/sessions/<session_id>/tables": (
        {"session_id": "{hall_id}"}, {"topic": "Another", "capacity": 6}, ORGANIZER_MADE),
    "PATCH /v1/tables/<table_id>": ({}, {"capacity": 8}, ORGANIZER),
    "DELETE /v1/tables/<table_id>": ({"table_id": "{spare_table_id}"}, None, ORGANIZER_GONE),
    "POST /v1/tables/<table_id>/join": ({}, None, ATTENDEE),
    "POST /v1/tables/<table_id>/leave": ({}, None, ATTENDEE_GONE),
    "GET /v1/tables/<table_id>/participants": ({}, None, ATTENDEE),
    "GET /v1/tables/<table_id>/messages": ({}, None, ATTENDEE),  # the table is an open room
    "POST /v1/tables/<table_id>/messages": ({}, {"body": "Hello table"},
                                            (401, 201, 409, 401, 401, 401), SEAT_A),
    "POST /v1/sessions/<session_id>/speed-networking/queue": (
        {"session_id": "{hall_id}"}, None, (401, 202, 202, 401, 401, 401)),
    "DELETE /v1/sessions/<session_id>/speed-networking/queue": (
        {"session_id": "{hall_id}"}, None, ATTENDEE_GONE),
    "GET /v1/sessions/<session_id>/speed-networking/me": ({"session_id": "{hall_id}"}, None,
                                                          ATTENDEE),
    "POST /v1/speed-rounds/<round_id>/connect": ({}, None, A_ONLY),  # A met J
    "GET /v1/faq": ({}, None, ANY),
    "GET /v1/networking/faq": ({}, None, ORGANIZER),
    "POST /v1/faq": ({}, {"question": "Where?", "answer": "Here."}, ORGANIZER_MADE),
    "PATCH /v1/faq/<entry_id>": ({}, {"answer": "There."}, ORGANIZER),
    "DELETE /v1/faq/<entry_id>": ({"entry_id": "{spare_entry_id}"}, None, ORGANIZER_GONE),
    # -- notifications: A's feed and stream; X's webhooks are above
    "GET /v1/me/notifications": ({}, None, ATTENDEE),
    "POST /v1/me/notifications/<notification_id>/read": ({}, None, A_ONLY),
    "POST /v1/me/notifications/read": ({}, None, ATTENDEE),
    "GET /v1/me/notifications/preferences": ({}, None, ATTENDEE),
    "PUT /v1/me/notifications/preferences": ({}, {}, ATTENDEE),
    "POST /v1/me/notifications/stream-ticket": ({}, None, ATTENDEE_MADE),
    "GET /v1/me/notifications/stream": ({}, None, ATTENDEE),
    "POST /v1/announcements": ({}, {"title": "Doors open", "body": "Now."}, ORGANIZER_MADE),
    # -- ops and the document: public
    "GET /healthz": ({}, None, ANY),
    "GET /readyz": ({}, None, ANY),
    "GET /metrics": ({}, None, ANY),
    "GET /v1/openapi.json": ({}, None, ANY),
    # -- organizer
    "GET /v1/attendees": ({}, None, ORGANIZER),
    "POST /v1/registrations/<attendee_id>/cancellation": (
        {"attendee_id": "{spare_attendee_id}"}, None, ORGANIZER),
    "DELETE /v1/attendees/<attendee_id>": ({"attendee_id": "{erased_attendee_id}"}, None,
                                           ORGANIZER_GONE),
    "GET /v1/ticket-types": ({}, None, ORGANIZER),
    "PUT /v1/ticket-types/<ticket_type>": ({"ticket_type": "student"}, {"capacity": 50},
                                           ORGANIZER),
    "GET /v1/stats": ({}, None, ORGANIZER),
    "POST /v1/ticket-types/<ticket_type>/codes": ({"ticket_type": "speaker"}, {},
                                                  ORGANIZER_MADE),
    # -- program: public reads, organizer writes, A's agenda and chat (A speaks at Main)
    "GET /v1/tracks": ({}, None, ANY),
    "POST /v1/tracks": ({}, "track", ORGANIZER_MADE),
    "GET /v1/sessions": ({}, None, ANY),
    "GET /v1/sessions.ics": ({}, None, ANY),
    "GET /v1/sessions/<session_id>": ({}, None, ANY),
    "POST /v1/sessions": ({}, "session", ORGANIZER_MADE),
    "PATCH /v1/sessions/<session_id>": ({}, {"capacity": 120}, ORGANIZER),
    "DELETE /v1/sessions/<session_id>": ({"session_id": "{spare_session_id}"}, None, ORGANIZER),
    "GET /v1/me/agenda": ({}, None, ATTENDEE),
    "GET /v1/me/agenda.ics": ({}, None, ATTENDEE),
    "PUT /v1/me/agenda/<session_id>": ({}, None, ATTENDEE),
    "DELETE /v1/me/agenda/<session_id>": ({"session_id": "{spare_session_id}"}, None,
                                          ATTENDEE_GONE),
    "POST /v1/sessions/<session_id>/join": ({"session_id": "{hall_id}"}, None, ATTENDEE),
    "POST /v1/sessions/<session_id>/leave": ({"session_id": "{hall_id}"}, None, ATTENDEE_GONE),
    "GET /v1/sessions/<session_id>/attendance": ({"session_id": "{hall_id}"}, None, ORGANIZER),
    "GET /v1/sessions/<session_id>/messages": ({}, None, READER),
    "POST /v1/sessions/<session_id>/messages": ({}, {"kind": "question", "body": "Why?"},
                                                ATTENDEE_MADE),
    "PATCH /v1/sessions/<session_id>/messages/<message_id>": ({}, {"answered": True},
                                                              MODERATOR),
    "POST /v1/sessions/<session_id>/messages/<message_id>/upvote": ({}, None, ATTENDEE),
}
# Y naming itself in the path and X's object after it: the gateway lets Y's key through,
# so the service must find no such object of Y's (404), never act on X's.
Y_ON_X = {
    "PATCH /v1/exhibitors/<exhibitor_id>/products/<product_id>": {"name": "Mine now"},
    "DELETE /v1/exhibitors/<exhibitor_id>/products/<product_id>": None,
    "POST /v1/exhibitors/<exhibitor_id>/meetings/<meeting_id>/answer": "meeting_answer",
    "DELETE /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>": None,
    "POST /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/secret": None,
    "POST /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/ping": None,
    "GET /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/deliveries": None,
    "POST /v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/deliveries/<delivery_id>/retry": None,
}
# fmt: on


def label(route):
    return f"{route.method} {route.path}"


def test_every_route_has_a_row_and_every_row_a_route():
    routes = {label(route) for route in ROUTES}
    assert sorted(routes - set(MATRIX)) == [], "routes without a row in MATRIX"
    assert sorted(set(MATRIX) - routes) == [], "rows for routes that do not exist"


def test_every_y_on_x_row_is_a_route():
    assert set(Y_ON_X) <= {label(route) for route in ROUTES}


def test_every_row_has_a_status_for_every_caller():
    incomplete = [name for name, row in MATRIX.items() if len(row[2]) != len(CALLERS)]
    assert incomplete == [], "rows without their expected statuses"
    flags = {flag for row in MATRIX.values() for flag in row[3:]}
    assert flags <= {FRESH, SEAT_A}, "unknown row flags"


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
    return tokens, {"attendee_id": a["attendee_id"], "exhibitor_id": x["id"], "y_id": y["id"]}


def listed_person(api, letter):
    """Someone in the directory: (attendee id, token)."""
    person = register(api, f"{letter}@example.org", f"{letter.upper()} Person")
    ok(api.put("/v1/me/profile", token=person["access_token"], json={"listed": True}))
    return person["attendee_id"], person["access_token"]


def build_world(api):
    """The objects in the paths: A's and X's, and a spare of each that a row deletes."""
    tokens, world = callers(api, "main")
    a, b, x = tokens["attendee_a"], tokens["attendee_b"], tokens["exhibitor_x"]
    org = ORGANIZER_TOKEN
    # -- the program: A speaks at Main (so moderates its chat); the hall is a networking
    # session whose doors are open now
    speaker = {"name": "Ada Attendee", "email": "a-main@example.org"}
    main = ok(api.post("/v1/sessions", token=org, json=session_body("Main", speakers=[speaker])))
    world["session_id"] = main["id"]
    world["spare_session_id"] = ok(api.post("/v1/sessions", token=org, json=session_body("Spare")))[
        "id"
    ]
    hall = session_body("Hall", kind="networking", starts=NOW + timedelta(minutes=10), hours=3)
    world["hall_id"] = ok(api.post("/v1/sessions", token=org, json=hall))["id"]
    ok(api.put(f"/v1/me/agenda/{world['session_id']}", token=a))
    session = f"/v1/sessions/{world['session_id']}"
    world["message_id"] = ok(
        api.post(f"{session}/messages", token=a, json={"kind": "question", "body": "How?"})
    )["id"]
    # -- the expo: X's products, A's meeting request, X's webhooks and a ping's delivery
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
    # -- registration: people the organizer cancels and erases
    for name in ("spare_attendee_id", "erased_attendee_id"):
        world[name] = register(api, f"{name}@example.org", "Spare Person")["attendee_id"]
    # -- networking: A and B are listed; the people around A (see MATRIX)
    for token in (a, b):
        ok(api.put("/v1/me/profile", token=token, json={"listed": True}))
    me = world["attendee_id"]
    world["c_id"], c = listed_person(api, "c")
    ok(api.post("/v1/me/connections", token=a, json={"attendee_id": world["c_id"]}))
    connected = ok(api.post("/v1/me/connections", token=c, json={"attendee_id": me}))
    assert connected["status"] == "connected", connected
    dm = ok(api.post("/v1/me/messages", token=a, json={"to": world["c_id"], "body": "Hello"}))
    world["dm_id"], world["conversation_id"] = dm["id"], dm["conversation_id"]
    world["c_dm_id"] = ok(
        api.post("/v1/me/messages", token=c, json={"to": me, "body": "Hello back"})
    )["id"]
    for letter in ("d", "e"):
        world[f"{letter}_id"], token = listed_person(api, letter)
        asked = ok(api.post("/v1/me/connections", token=token, json={"attendee_id": me}))
        world[f"{letter}_request_id"] = asked["request"]["id"]
    world["f_id"], _ = listed_person(api, "f")
    asked = ok(api.post("/v1/me/connections", token=a, json={"attendee_id": world["f_id"]}))
    world["f_request_id"] = asked["request"]["id"]
    world["g_id"], g = listed_person(api, "g")
    ok(api.post("/v1/me/connections", token=g, json={"attendee_id": me}))
    accepted = ok(api.post("/v1/me/connections", token=a, json={"attendee_id": world["g_id"]}))
    assert accepted["status"] == "connected", accepted
    world["s_id"], _ = listed_person(api, "s")
    for name in ("h_id", "i_id"):  # blocked by A, silenced by the organizer
        world[name] = register(api, f"{name}@example.org", "Some One")["attendee_id"]
    report = {"attendee_id": world["c_id"], "reason": "spam"}
    world["report_id"] = ok(api.post("/v1/reports", token=a, json=report))["id"]
    for name, hours in (("accept_meeting_id", 1), ("decline_meeting_id", 2)):
        proposal = {"with": me, "slots": [slot(hours)]}
        world[name] = ok(api.post("/v1/me/meetings", token=c, json=proposal))["id"]
    proposal = {"with": world["c_id"], "slots": [slot(3)]}
    world["cancel_meeting_id"] = ok(api.post("/v1/me/meetings", token=a, json=proposal))["id"]
    hall_path = f"/v1/sessions/{world['hall_id']}"
    for name in ("table_id", "spare_table_id"):
        table = {"topic": name, "capacity": 6}
        world[name] = ok(api.post(f"{hall_path}/tables", token=org, json=table))["id"]
    # -- speed networking: A and J queue and are paired (A's round)
    world["j_id"], j = listed_person(api, "j")
    for token in (a, j):
        ok(api.post(f"{hall_path}/speed-networking/queue", token=token))

    def paired():  # the second join pairs them; the status tells A its round
        status = ok(api.get(f"{hall_path}/speed-networking/me", token=a))
        return status if status["round"] else None

    status = wait_until(paired, what="A's speed round")
    assert status["round"]["partner"]["attendee_id"] == world["j_id"], status
    world["round_id"] = status["round"]["id"]
    # -- the FAQ, and a notification of A's
    for name in ("entry_id", "spare_entry_id"):
        entry = {"question": name, "answer": "Yes."}
        world[name] = ok(api.post("/v1/faq", token=org, json=entry))["id"]
    feed = wait_until(lambda: api.get("/v1/me/notifications", token=a).json()["items"])
    world["notification_id"] = feed[0]["id"]
    return tokens, world


def prepare(api, flags, tokens, world):
    if SEAT_A in flags:
        ok(api.post(f"/v1/tables/{world['table_id']}/join", token=tokens["attendee_a"]))


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
    }
    return bodies[kind] if isinstance(kind, str) else kind


def filled(body, world):
    if isinstance(body, dict):
        return {key: filled(value, world) for key, value in body.items()}
    if isinstance(body, list):
        return [filled(value, world) for value in body]
    if isinstance(body, str) and body.startswith("{"):
        return world[body.strip("{}")]
    return body


def observe(api, route, row, tokens, world):
    """The statuses the callers get, in CALLERS order (they act in ACTING order)."""
    values, body = row[0], row[1]
    path = concrete(route.path, values, world)
    statuses = {}
    for n, caller in enumerate(ACTING):
        payload = filled(body_for(body, f"{caller}-{n}"), world) if body is not None else None
        # stream: the status is all a row needs (the live stream would not end)
        response = api.request(route.method, path, token=tokens[caller], json=payload, stream=True)
        statuses[caller] = response.status_code
        response.close()
    return path, tuple(statuses[caller] for caller in CALLERS)


def test_every_route_answers_every_caller_as_the_matrix_says(platform):
    api = platform(WEBHOOK_ALLOW_PRIVATE_URLS="true", SPEED_ROUND_SECONDS=3600)
    tokens, world = build_world(api)
    record = os.environ.get("PLENARY_MATRIX_RECORD")  # print the rows the routes answer
    matrix = dict(MATRIX)
    if record:
        for r in ROUTES:
            matrix.setdefault(label(r), ({}, {} if r.body else None, ()))
    routes = [r for r in ROUTES if label(r) in matrix]
    ordinary = [r for r in routes if FRESH not in matrix[label(r)][3:]]
    fresh = [r for r in routes if FRESH in matrix[label(r)][3:]]
    wrong = []
    for name, body in Y_ON_X.items():  # first, while X's objects are all there
        method, path = name.split(" ", 1)
        values = {"exhibitor_id": "{y_id}", "meeting_id": "{expo_meeting_id}"}
        path = concrete(path, values, world)
        payload = filled(body_for(body, "y"), world) if body is not None else None
        status = api.request(method, path, token=tokens["exhibitor_y"], json=payload).status_code
        if record:
            print(f'Y_ON_X "{name}": {status}')
        elif status != 404:
            wrong.append(f"{name}: Y got {status} for X's object (expected 404) at {path}")
    for route in ordinary + fresh:
        row = matrix[label(route)]
        flags = row[3:]
        if FRESH in flags:
            own_tokens, own = callers(api, uuid.uuid4().hex[:8])
            tokens, world = own_tokens, {**world, **own}
        prepare(api, flags, tokens, world)
        path, statuses = observe(api, route, row, tokens, world)
        if record:
            print(f'ROW "{label(route)}": {statuses} {row[2] == statuses}')
        elif statuses != row[2]:
            wrong.append(f"{label(route)}: {statuses} (expected {row[2]}) at {path}")
    assert wrong == [], "\n".join(wrong)
