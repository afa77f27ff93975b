"""Bad input on every RPC method: a clear Invalid or NotFound, never another error, and
nothing written."""

import base64

import pytest

from contracts.errors import Invalid, NotFound
from plumbing.testing import count_rows
from services.notifications.models import WebhookEndpoint

HOOK = {"url": "http://127.0.0.1:9/hook", "events": ["lead.captured"]}
LONG_ID = "x" * 65
# not a cursor at all: Invalid (422)
JUNK_CURSORS = [
    "garbage!",
    "x" * 501,
    base64.urlsafe_b64encode(b'["x", "n-12"]').decode(),  # padded: lists never pad
    123,
    ["2026-05-01T00:00:00+00:00", "n-1"],
]
# of the published form, but handed out by no list: NotFound (404), no page there
UNKNOWN_CURSORS = [
    base64.urlsafe_b64encode(raw).decode().rstrip("=")
    for raw in (
        b'["yesterday", "n-1"]',
        b'["2026-05-01T00:00:00", "n-1"]',  # naive
        b'{"a": 1}',
        b"[1, 2, 3]",
        b"\xff\xfe",
    )
] + ["AAAA", "A"]
BAD_PAGES = [
    {"limit": 0},
    {"limit": -1},
    {"limit": 201},
    {"limit": "10"},
    {"limit": True},
    {"limit": 2.5},
] + [{"cursor": cursor} for cursor in JUNK_CURSORS]
BAD_IDS = ["", LONG_ID, 42, ["exh-acme"], {"id": "exh-acme"}]


def endpoint_count(db_session):
    return count_rows(db_session("notifications"), WebhookEndpoint)


def test_list_notifications_refuses_bad_input(notifications):
    service = notifications()
    for attendee_id in [None, *BAD_IDS]:
        with pytest.raises(Invalid):
            service.list_notifications(attendee_id)
    for page in BAD_PAGES:
        with pytest.raises(Invalid) as refused:
            service.list_notifications("att-alice", **page)
        assert set(refused.value.errors) <= {"limit", "cursor"}, page
    for cursor in UNKNOWN_CURSORS:
        with pytest.raises(NotFound):
            service.list_notifications("att-alice", cursor=cursor)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        None,
        ["not", "an", "object"],
        {"url": "http://127.0.0.1/hook"},
        {"events": ["lead.captured"]},
        {**HOOK, "url": "ftp://127.0.0.1/hook"},
        {**HOOK, "url": "javascript:alert(1)"},
        {**HOOK, "url": "not a url"},
        {**HOOK, "url": "http://127.0.0.1/" + "a" * 2000},
        {**HOOK, "url": 12345},
        {**HOOK, "events": []},
        {**HOOK, "events": "lead.captured"},
        {**HOOK, "events": ["lead.deleted"]},
        {**HOOK, "events": [None]},
        {**HOOK, "events": ["lead.captured"] * 11},
    ],
)
def test_create_webhook_refuses_bad_payloads(notifications, db_session, payload):
    service = notifications()
    with pytest.raises(Invalid) as refused:
        service.create_webhook("exh-acme", payload)
    assert refused.value.errors
    assert endpoint_count(db_session) == 0


def test_webhook_methods_refuse_bad_ids(notifications, db_session):
    service = notifications()
    for exhibitor_id in [None, *BAD_IDS]:
        with pytest.raises(Invalid):
            service.create_webhook(exhibitor_id, HOOK)
        with pytest.raises(Invalid):
            service.list_webhooks(exhibitor_id)
    assert endpoint_count(db_session) == 0

    webhook = service.create_webhook("exh-acme", HOOK)
    for exhibitor_id, webhook_id in [
        (None, webhook["id"]),
        (LONG_ID, webhook["id"]),
        ("exh-acme", None),
        ("exh-acme", 42),
        ("exh-acme", LONG_ID),
    ]:
        with pytest.raises(Invalid):
            service.delete_webhook(exhibitor_id, webhook_id)
        with pytest.raises(Invalid):
            service.list_deliveries(exhibitor_id, webhook_id)
    for exhibitor_id, webhook_id in [("exh-other", webhook["id"]), ("exh-acme", "wh-nope")]:
        with pytest.raises(NotFound):
            service.delete_webhook(exhibitor_id, webhook_id)
        with pytest.raises(NotFound):
            service.list_deliveries(exhibitor_id, webhook_id)
    assert endpoint_count(db_session) == 1


def test_list_deliveries_refuses_bad_pages(notifications):
    service = notifications()
    webhook = service.create_webhook("exh-acme", HOOK)
    for page in BAD_PAGES:
        with pytest.raises(Invalid) as refused:
            service.list_deliveries("exh-acme", webhook["id"], **page)
        assert set(refused.value.errors) <= {"limit", "cursor"}, page
    for cursor in UNKNOWN_CURSORS:
        with pytest.raises(NotFound):
            service.list_deliveries("exh-acme", webhook["id"], cursor=cursor)
    assert service.list_deliveries("exh-acme", webhook["id"]) == {"items": [], "next_cursor": None}
