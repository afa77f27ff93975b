"""Exhibitor webhooks: endpoints, signed deliveries, retries, timeouts, failures."""

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from contracts.errors import Conflict, Invalid, NotFound
from contracts.events.expo import LeadCaptured, LeadUpdated, MeetingAnswered, MeetingRequested
from contracts.events.registration import AttendeeUpdated
from plumbing.consumer import ReceivedEvent
from plumbing.events import new_envelope, parse_envelope
from plumbing.replica import AttendeeReplica
from plumbing.testing import count_rows, free_port, outbox_envelopes, wait_until
from services.notifications import lead_notices
from services.notifications.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint

LEAD = {
    "lead_id": "lead-1",
    "exhibitor_id": "exh-acme",
    "attendee": {
        "attendee_id": "att-alice",
        "full_name": "Alice Archivist",
        "email": "alice@example.org",
        "organization": "City Museum",
    },
    "score": 10,
    "interaction": {
        "interaction_id": "int-1",
        "kind": "visit",
        "product_id": None,
        "message": None,
        "occurred_at": datetime(2026, 5, 2, 10, 30, tzinfo=UTC),
    },
}
BOTH = ["lead.captured", "lead.updated"]
BOB = {
    "attendee_id": "att-bob",
    "full_name": "Bob Builder",
    "email": "bob@example.org",
    "organization": "",
}


def deliveries(db, *where):
    db.rollback()  # a fresh snapshot each time
    return db.scalars(
        select(WebhookDelivery).where(*where).order_by(WebhookDelivery.created_at)
    ).all()


def verified(webhook, request):
    """The request's body after checking its Standard Webhooks signature."""
    return Webhook(webhook["secret"]).verify(request["body"], request["headers"])


def test_create_list_and_delete_are_scoped_to_the_exhibitor(notifications, db_session):
    service = notifications()

    created = service.create_webhook(
        "exh-acme",
        {"url": "https://hooks.acme.test/plenary", "events": ["lead.updated", "lead.captured"]},
    )

    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 24
    assert created["events"] == BOTH
    listed = service.list_webhooks("exh-acme")
    assert listed == [
        {
            "id": created["id"],
            "url": "https://hooks.acme.test/plenary",
            "events": BOTH,
            "contact_email": None,
            "created_at": created["created_at"],
            "failing_since": None,
            "disabled_at": None,
        }
    ]
    assert service.list_webhooks("exh-other") == []
    with pytest.raises(NotFound):
        service.delete_webhook("exh-other", created["id"])
    with pytest.raises(NotFound):
        service.list_deliveries("exh-other", created["id"])

    assert service.delete_webhook("exh-acme", created["id"]) is None
    assert service.list_webhooks("exh-acme") == []
    with pytest.raises(NotFound):
        service.delete_webhook("exh-acme", created["id"])
    db = db_session("notifications")
    assert count_rows(db, WebhookEndpoint) == 0


PRIVATE_URLS = [
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.9/hook",
    "https://192.168.1.20/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "http://[::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://host.invalid/hook",  # does not resolve
]


def test_private_urls_are_refused_unless_allowed(notifications, db_session):
    service = notifications(WEBHOOK_ALLOW_PRIVATE_URLS="false")

    for url in PRIVATE_URLS:
        with pytest.raises(Invalid) as refused:
            service.create_webhook("exh-acme", {"url": url, "events": ["lead.captured"]})
        assert "url" in refused.value.errors, url
    db = db_session("notifications")
    assert count_rows(db, WebhookEndpoint) == 0

    public = service.create_webhook(
        "exh-acme", {"url": "https://93.184.215.14/hook", "events": ["lead.captured"]}
    )
    assert public["url"] == "https://93.184.215.14/hook"


def test_lead_is_delivered_signed(notifications, publish, webhook_receiver, db_session):
    service = notifications()
    acme = webhook_receiver()
    webhook = service.create_webhook("exh-acme", {"url": acme.url, "events": BOTH})

    envelope = publish(LeadCaptured, LEAD)

    [request] = wait_until(lambda: acme.requests)
    body = verified(webhook, request)
    assert body == {
        "type": "lead.captured",
        "timestamp": envelope["occurred_at"],
        "data": envelope["data"],
    }
    assert request["headers"]["webhook-id"].startswith("msg_")
    assert request["headers"]["content-type"] == "application/json"
    assert request["path"] == "/hooks/plenary"

    db = db_session("notifications")
    wait_until(lambda: deliveries(db, WebhookDelivery.status == "succeeded"))
    [delivery] = service.list_deliveries("exh-acme", webhook["id"])["items"]
    assert delivery["id"] == request["headers"]["webhook-id"]
    assert delivery["event_type"] == "lead.captured"
    assert delivery["status"] == "succeeded"
    assert delivery["next_attempt_at"] is None
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] == 200 and attempt["error"] is None
    assert attempt["latency_ms"] >= 0


def test_failed_delivery_is_retried_with_the_same_id(
    notifications, publish, webhook_receiver, db_session
):
    service = notifications()
    flaky = webhook_receiver(statuses=[500, 503])
    webhook = service.create_webhook("exh-acme", {"url": flaky.url, "events": ["lead.captured"]})

    publish(LeadCaptured, LEAD)

    requests = wait_until(lambda: flaky.requests if len(flaky.requests) >= 3 else None)
    assert len({request["headers"]["webhook-id"] for request in requests}) == 1
    assert len({request["body"] for request in requests}) == 1
    for request in requests:
        assert verified(webhook, request)["data"]["lead_id"] == "lead-1"
    db = db_session("notifications")
    wait_until(lambda: deliveries(db, WebhookDelivery.status == "succeeded"))
    [delivery] = service.list_deliveries("exh-acme", webhook["id"])["items"]
    assert [attempt["status_code"] for attempt in delivery["attempts"]] == [500, 503, 200]
    assert [attempt["error"] for attempt in delivery["attempts"]] == ["HTTP 500", "HTTP 503", None]
    assert len(flaky.requests) == 3


def test_slow_receiver_does_not_delay_a_healthy_one(
    notifications, publish, webhook_receiver, db_session
):
    service = notifications(WEBHOOK_TIMEOUT_SECONDS=1, WEBHOOK_RETRY_DELAYS_SECONDS="60")
    slow, healthy = webhook_receiver(delay=2.5), webhook_receiver()
    slow_hook = service.create_webhook("exh-acme", {"url": slow.url, "events": ["lead.captured"]})
    healthy_hook = service.create_webhook(
        "exh-acme", {"url": healthy.url, "events": ["lead.captured"]}
    )

    publish(LeadCaptured, LEAD)

    db = db_session("notifications")
    wait_until(lambda: len(slow.requests) == 1)
    [done] = wait_until(lambda: deliveries(db, WebhookDelivery.status == "succeeded"))
    assert done.endpoint_id == healthy_hook["id"]
    # the slow one is still in flight: nothing recorded for it yet
    [in_flight] = deliveries(db, WebhookDelivery.endpoint_id == slow_hook["id"])
    assert in_flight.attempt_count == 0

    wait_until(
        lambda: deliveries(
            db, WebhookDelivery.endpoint_id == slow_hook["id"], WebhookDelivery.attempt_count == 1
        )
    )
    [timed_out] = service.list_deliveries("exh-acme", slow_hook["id"])["items"]
    [attempt] = timed_out["attempts"]
    assert attempt["status_code"] is None
    assert "timed out" in attempt["error"]
    assert 900 <= attempt["latency_ms"] < 2500
    assert timed_out["status"] == "pending" and timed_out["next_attempt_at"] is not None


def test_delivery_is_given_up_after_the_last_retry(
    notifications, publish, webhook_receiver, db_session
):
    service = notifications(WEBHOOK_RETRY_DELAYS_SECONDS="0.1,0.2")
    down = webhook_receiver(statuses=[500] * 10)
    webhook = service.create_webhook("exh-acme", {"url": down.url, "events": ["lead.captured"]})

    publish(LeadCaptured, LEAD)

    db = db_session("notifications")
    [failed] = wait_until(lambda: deliveries(db, WebhookDelivery.status == "failed"))
    assert failed.attempt_count == 3
    assert failed.next_attempt_at is None
    assert count_rows(db, DeliveryAttempt) == 3
    [envelope] = outbox_envelopes(db, "webhook_delivery_failed")
    assert envelope["data"] == {
        "delivery_id": failed.id,
        "endpoint_id": webhook["id"],
        "exhibitor_id": "exh-acme",
        "event_type": "lead.captured",
    }
    assert len(down.requests) == 3


def test_each_lead_event_reaches_each_subscribed_endpoint_once(
    notifications, publish, webhook_receiver, db_session
):
    service = notifications()
    captured_only, updated_only, other = webhook_receiver(), webhook_receiver(), webhook_receiver()
    service.create_webhook("exh-acme", {"url": captured_only.url, "events": ["lead.captured"]})
    service.create_webhook("exh-acme", {"url": updated_only.url, "events": ["lead.updated"]})
    service.create_webhook("exh-other", {"url": other.url, "events": BOTH})

    envelope = publish(LeadCaptured, LEAD)
    publish(LeadCaptured, envelope=envelope)  # redelivered
    publish(LeadUpdated, {**LEAD, "score": 25})

    db = db_session("notifications")
    wait_until(lambda: len(deliveries(db, WebhookDelivery.status == "succeeded")) == 2)
    assert len(deliveries(db)) == 2
    [captured] = captured_only.requests
    assert json.loads(captured["body"])["type"] == "lead.captured"
    [updated] = updated_only.requests
    assert json.loads(updated["body"])["data"]["score"] == 25
    assert other.requests == []


def test_rotation_signs_with_both_secrets_during_the_overlap(
    notifications, publish, webhook_receiver, db_session
):
    service = notifications()
    acme = webhook_receiver()
    webhook = service.create_webhook("exh-acme", {"url": acme.url, "events": ["lead.captured"]})

    rotated = service.rotate_webhook_secret("exh-acme", webhook["id"])
    publish(LeadCaptured, LEAD)

    assert rotated["secret"] != webhook["secret"] and rotated["secret"].startswith("whsec_")
    assert "secret" not in service.list_webhooks("exh-acme")[0]
    [request] = wait_until(lambda: acme.requests)
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    # a receiver holding either secret accepts the delivery
    assert verified(webhook, request)["data"]["lead_id"] == "lead-1"
    assert verified(rotated, request)["data"]["lead_id"] == "lead-1"


def test_after_the_overlap_only_the_new_secret_signs(
    notifications, publish, webhook_receiver, db_session
):
    service = notifications(WEBHOOK_SECRET_OVERLAP_SECONDS=0)
    acme = webhook_receiver()
    webhook = service.create_webhook("exh-acme", {"url": acme.url, "events": ["lead.captured"]})
    rotated = service.rotate_webhook_secret("exh-acme", webhook["id"])

    publish(LeadCaptured, LEAD)

    [request] = wait_until(lambda: acme.requests)
    assert len(request["headers"]["webhook-signature"].split(" ")) == 1
    assert verified(rotated, request)
    with pytest.raises(WebhookVerificationError):
        verified(webhook, request)


def test_ping_and_replay_reuse_the_delivery(notifications, webhook_receiver, db_session):
    service = notifications(WEBHOOK_RETRY_DELAYS_SECONDS="0.1")
    receiver = webhook_receiver(statuses=[500, 500])
    webhook = service.create_webhook("exh-acme", {"url": receiver.url, "events": ["lead.updated"]})

    ping = service.ping_webhook("exh-acme", webhook["id"])

    db = db_session("notifications")
    wait_until(lambda: deliveries(db, WebhookDelivery.status == "failed"))
    assert ping["event_type"] == "webhook.ping" and ping["status"] == "pending"
    first, second = receiver.requests
    assert verified(webhook, first) == verified(webhook, second)
    assert verified(webhook, first)["data"] == {"webhook_id": webhook["id"]}

    replayed = service.retry_delivery("exh-acme", webhook["id"], ping["id"])

    assert replayed["status"] == "pending"
    [done] = wait_until(lambda: deliveries(db, WebhookDelivery.status == "succeeded"))
    assert done.id == ping["id"] == receiver.requests[2]["headers"]["webhook-id"]
    [listed] = service.list_deliveries("exh-acme", webhook["id"])["items"]
    assert [a["status_code"] for a in listed["attempts"]] == [500, 500, 200]
    with pytest.raises(NotFound):
        service.retry_delivery("exh-other", webhook["id"], ping["id"])
    with pytest.raises(NotFound):
        service.retry_delivery("exh-acme", webhook["id"], "msg_nope")


def test_a_private_address_is_refused_at_delivery_time_too(
    notifications, publish, webhook_receiver, db_session
):
    """The URL passed the check at creation; by delivery time its name resolves to a
    private address (DNS rebinding): nothing is sent."""
    service = notifications(WEBHOOK_ALLOW_PRIVATE_URLS="false", WEBHOOK_RETRY_DELAYS_SECONDS="")
    inside = webhook_receiver()
    db = db_session("notifications")
    db.add(
        WebhookEndpoint(
            id="wh-rebound",
            exhibitor_id="exh-acme",
            url=inside.url.replace("127.0.0.1", "localhost"),
            events=["lead.captured"],
            secret="whsec_" + base64.b64encode(b"k" * 24).decode(),
            created_at=datetime.now(UTC),
        )
    )
    db.commit()

    publish(LeadCaptured, LEAD)

    wait_until(lambda: deliveries(db, WebhookDelivery.status == "failed"))
    [delivery] = service.list_deliveries("exh-acme", "wh-rebound")["items"]
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] is None
    assert attempt["error"].startswith("refused: private")
    assert inside.requests == []


def test_an_endpoint_failing_for_days_is_disabled_and_its_contact_emailed(
    notifications, publish, webhook_receiver, db_session, smtp_sink
):
    service = notifications(
        SMTP_PORT=smtp_sink.port,
        WEBHOOK_RETRY_DELAYS_SECONDS="0.2,0.2,0.2,0.2,0.2,0.2",
        WEBHOOK_DISABLE_AFTER_SECONDS=0.5,  # "3 days", for the test
    )
    down = webhook_receiver(statuses=[503] * 50)
    webhook = service.create_webhook(
        "exh-acme",
        {"url": down.url, "events": ["lead.captured"], "contact_email": "ops@acme.test"},
    )

    publish(LeadCaptured, LEAD)

    db = db_session("notifications")
    [listed] = wait_until(
        lambda: [w for w in service.list_webhooks("exh-acme") if w["disabled_at"]]
    )
    assert listed["failing_since"] is not None
    [message] = wait_until(smtp_sink.messages)
    assert message["To"] == "ops@acme.test"
    assert "disabled" in message["Subject"]
    [delivery] = deliveries(db)
    assert delivery.status == "failed"
    attempts = len(down.requests)
    assert 2 <= attempts < 7
    publish(LeadCaptured, {**LEAD, "lead_id": "lead-2"})
    with pytest.raises(Conflict):
        service.ping_webhook("exh-acme", webhook["id"])
    time.sleep(0.5)
    assert len(deliveries(db)) == 1 and len(down.requests) == attempts


def test_a_success_after_a_failure_is_recorded_once_and_clears_the_failing_mark(
    notifications, publish, webhook_receiver, db_session
):
    service = notifications(WEBHOOK_RETRY_DELAYS_SECONDS="0.5")
    flaky = webhook_receiver(statuses=[503])  # then 200
    service.create_webhook("exh-acme", {"url": flaky.url, "events": ["lead.captured"]})

    publish(LeadCaptured, LEAD)
    wait_until(lambda: [w for w in service.list_webhooks("exh-acme") if w["failing_since"]])
    [listed] = wait_until(
        lambda: [w for w in service.list_webhooks("exh-acme") if w["failing_since"] is None]
    )

    db = db_session("notifications")
    [delivery] = wait_until(lambda: [d for d in deliveries(db) if d.status == "succeeded"])
    assert delivery.attempt_count == 2 and delivery.next_attempt_at is None
    attempts = db.scalars(
        select(DeliveryAttempt.status_code).where(DeliveryAttempt.delivery_id == delivery.id)
    ).all()
    assert sorted(attempts) == [200, 503]
    assert len(flaky.requests) == 2


def test_a_dead_receiver_with_a_backlog_does_not_slow_a_healthy_one(
    notifications, publish, webhook_receiver, db_session
):
    """60 deliveries to a receiver that hangs past the timeout would fill every sender
    if nothing capped one endpoint's share; the healthy endpoint's delivery goes first."""
    service = notifications(WEBHOOK_TIMEOUT_SECONDS=3, WEBHOOK_RETRY_DELAYS_SECONDS="60")
    hanging, healthy = webhook_receiver(delay=5), webhook_receiver()
    service.create_webhook("exh-slow", {"url": hanging.url, "events": ["lead.captured"]})
    service.create_webhook("exh-acme", {"url": healthy.url, "events": ["lead.captured"]})
    db = db_session("notifications")
    for number in range(60):
        publish(LeadCaptured, {**LEAD, "exhibitor_id": "exh-slow", "lead_id": f"l-{number}"})
    wait_until(lambda: len(deliveries(db)) == 60)
    wait_until(lambda: hanging.requests)

    started = time.monotonic()
    publish(LeadCaptured, LEAD)

    wait_until(lambda: healthy.requests, timeout=2.5, what="the healthy delivery")
    print(f"\nhealthy delivery after {time.monotonic() - started:.2f} s")
    assert len(hanging.requests) <= 5  # the slow endpoint's share of the senders


def test_meetings_reach_the_attendee_feed_and_the_exhibitor_webhook(
    notifications, publish, webhook_receiver, db_session
):
    service = notifications()
    acme = webhook_receiver()
    webhook = service.create_webhook(
        "exh-acme", {"url": acme.url, "events": ["meeting.requested", "meeting.answered"]}
    )
    requested = {
        "exhibitor_id": "exh-acme",
        "attendee_id": "att-alice",
        "lead_id": "lead-1",
        "message": "Can we talk boxes?",
        "meeting_id": "mtg-1",
        "exhibitor_name": "Acme Archival",
        "proposed_times": [datetime(2026, 5, 5, 10, 0, tzinfo=UTC)],
    }
    answered = {
        "meeting_id": "mtg-1",
        "exhibitor_id": "exh-acme",
        "exhibitor_name": "Acme Archival",
        "attendee_id": "att-alice",
        "status": "accepted",
        "accepted_time": datetime(2026, 5, 5, 10, 0, tzinfo=UTC),
        "message": "See you at booth 12.",
        "answered_at": datetime(2026, 5, 2, 9, 0, tzinfo=UTC),
    }

    publish(MeetingRequested, requested)
    wait_until(lambda: acme.requests)
    publish(MeetingAnswered, answered)

    first, second = wait_until(lambda: len(acme.requests) == 2 and acme.requests)
    assert verified(webhook, first)["type"] == "meeting.requested"
    assert verified(webhook, first)["data"]["message"] == "Can we talk boxes?"
    assert verified(webhook, second)["type"] == "meeting.answered"
    assert verified(webhook, second)["data"]["status"] == "accepted"
    feed = wait_until(
        lambda: (
            len(service.list_notifications("att-alice")["items"]) == 2
            and (service.list_notifications("att-alice")["items"])
        )
    )
    assert [item["kind"] for item in feed] == ["meeting_answered", "meeting_requested"]
    assert feed[0]["body"] == (
        "Acme Archival accepted your meeting request for 2026-05-05 10:00 UTC. See you at booth 12."
    )


def test_hanging_receivers_together_hold_only_their_share_of_the_senders(
    notifications, publish, webhook_receiver, db_session
):
    """Six endpoints hang (each delivery in flight past WEBHOOK_SLOW_SECONDS): together
    they keep WEBHOOK_FAILING_SENDERS-worth of senders at most, however much is queued
    for them, so the healthy endpoint's delivery goes out at once. Without that rule the
    4 free senders would go to the hanging endpoints' backlog (each may hold 5)."""
    service = notifications(
        WEBHOOK_SENDERS=10,
        WEBHOOK_FAILING_SENDERS=3,
        WEBHOOK_SLOW_SECONDS=0.5,
        WEBHOOK_TIMEOUT_SECONDS=8,
        WEBHOOK_RETRY_DELAYS_SECONDS="60",
    )
    hanging, healthy = webhook_receiver(delay=9), webhook_receiver()
    slow_ones = [f"exh-slow-{n}" for n in range(6)]
    for n, exhibitor in enumerate(slow_ones):
        service.create_webhook(exhibitor, {"url": f"{hanging.url}?n={n}", "events": BOTH})
    service.create_webhook("exh-acme", {"url": healthy.url, "events": BOTH})
    for exhibitor in slow_ones:
        publish(LeadCaptured, {**LEAD, "exhibitor_id": exhibitor, "lead_id": f"{exhibitor}-0"})
    wait_until(lambda: len(hanging.requests) == 6, what="one delivery in flight per endpoint")
    time.sleep(0.7)  # now each of them is slow

    db = db_session("notifications")
    for exhibitor in slow_ones:
        for number in range(1, 6):
            lead = {**LEAD, "exhibitor_id": exhibitor, "lead_id": f"{exhibitor}-{number}"}
            publish(LeadCaptured, lead)
    wait_until(lambda: len(deliveries(db)) == 36)
    publish(LeadCaptured, LEAD)

    wait_until(lambda: healthy.requests, timeout=3, what="the healthy delivery")
    time.sleep(0.5)  # a few more claims
    assert len(hanging.requests) == 6  # nothing more for the slow ones: their share is used


def test_a_delivery_that_cannot_be_signed_holds_up_and_repeats_no_other(
    notifications, publish, webhook_receiver, db_session
):
    """The sender loop's batch audit: one delivery whose secret is broken (an old row)
    is recorded as a failed attempt and retried on its own; the deliveries claimed with
    it reach their receivers once."""
    service = notifications(WEBHOOK_RETRY_DELAYS_SECONDS="0.2,60")
    receivers = [webhook_receiver() for _ in range(3)]
    hooks = [
        service.create_webhook("exh-acme", {"url": r.url, "events": ["lead.captured"]})
        for r in receivers
    ]
    db = db_session("notifications")
    broken = db.get(WebhookEndpoint, hooks[0]["id"])
    broken.secret = "whsec_%%%not-base64%%%"
    db.commit()

    publish(LeadCaptured, LEAD)
    publish(LeadCaptured, {**LEAD, "lead_id": "lead-2"})

    wait_until(lambda: all(len(r.requests) == 2 for r in receivers[1:]))

    def retried():  # a failing endpoint's turn stops at its first failure: one at a time
        broken_ones = deliveries(db, WebhookDelivery.endpoint_id == hooks[0]["id"])
        return broken_ones and max(d.attempt_count for d in broken_ones) == 2 and broken_ones

    failed = wait_until(retried)
    time.sleep(0.5)  # a repeated delivery would show now
    assert receivers[0].requests == []
    for receiver in receivers[1:]:
        assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 2
        assert len(receiver.requests) == 2
    assert len(failed) == 2 and {d.status for d in failed} == {"pending"}
    for delivery in service.list_deliveries("exh-acme", hooks[0]["id"])["items"]:
        assert all(a["status_code"] is None and a["error"] for a in delivery["attempts"])


def test_a_refusing_receiver_with_a_backlog_does_not_crowd_out_a_healthy_one(
    notifications, publish, webhook_receiver, db_session
):
    """A receiver that refuses connections at once is never busy, so its share is not
    capped by senders in flight: 120 of its deliveries due again and again must not
    fill the claim (oldest first) the healthy endpoint's delivery waits behind."""
    service = notifications(WEBHOOK_RETRY_DELAYS_SECONDS=",".join(["0.1"] * 60))
    healthy = webhook_receiver()
    service.create_webhook(
        "exh-dead", {"url": f"http://127.0.0.1:{free_port()}/gone", "events": ["lead.captured"]}
    )
    service.create_webhook("exh-acme", {"url": healthy.url, "events": ["lead.captured"]})
    db = db_session("notifications")
    for number in range(120):
        publish(LeadCaptured, {**LEAD, "exhibitor_id": "exh-dead", "lead_id": f"l-{number}"})
    wait_until(lambda: len(deliveries(db)) == 120)
    attempted = WebhookDelivery.attempt_count >= 1
    # a failing endpoint's turn stops at its first failure: its backlog is tried one at a
    # time, the rest due again with it, again and again
    wait_until(lambda: len(deliveries(db, attempted)) >= 5, what="the dead backlog retrying")

    started = time.monotonic()
    publish(LeadCaptured, LEAD)

    # the old claim (oldest first, whoever's) made it wait 1.5 s behind the backlog
    wait_until(lambda: healthy.requests, timeout=1.0, what="the healthy delivery")
    print(f"\nhealthy delivery after {time.monotonic() - started:.2f} s")


def test_an_endpoints_throughput_is_not_its_senders_per_tick(
    notifications, publish, webhook_receiver, db_session
):
    """One sender for the endpoint and a tick every half second: each sender takes its
    deliveries in turn, so 40 go in a few ticks, not one a tick (20 s)."""
    service = notifications(WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT=1, WEBHOOK_POLL_INTERVAL=0.5)
    receiver = webhook_receiver()
    service.create_webhook("exh-acme", {"url": receiver.url, "events": ["lead.captured"]})
    db = db_session("notifications")
    for number in range(40):
        publish(LeadCaptured, {**LEAD, "lead_id": f"l-{number}"})
    wait_until(lambda: len(deliveries(db)) == 40)

    started = time.monotonic()
    wait_until(lambda: len(receiver.requests) >= 40, timeout=8, what="every delivery")
    print(f"\n40 deliveries in {time.monotonic() - started:.2f} s")
    time.sleep(0.5)
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == len(receiver.requests)


def withdrawal(attendee_id, share=False):
    return {
        "attendee_id": attendee_id,
        "email": "alice@example.org",
        "full_name": "Alice Archivist",
        "organization": "City Museum",
        "consent": {"share_with_exhibitors": share, "marketing": False},
        "changed": ["consent.share_with_exhibitors"],
        "updated_at": datetime.now(UTC),
    }


def test_a_lead_event_arriving_after_the_withdrawal_is_not_delivered(
    notifications, publish, webhook_receiver, db_session
):
    service = notifications()
    acme = webhook_receiver()
    service.create_webhook("exh-acme", {"url": acme.url, "events": BOTH})
    late = new_envelope(LeadCaptured, LEAD)  # occurred before the withdrawal...
    publish(AttendeeUpdated, withdrawal("att-alice"))
    db = db_session("notifications")
    wait_until(lambda: count_rows(db, AttendeeReplica) == 1, what="the withdrawal")
    publish(LeadCaptured, envelope=late)  # ...but arrives after it
    publish(LeadCaptured, {**LEAD, "lead_id": "lead-bob", "attendee": BOB})  # a marker
    [request] = wait_until(lambda: acme.requests)
    assert json.loads(request["body"])["data"]["lead_id"] == "lead-bob"
    time.sleep(0.3)
    assert len(acme.requests) == 1 and len(deliveries(db)) == 1


def test_a_withdrawal_deletes_the_deliveries_and_notices_once(
    notifications, publish, webhook_receiver, db_session
):
    service = notifications()
    acme = webhook_receiver()
    webhook = service.create_webhook("exh-acme", {"url": acme.url, "events": ["lead.captured"]})
    publish(LeadCaptured, LEAD)
    publish(LeadUpdated, {**LEAD, "score": 15})  # not subscribed: never queued
    wait_until(lambda: acme.requests, what="the lead")
    db = db_session("notifications")
    wait_until(lambda: deliveries(db, WebhookDelivery.status == "succeeded"))

    envelope = publish(AttendeeUpdated, withdrawal("att-alice"))
    publish(AttendeeUpdated, envelope=envelope)  # redelivered: one notice all the same
    notice = wait_until(lambda: acme.requests[1:], what="the notice")[0]
    assert verified(webhook, notice) == {
        "type": "lead.withdrawn",
        "timestamp": envelope["occurred_at"],
        "data": {"lead_id": "lead-1", "exhibitor_id": "exh-acme"},
    }
    time.sleep(0.3)
    assert len(acme.requests) == 2
    [left] = deliveries(db)
    assert left.event_type == "lead.withdrawn" and left.attendee_id is None
    assert count_rows(db, DeliveryAttempt) == 1  # the notice's own


def received(schema_cls, data):
    """The event as a consumer receives it."""
    envelope, loaded = parse_envelope(new_envelope(schema_cls, data), schema_cls)
    return ReceivedEvent(
        envelope["id"], envelope["type"], envelope["occurred_at"], envelope["version"], loaded
    )


ENDPOINTS_AND_CONSENT = "SELECT webhook_endpoints.id, webhook_endpoints.exhibitor_id,"


def test_a_lead_costs_two_statements_for_its_deliveries(db_session):
    """One SELECT (the exhibitor's live endpoints, each row saying whether the attendee
    withdrew or was erased) and one INSERT, however many endpoints; a withdrawn
    attendee's lead costs the SELECT only and queues nothing."""
    db = db_session("notifications")
    now = datetime.now(UTC)
    for n, (events, disabled) in enumerate(
        [(BOTH, None), (["lead.updated"], None), (BOTH, None), (BOTH, now)]
    ):
        db.add(
            WebhookEndpoint(
                id=f"ep-{n}",
                exhibitor_id="exh-acme",
                url="https://example.org/hook",
                events=events,
                secret="whsec_" + base64.b64encode(b"x" * 24).decode(),
                created_at=now,
                disabled_at=disabled,
            )
        )
    db.commit()
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()[:3]))

    event.listen(db.get_bind(), "before_cursor_execute", note)
    try:
        captured = received(LeadCaptured, LEAD)
        lead_notices.queue_lead_deliveries(db, captured, "lead.captured", LeadCaptured)
        assert statements == [ENDPOINTS_AND_CONSENT, "INSERT INTO webhook_deliveries"]
        db.commit()
        assert sorted(d.endpoint_id for d in deliveries(db)) == ["ep-0", "ep-2"]

        db.add(
            AttendeeReplica(
                attendee_id="att-alice",
                email="alice@example.org",
                full_name="Alice Archivist",
                share_with_exhibitors=False,
                updated_at=datetime.now(UTC),
            )
        )
        db.commit()
        del statements[:]
        late = received(LeadUpdated, LEAD)  # occurred before the withdrawal was known
        late = ReceivedEvent(late.id, late.type, now, late.version, late.data)
        lead_notices.queue_lead_deliveries(db, late, "lead.updated", LeadUpdated)
        assert statements == [ENDPOINTS_AND_CONSENT]
        db.commit()
        assert len(deliveries(db)) == 2
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", note)
