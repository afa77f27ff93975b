"""The exhibit hall through the gateway, every service running: browsing and caching,
exhibitors managing their booth, the consent rule from interaction to webhook,
meetings, withdrawal and erasure, and one exhibitor never reaching another's data."""

import csv
import io
import json

import eventlet
import pytest

from gateway.http import ROUTES
from plumbing.testing import wait_until
from tests.conftest import ORGANIZER_TOKEN

GOLD = {
    "name": "Archival Co",
    "description": "Boxes that last",
    "tier": "gold",
    "booth": "G-7",
    "website": "https://archival.example",
    "logo_url": "https://archival.example/logo.png",
    "categories": ["Storage"],
    "staff": [{"name": "Sam Seller", "role": "Sales", "email": "sam@archival.example"}],
    "products": [
        {
            "name": "Acid-free box",
            "category": "Boxes",
            "resource_url": "https://archival.example/box.pdf",
        }
    ],
}
PLATINUM = {"name": "Zenith Lighting", "tier": "platinum", "categories": ["Lighting"]}
STANDARD = {"name": "Beta Mounts", "tier": "standard", "description": "Wall rails"}


def create(api, body):
    response = api.post("/v1/exhibitors", token=ORGANIZER_TOKEN, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def register(api, email, consent, name):
    return api.sign_up(
        {
            "email": email,
            "full_name": name,
            "organization": "City Museum",
            "consent": {"share_with_exhibitors": consent},
        }
    )


def interact(api, exhibitor_id, token, **body):
    response = api.post(f"/v1/exhibitors/{exhibitor_id}/interactions", token=token, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def leads(api, exhibitor, **params):
    response = api.get(
        f"/v1/exhibitors/{exhibitor['id']}/leads", token=exhibitor["api_key"], params=params
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_the_hall_is_browsed_filtered_and_cached(platform):
    api = platform("expo")
    gold, platinum, _ = (create(api, body) for body in (GOLD, PLATINUM, STANDARD))

    hall = api.get("/v1/exhibitors")
    assert hall.status_code == 200
    assert [e["name"] for e in hall.json()["items"]] == [
        "Zenith Lighting",
        "Archival Co",
        "Beta Mounts",
    ]
    assert hall.headers["Cache-Control"] == "public, max-age=30"
    again = api.get("/v1/exhibitors", headers={"If-None-Match": hall.headers["ETag"]})
    assert (again.status_code, again.content) == (304, b"")

    def found(**params):
        return [e["name"] for e in api.get("/v1/exhibitors", params=params).json()["items"]]

    assert found(tier="gold") == ["Archival Co"]
    assert found(category="lighting") == ["Zenith Lighting"]
    assert found(category="boxes") == ["Archival Co"]  # a product's category
    assert found(q="box") == ["Archival Co"]  # a product
    assert found(q="rails") == ["Beta Mounts"]
    assert found(q="zen") == ["Zenith Lighting"]  # part of a name
    page = api.get("/v1/exhibitors", params={"limit": 2}).json()
    rest = api.get("/v1/exhibitors", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [e["name"] for e in page["items"] + rest["items"]] == found()

    one = api.get(f"/v1/exhibitors/{gold['id']}")
    assert one.json() == {k: v for k, v in gold.items() if k != "api_key"}
    assert one.json()["staff"] == GOLD["staff"] and one.json()["booth"] == "G-7"
    etag = one.headers["ETag"]
    assert (
        api.get(f"/v1/exhibitors/{gold['id']}", headers={"If-None-Match": etag}).status_code == 304
    )
    patched = api.request(
        "PATCH", f"/v1/exhibitors/{gold['id']}", token=gold["api_key"], json={"description": "New"}
    )
    assert patched.status_code == 200, patched.text
    fresh = api.get(f"/v1/exhibitors/{gold['id']}", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.json()["description"] == "New"
    assert fresh.headers["ETag"] != etag
    assert api.get("/v1/exhibitors/00000000-0000-0000-0000-000000000000").status_code == 404
    assert platinum["api_key"] not in hall.text


def test_an_exhibitor_manages_its_booth_and_key(platform):
    api = platform("expo")
    gold = create(api, GOLD)
    base, key = f"/v1/exhibitors/{gold['id']}", gold["api_key"]

    added = api.post(f"{base}/products", token=key, json={"name": "Humidity card"})
    assert added.status_code == 201, added.text
    product_id = added.json()["id"]
    changed = api.request(
        "PATCH", f"{base}/products/{product_id}", token=key, json={"category": "Tools"}
    )
    assert changed.status_code == 200 and changed.json()["category"] == "Tools"
    box_id = gold["products"][0]["id"]
    assert api.delete(f"{base}/products/{box_id}", token=key).status_code == 204
    assert [p["name"] for p in api.get(base).json()["products"]] == ["Humidity card"]
    refused = api.request("PATCH", base, token=key, json={"tier": "platinum"})
    assert refused.status_code == 422 and "tier" in refused.json()["errors"]

    rotated = api.post(f"{base}/api-key", token=key)
    assert rotated.status_code == 200, rotated.text
    new_key = rotated.json()["api_key"]
    assert api.post(f"{base}/products", token=key, json={"name": "x"}).status_code == 401
    assert api.get(f"{base}/leads", token=new_key).status_code == 200
    by_organizer = api.post(f"{base}/api-key", token=ORGANIZER_TOKEN)
    assert by_organizer.status_code == 200
    assert api.get(f"{base}/leads", token=new_key).status_code == 401
    assert api.get(f"{base}/leads", token=by_organizer.json()["api_key"]).status_code == 200


def test_exhibitor_a_never_reads_or_changes_bs_data(platform):
    api = platform("expo", "registration")
    mine, theirs = create(api, GOLD), create(api, {**GOLD, "name": "Theirs"})
    visitor = register(api, "vera@example.org", True, "Vera Visitor")
    interact(api, theirs["id"], visitor["access_token"], kind="meeting_request", message="hi")
    before = api.get(f"/v1/exhibitors/{theirs['id']}").json()

    for route in [r for r in ROUTES if r.auth == "exhibitor" and "<exhibitor_id>" in r.path]:
        path = (
            route.path.replace("<exhibitor_id>", theirs["id"])
            .replace("<product_id>", theirs["products"][0]["id"])
            .replace("<meeting_id>", "00000000-0000-0000-0000-000000000000")
            .replace("<webhook_id>", "00000000-0000-0000-0000-000000000000")
            .replace("<delivery_id>", "00000000-0000-0000-0000-000000000000")
        )
        response = api.request(
            route.method, path, token=mine["api_key"], json={"description": "mine now"}
        )
        assert response.status_code == 403, f"{route.method} {path}: {response.status_code}"

    assert api.get(f"/v1/exhibitors/{theirs['id']}").json() == before
    assert len(leads(api, theirs)) == 1
    assert leads(api, mine) == []


def test_consent_rule_from_interaction_to_webhook(platform, webhook_receiver):
    api = platform()
    receiver = webhook_receiver()
    gold = create(api, GOLD)
    hook = api.post(
        f"/v1/exhibitors/{gold['id']}/webhooks",
        token=gold["api_key"],
        json={"url": receiver.url, "events": ["lead.captured", "lead.updated"]},
    )
    assert hook.status_code == 201, hook.text
    vera = register(api, "vera@example.org", True, "Vera Visitor")
    shy = register(api, "shy@example.org", False, "Sam Shy")
    box_id = gold["products"][0]["id"]

    for person in (shy, vera):
        token = person["access_token"]
        interact(api, gold["id"], token, kind="visit")
        interact(api, gold["id"], token, kind="download", product_id=box_id)
        interact(
            api,
            gold["id"],
            token,
            kind="meeting_request",
            message="Tuesday?",
            proposed_times=["2030-05-04T10:00:00Z"],
        )

    wait_until(lambda: len(receiver.requests) == 3, what="vera's three lead webhooks")
    [lead] = leads(api, gold)
    assert lead["attendee"]["email"] == "vera@example.org"
    assert lead["score"] == 1 + 5 + 10
    assert leads(api, gold, min_score=17) == []
    csv_export = api.get(
        f"/v1/exhibitors/{gold['id']}/leads", token=gold["api_key"], headers={"Accept": "text/csv"}
    )
    rows = list(csv.DictReader(io.StringIO(csv_export.text)))
    assert [row["email"] for row in rows] == ["vera@example.org"]
    meetings = api.get(f"/v1/exhibitors/{gold['id']}/meetings", token=gold["api_key"]).json()
    assert [m["attendee"]["email"] for m in meetings["items"]] == ["vera@example.org"]
    totals = api.get(f"/v1/exhibitors/{gold['id']}/analytics", token=gold["api_key"]).json()
    assert totals["totals"] == {"visits": 2, "downloads": 2, "meeting_requests": 2, "leads": 1}
    assert totals["days"][0]["unique_visitors"] == 2

    eventlet.sleep(0.5)
    assert len(receiver.requests) == 3
    seen = (
        " ".join(r["body"].decode() for r in receiver.requests)
        + csv_export.text
        + json.dumps([lead, meetings])
    )
    for secret in ("shy@example.org", "Sam Shy", shy["attendee_id"]):
        assert secret not in seen


def test_meetings_are_answered_and_scoped(platform):
    api = platform("expo", "registration")
    gold, rival = create(api, GOLD), create(api, {**GOLD, "name": "Rival"})
    vera = register(api, "vera@example.org", True, "Vera Visitor")
    asked = interact(
        api,
        gold["id"],
        vera["access_token"],
        kind="meeting_request",
        message="Coffee?",
        proposed_times=["2030-05-04T10:00:00Z", "2030-05-04T15:00:00Z"],
    )
    answer_path = f"/v1/exhibitors/{gold['id']}/meetings/{asked['meeting_id']}/answer"

    wrong_time = api.post(
        answer_path,
        token=gold["api_key"],
        json={"status": "accepted", "accepted_time": "2030-05-04T11:00:00Z"},
    )
    assert wrong_time.status_code == 422 and "accepted_time" in wrong_time.json()["errors"]
    not_theirs = api.post(
        f"/v1/exhibitors/{rival['id']}/meetings/{asked['meeting_id']}/answer",
        token=rival["api_key"],
        json={"status": "declined"},
    )
    assert not_theirs.status_code == 404
    accepted = api.post(
        answer_path,
        token=gold["api_key"],
        json={"status": "accepted", "accepted_time": "2030-05-04T15:00:00Z"},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    again = api.post(answer_path, token=gold["api_key"], json={"status": "declined"})
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"
    listed = api.get(
        f"/v1/exhibitors/{gold['id']}/meetings",
        token=gold["api_key"],
        params={"status": "accepted"},
    ).json()["items"]
    assert [m["id"] for m in listed] == [asked["meeting_id"]]


def test_withdrawal_and_erasure_anonymize_leads(platform):
    api = platform("expo", "registration")
    gold = create(api, GOLD)
    vera = register(api, "vera@example.org", True, "Vera Visitor")
    ada = register(api, "ada@example.org", True, "Ada Curator")
    for person in (vera, ada):
        interact(api, gold["id"], person["access_token"], kind="meeting_request", message="hello")
    assert len(leads(api, gold)) == 2

    withdrawn = api.request(
        "PATCH",
        "/v1/me",
        token=vera["access_token"],
        json={"consent": {"share_with_exhibitors": False}},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    wait_until(
        lambda: [lead["attendee"]["email"] for lead in leads(api, gold)] == ["ada@example.org"],
        what="vera's lead anonymized",
    )
    assert interact(api, gold["id"], vera["access_token"], kind="visit")["lead_id"] is None

    assert api.delete("/v1/me", token=ada["access_token"]).status_code == 204
    wait_until(lambda: leads(api, gold) == [], what="ada's lead anonymized")
    meetings = api.get(f"/v1/exhibitors/{gold['id']}/meetings", token=gold["api_key"]).json()
    assert meetings["items"] == []
    analytics = api.get(f"/v1/exhibitors/{gold['id']}/analytics", token=gold["api_key"]).json()
    assert analytics["totals"]["leads"] == 2  # counts stay, people go


@pytest.mark.parametrize(
    "path, params",
    [
        ("leads", {"min_score": "-1"}),
        ("leads", {"since": "yesterday"}),
        ("leads", {"until": "2030-01-01T00:00:00"}),
        ("analytics", {"start": "2030-02-01", "end": "2030-01-01"}),
        ("analytics", {"start": "soon"}),
        ("meetings", {"status": "maybe"}),
    ],
)
def test_bad_queries_are_problems(platform, path, params):
    api = platform("expo")
    gold = create(api, GOLD)

    response = api.get(f"/v1/exhibitors/{gold['id']}/{path}", token=gold["api_key"], params=params)

    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
