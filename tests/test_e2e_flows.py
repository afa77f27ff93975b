"""The three walking-skeleton flows, end to end through the gateway, across RabbitMQ,
on the real broker and databases."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import eventlet
from standardwebhooks.webhooks import Webhook

from plumbing.testing import wait_until
from tests.conftest import ORGANIZER_TOKEN


def register(api, email, consent=True, name="Grace Registrar"):
    return api.sign_up(
        {
            "email": email,
            "full_name": name,
            "organization": "Museum of Flight",
            "consent": {"share_with_exhibitors": consent},
        }
    )


def feed(api, token):
    response = api.get("/v1/me/notifications", token=token)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_registration_sends_a_confirmation_email_and_a_feed_item(platform, smtp_sink):
    api = platform("registration", "notifications")
    attendee = register(api, "grace@example.org")

    items = wait_until(lambda: feed(api, attendee["access_token"]))
    assert [item["kind"] for item in items] == ["registration_confirmed"]
    assert items[0]["read"] is False

    mail = wait_until(smtp_sink.messages)
    assert len(mail) == 1
    assert mail[0]["To"] == "grace@example.org"
    assert "Grace Registrar" in mail[0].as_string()


def test_session_reminder_reaches_every_agenda_holder(platform):
    api = platform(SESSION_REMINDER_LEAD_SECONDS=3)
    # the reminder is due 5 s from now: time for the holder to register and pick it even
    # on a loaded machine (a session already past its reminder gets none, by design)
    starts_at = datetime.now(UTC) + timedelta(seconds=8)
    created = api.post(
        "/v1/sessions",
        token=ORGANIZER_TOKEN,
        json={
            "title": "Reinspire: opening keynote",
            "abstract": "Why museums matter now.",
            "track": "reinspire",
            "kind": "keynote",
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=1)).isoformat(),
            "speakers": [{"name": "Lonnie Bunch", "organization": "Smithsonian", "bio": ""}],
            "capacity": 500,
        },
    )
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    assert api.get(f"/v1/sessions/{session_id}").json()["status"] == "scheduled"
    listed = api.get("/v1/sessions", params={"track": "reinspire"}).json()["items"]
    assert [s["id"] for s in listed] == [session_id]

    holder = register(api, "holder@example.org")
    bystander = register(api, "bystander@example.org", name="Bea Stander")
    assert api.put(f"/v1/me/agenda/{session_id}", token=holder["access_token"]).status_code == 200
    assert [s["id"] for s in api.get("/v1/me/agenda", token=holder["access_token"]).json()] == [
        session_id
    ]

    reminders = wait_until(
        lambda: [i for i in feed(api, holder["access_token"]) if i["kind"] == "session_starting"],
        timeout=20,
    )
    assert len(reminders) == 1
    assert reminders[0]["data"]["session_id"] == session_id
    assert api.get(f"/v1/sessions/{session_id}").json()["status"] in ("starting", "live")
    eventlet.sleep(0.5)
    assert [i["kind"] for i in feed(api, bystander["access_token"])] == ["registration_confirmed"]


def create_exhibitor(api, name):
    response = api.post(
        "/v1/exhibitors",
        token=ORGANIZER_TOKEN,
        json={
            "name": name,
            "description": "Collections software",
            "tier": "gold",
            "website": "https://example.com",
            "products": [{"name": "Catalog", "description": ""}],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_consented_visit_becomes_a_signed_lead_webhook(platform, webhook_receiver):
    api = platform()
    receiver = webhook_receiver()
    exhibitor = create_exhibitor(api, "Collective Access")
    other = create_exhibitor(api, "Rival Systems")
    exhibitor_id, key = exhibitor["id"], exhibitor["api_key"]
    hook = api.post(
        f"/v1/exhibitors/{exhibitor_id}/webhooks",
        token=key,
        json={"url": receiver.url, "events": ["lead.captured"]},
    )
    assert hook.status_code == 201, hook.text
    secret = hook.json()["secret"]
    assert secret.startswith("whsec_")

    visitor = register(api, "visitor@example.org", name="Vera Visitor")
    shy = register(api, "shy@example.org", consent=False, name="Sam Shy")
    visit = api.post(
        f"/v1/exhibitors/{exhibitor_id}/interactions",
        token=visitor["access_token"],
        json={"kind": "visit"},
    )
    assert visit.status_code == 201, visit.text
    assert visit.json()["lead_id"]
    anonymous = api.post(
        f"/v1/exhibitors/{exhibitor_id}/interactions",
        token=shy["access_token"],
        json={"kind": "visit"},
    )
    assert anonymous.status_code == 201 and anonymous.json()["lead_id"] is None

    delivered = wait_until(lambda: receiver.requests)
    body = delivered[0]["body"]
    Webhook(secret).verify(body, delivered[0]["headers"])  # raises if the signature is wrong
    event = json.loads(body)
    assert event["type"] == "lead.captured"
    assert event["data"]["attendee"]["email"] == "visitor@example.org"

    leads = api.get(f"/v1/exhibitors/{exhibitor_id}/leads", token=key).json()["items"]
    assert [lead["attendee"]["email"] for lead in leads] == ["visitor@example.org"]
    as_csv = api.get(
        f"/v1/exhibitors/{exhibitor_id}/leads", token=key, headers={"Accept": "text/csv"}
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["email"] for row in rows] == ["visitor@example.org"]

    assert (
        api.get(f"/v1/exhibitors/{exhibitor_id}/leads", token=other["api_key"]).status_code == 403
    )
    eventlet.sleep(0.5)
    assert len(receiver.requests) == 1  # the anonymous visit sent nothing
    assert b"shy@example.org" not in b"".join(r["body"] for r in receiver.requests)
