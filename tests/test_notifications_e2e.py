"""Notifications through the gateway: the live stream (server-sent events), the feed,
preferences, announcements and webhook management, with bad input on every route."""

import json
import time
from datetime import UTC, datetime

import eventlet
import pytest
import requests
from kombu import Connection, Exchange

from contracts import live
from contracts.events.sessions import MessagePosted
from plumbing.replica import AttendeeReplica
from plumbing.testing import count_rows, wait_until
from services.notifications.models import Preferences, WebhookEndpoint
from tests.conftest import ORGANIZER_TOKEN


class SseClient:
    """Reads a live stream in a green thread; ``events`` fills as they arrive, each
    with the time it arrived."""

    def __init__(self, url, token, last_event_id=None):
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self.response = requests.get(url, headers=headers, stream=True, timeout=30)
        self.events, self.comments = [], 0
        self.thread = eventlet.spawn(self._read)

    def _read(self):
        event = {}
        for line in self.response.iter_lines(decode_unicode=True):
            if line.startswith(":"):
                self.comments += 1
            elif not line:
                if "data" in event:
                    event["data"] = json.loads(event["data"])
                    self.events.append({**event, "arrived": time.monotonic()})
                event = {}
            else:
                field, _, value = line.partition(": ")
                event[field] = value

    def of(self, kind):
        return [event for event in self.events if event.get("event") == kind]

    def close(self):
        self.thread.kill()
        self.response.close()


@pytest.fixture
def world(platform):
    api = platform()
    ada = api.sign_up(
        {
            "email": "ada@example.org",
            "full_name": "Ada Curator",
            "consent": {"share_with_exhibitors": False},
        }
    )
    return api, ada


def stream_url(api, query=""):
    return f"{api.base_url}/v1/me/notifications/stream{query}"


def test_the_stream_pushes_a_feed_item_within_a_second(world):
    api, ada = world
    token = ada["access_token"]
    welcome = wait_until(lambda: api.get("/v1/me/notifications", token=token).json()["items"])
    client = SseClient(stream_url(api), token)
    try:
        assert client.response.status_code == 200
        assert client.response.headers["Content-Type"].startswith("text/event-stream")
        wait_until(lambda: client.comments, what="the first keepalive")  # the stream is up

        sent = time.monotonic()
        answer = api.post(
            "/v1/announcements",
            token=ORGANIZER_TOKEN,
            json={"title": "Doors open", "body": "The hall opens at 9."},
        )
        assert answer.status_code == 201, answer.text
        [event] = wait_until(lambda: client.of("notification"), timeout=10)
        latency = event["arrived"] - sent
        print(f"\nannouncement -> live stream: {latency * 1000:.0f} ms")
        assert event["data"]["title"] == "Doors open" and event["data"]["kind"] == "announcement"
        assert event["id"] == event["data"]["id"]
        feed = api.get("/v1/me/notifications", token=token).json()
        assert feed["items"][0]["id"] == event["id"] and feed["unread_count"] == 2
    finally:
        client.close()

    # reconnecting after the welcome item replays what came since, then goes live
    resumed = SseClient(stream_url(api), token, last_event_id=welcome[0]["id"])
    try:
        [replayed] = wait_until(lambda: resumed.of("notification"))
        assert replayed["id"] == event["id"]
    finally:
        resumed.close()


def test_the_stream_carries_chat_of_the_sessions_asked_for(world, publish):
    api, ada = world
    following = SseClient(stream_url(api, "?sessions=ses-1,ses-2"), ada["access_token"])
    other = SseClient(stream_url(api, "?sessions=ses-3"), ada["access_token"])
    try:
        wait_until(lambda: following.comments and other.comments)
        publish(
            MessagePosted,
            {
                "message_id": "m-1",
                "session_id": "ses-2",
                "kind": "question",
                "author_id": "att-bob",
                "author_name": "Bob",
                "body": "Will the slides be shared?",
                "posted_at": datetime(2026, 5, 4, 14, 5, tzinfo=UTC),
            },
        )
        [message] = wait_until(lambda: following.of("message"))
        assert message["data"]["body"] == "Will the slides be shared?"
        assert "id" not in message  # chat does not move the resume point
        eventlet.sleep(0.5)
        assert other.of("message") == []
    finally:
        following.close()
        other.close()


def test_a_malformed_live_message_is_dropped_and_the_stream_goes_on(world, publish, rabbit_config):
    api, ada = world
    client = SseClient(stream_url(api, "?sessions=ses-1"), ada["access_token"])
    try:
        wait_until(lambda: client.comments)
        exchange = Exchange(**live.EXCHANGE)
        with Connection(rabbit_config["AMQP_URI"]) as connection:
            producer = connection.Producer()
            for body in ({"type": "notification"}, {"type": "message", "session_id": "ses-1"}):
                producer.publish(body, exchange=exchange, routing_key="live", serializer="json")
            producer.publish("{not json", exchange=exchange, content_type="application/json")
        publish(
            MessagePosted,
            {
                "message_id": "m-2",
                "session_id": "ses-1",
                "kind": "chat",
                "author_id": "att-bob",
                "author_name": "Bob",
                "body": "Still here",
                "posted_at": datetime(2026, 5, 4, 14, 6, tzinfo=UTC),
            },
        )
        [message] = wait_until(lambda: client.of("message"))
        assert message["data"]["body"] == "Still here"
    finally:
        client.close()


def rows(db_session, model):
    return count_rows(db_session("notifications"), model)


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    return response.json()


def test_preferences_and_read_state_over_http(world):
    api, ada = world
    token = ada["access_token"]
    [item] = wait_until(lambda: api.get("/v1/me/notifications", token=token).json()["items"])

    changed = api.put(
        "/v1/me/notifications/preferences",
        token=token,
        json={"channels": {"announcement": {"email": False}}, "reminder_minutes_before": 10},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["channels"]["announcement"] == {"feed": True, "email": False}
    got = api.get("/v1/me/notifications/preferences", token=token).json()
    assert got == changed.json()

    read = api.post(f"/v1/me/notifications/{item['id']}/read", token=token)
    assert read.json() == {"unread_count": 0}
    assert api.get("/v1/me/notifications", token=token).json()["items"][0]["read"] is True
    assert api.post("/v1/me/notifications/read", token=token).json() == {"unread_count": 0}


def test_bad_input_is_refused_with_problems_and_nothing_written(world, db_session):
    api, ada = world
    token = ada["access_token"]
    wait_until(lambda: rows(db_session, AttendeeReplica))
    for body in [
        {"channels": {"announcement": {"email": "no"}}},
        {"channels": {"nope": {"feed": True}}},
        {"reminder_minutes_before": -5},
        {"reminder_minutes_before": 99999},
        [],
    ]:
        problem = assert_problem(
            api.put("/v1/me/notifications/preferences", token=token, json=body), 422
        )
        assert problem["errors"], body
    assert rows(db_session, Preferences) == 0

    for body in [{}, {"title": "   ", "body": "x"}, {"title": "t", "body": ""}, {"title": 5}]:
        assert_problem(api.post("/v1/announcements", token=ORGANIZER_TOKEN, json=body), 422)
    assert_problem(api.post("/v1/announcements", token=token, json={"title": "t"}), 403)
    assert api.get("/v1/me/notifications", token=token).json()["unread_count"] == 1

    for query in ["?sessions=", "?sessions=a,,b", "?sessions=" + ",".join(["s"] * 21)]:
        assert_problem(api.get(stream_url(api, query)[len(api.base_url) :], token=token), 422)
    assert_problem(
        api.get("/v1/me/notifications/stream", token=token, headers={"Last-Event-ID": "x" * 100}),
        422,
    )
    assert_problem(api.get("/v1/me/notifications/stream"), 401)
    assert_problem(api.post("/v1/me/notifications/nope/read", token=token), 404)


def test_webhook_management_over_http(platform, db_session, webhook_receiver):
    api = platform(WEBHOOK_ALLOW_PRIVATE_URLS="false")
    exhibitor = api.post(
        "/v1/exhibitors",
        token=ORGANIZER_TOKEN,
        json={"name": "Acme", "description": "", "tier": "gold", "products": []},
    ).json()
    key, base = exhibitor["api_key"], f"/v1/exhibitors/{exhibitor['id']}/webhooks"

    for url in ["http://127.0.0.1:9/hook", "http://169.254.169.254/", "http://10.0.0.1/x"]:
        problem = assert_problem(
            api.post(base, token=key, json={"url": url, "events": ["lead.captured"]}), 422
        )
        assert "url" in problem["errors"]
    assert_problem(
        api.post(base, token=key, json={"url": "https://93.184.215.14/h", "events": ["x"]}), 422
    )
    assert rows(db_session, WebhookEndpoint) == 0

    created = api.post(
        base,
        token=key,
        json={"url": "https://93.184.215.14/h", "events": ["meeting.answered"]},
    )
    assert created.status_code == 201, created.text
    webhook = created.json()
    rotated = api.post(f"{base}/{webhook['id']}/secret", token=key)
    assert rotated.status_code == 200 and rotated.json()["secret"] != webhook["secret"]
    ping = api.post(f"{base}/{webhook['id']}/ping", token=key)
    assert ping.status_code == 202 and ping.json()["event_type"] == "webhook.ping"
    retry = api.post(f"{base}/{webhook['id']}/deliveries/{ping.json()['id']}/retry", token=key)
    assert_problem(retry, 409)  # still waiting to be sent
    assert_problem(api.post(f"{base}/{webhook['id']}/deliveries/msg_nope/retry", token=key), 404)
    assert_problem(api.post(f"{base}/nope/ping", token=key), 404)


def test_a_replica_refuses_streams_beyond_its_cap(platform):
    api = platform("registration", STREAM_MAX_CONNECTIONS=1)
    token = api.sign_up(
        {
            "email": "cy@example.org",
            "full_name": "Cy",
            "consent": {"share_with_exhibitors": False},
        }
    )["access_token"]
    first = SseClient(stream_url(api), token)
    try:
        wait_until(lambda: first.comments)
        assert_problem(api.get("/v1/me/notifications/stream", token=token), 503)
    finally:
        first.close()

    def reopened():
        client = SseClient(stream_url(api), token)
        if client.response.status_code == 200:
            return client
        client.close()
        return None

    # the server notices the closed stream at its next keepalive, and frees the slot
    wait_until(reopened, timeout=10, interval=0.2).close()
