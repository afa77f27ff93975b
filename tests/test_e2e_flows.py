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

    # the welcome, and the code that confirmed the address (the test signed in with it)
    mail = wait_until(lambda: len(smtp_sink.messages()) == 2 and smtp_sink.messages())
    assert {m["To"] for m in mail} == {"grace@example.org"}
    assert {m["Subject"] for m in mail} == {
        "Your Plenary registration is confirmed",
        "Confirm your Plenary registration",
    }
    assert all("Grace Registrar" in m.as_string() for m in mail)


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


def hook(api, exhibitor, receiver, events):
    response = api.post(
        f"/v1/exhibitors/{exhibitor['id']}/webhooks",
        token=exhibitor["api_key"],
        json={"url": receiver.url, "events": events},
    )
    assert response.status_code == 201, response.text
    return response.json()


def deliveries(api, exhibitor, webhook):
    path = f"/v1/exhibitors/{exhibitor['id']}/webhooks/{webhook['id']}/deliveries"
    response = api.get(path, token=exhibitor["api_key"])
    assert response.status_code == 200, response.text
    return response.json()["items"]


def notices(receiver, webhook_type):
    return [r for r in receiver.requests if json.loads(r["body"])["type"] == webhook_type]


def test_withdrawal_and_erasure_take_deliveries_back_and_tell_the_exhibitor(
    platform, webhook_receiver
):
    """GDPR Art. 17 and 19: deliveries naming a person who withdrew consent or was
    erased are deleted (no replay, nothing in the log) and each endpoint sent one of
    their leads is told, signed, with only the lead's and the exhibitor's ids."""
    api = platform()
    ours, theirs = create_exhibitor(api, "Collective Access"), create_exhibitor(api, "Rival")
    leads_in, meetings_in, rival_in = webhook_receiver(), webhook_receiver(), webhook_receiver()
    leads_hook = hook(api, ours, leads_in, ["lead.captured", "lead.updated"])
    meetings_hook = hook(api, ours, meetings_in, ["meeting.answered"])
    hook(api, theirs, rival_in, ["lead.captured"])
    vera = register(api, "vera@example.org", name="Vera Visitor")
    otto = register(api, "otto@example.org", name="Otto Other")
    for person in (vera, otto):
        interact = f"/v1/exhibitors/{ours['id']}/interactions"
        visit = api.post(interact, token=person["access_token"], json={"kind": "visit"})
        assert visit.status_code == 201, visit.text
        person["lead_id"] = visit.json()["lead_id"]
    wait_until(lambda: len(leads_in.requests) == 2, what="two lead.captured deliveries")
    sent = {json.loads(r["body"])["data"]["attendee"]["email"]: r for r in leads_in.requests}
    vera_delivery_id = sent["vera@example.org"]["headers"]["webhook-id"]
    otto_delivery_id = sent["otto@example.org"]["headers"]["webhook-id"]

    # Vera withdraws her consent to share with exhibitors
    withdrawn = api.request(
        "PATCH",
        "/v1/me",
        token=vera["access_token"],
        json={"consent": {"share_with_exhibitors": False}},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    [notice] = wait_until(lambda: notices(leads_in, "lead.withdrawn"), what="lead.withdrawn")
    Webhook(leads_hook["secret"]).verify(notice["body"], notice["headers"])
    body = json.loads(notice["body"])
    assert body["data"] == {"lead_id": vera["lead_id"], "exhibitor_id": ours["id"]}
    retry = (
        f"/v1/exhibitors/{ours['id']}/webhooks/{leads_hook['id']}"
        f"/deliveries/{vera_delivery_id}/retry"
    )
    replayed = api.post(retry, token=ours["api_key"])
    assert replayed.status_code == 404, replayed.text
    assert replayed.headers["Content-Type"] == "application/problem+json"
    log = {d["id"]: d for d in deliveries(api, ours, leads_hook)}
    assert vera_delivery_id not in log and otto_delivery_id in log  # Otto's consent stands
    assert vera["attendee_id"] not in json.dumps(log)

    # Otto is erased
    assert api.delete("/v1/me", token=otto["access_token"]).status_code == 204
    [erased] = wait_until(lambda: notices(leads_in, "lead.erased"), what="lead.erased")
    Webhook(leads_hook["secret"]).verify(erased["body"], erased["headers"])
    assert json.loads(erased["body"])["data"] == {
        "lead_id": otto["lead_id"],
        "exhibitor_id": ours["id"],
    }
    log = {d["id"]: d["event_type"] for d in deliveries(api, ours, leads_hook)}
    assert otto_delivery_id not in log
    assert sorted(log.values()) == ["lead.erased", "lead.withdrawn"]
    retry = retry.replace(vera_delivery_id, otto_delivery_id)
    assert api.post(retry, token=ours["api_key"]).status_code == 404
    for request in notices(leads_in, "lead.withdrawn") + notices(leads_in, "lead.erased"):
        for personal in ("vera", "Vera", "otto", "Otto", vera["attendee_id"], otto["attendee_id"]):
            assert personal not in request["body"].decode()

    eventlet.sleep(0.5)  # no notice where no lead of theirs was sent
    assert meetings_in.requests == [] and rival_in.requests == []
    assert deliveries(api, ours, meetings_hook) == []
    assert len(leads_in.requests) == 4  # two leads, two notices: nothing sent again
