"""The delivery guarantees, against the real RabbitMQ: outbox, de-duplication,
retries, dead letters and replay."""

import json
import re
from datetime import UTC, datetime

import eventlet
import pytest
import requests
from kombu import Connection
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.orm import Session

from contracts.events.registration import AttendeeRegistered
from plumbing import dlq
from plumbing.consumer import consume
from plumbing.db import Database, create_db_engine, plumbing_metadata
from plumbing.events import new_envelope
from plumbing.observability import Observability, current_correlation_id
from plumbing.outbox import OutboxRelay, emit, outbox_table, pending_count
from plumbing.testing import outbox_envelopes, publish_event, wait_until
from plumbing.topology import dead_letter_queue_name, declare, work_queue_name

recorder_metadata = MetaData()
received = Table(
    "received",
    recorder_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64)),
    Column("attendee_id", String(64)),
    Column("correlation_id", String(64)),
)

# how many times the next deliveries should fail before succeeding (-1: always), and how
# long each handling takes
failures = {"remaining": 0, "delay": 0}


class Recorder:
    name = "recorder"
    db = Database()
    observability = Observability()

    @consume(AttendeeRegistered)
    def on_registered(self, event):
        self.db.execute(
            received.insert().values(
                event_id=event.id,
                attendee_id=event.data["attendee_id"],
                correlation_id=current_correlation_id(),
            )
        )
        eventlet.sleep(failures["delay"])
        if failures["remaining"]:
            failures["remaining"] -= 1
            raise RuntimeError("receiver hiccup")


WORK_QUEUE = work_queue_name("registration", "attendee_registered", "recorder", "on_registered")

ALICE = {
    "email": "alice@example.org",
    "full_name": "Alice",
    "consent": {"share_with_exhibitors": False},
}


@pytest.fixture(autouse=True)
def reset_failures():
    failures.update(remaining=0, delay=0)


@pytest.fixture
def recorder(service_config, container_factory, tmp_path):
    url = f"sqlite:///{tmp_path}/recorder.db"
    engine = create_db_engine(url)
    plumbing_metadata.create_all(engine)
    recorder_metadata.create_all(engine)
    config = service_config("registration", DATABASE_URL=url, SERVICE_NAME="recorder")
    declare(config, [Recorder])
    container = container_factory(Recorder, config)
    container.start()
    yield engine
    engine.dispose()


def received_rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(received)).all()


def publish_raw(amqp_uri, body, content_type="application/json"):
    """Send ``body`` exactly as given, as if registration had published it."""
    publish_event(
        amqp_uri,
        "registration",
        "attendee_registered",
        body,
        content_type=content_type,
        content_encoding="utf-8",
    )


def attendee_data(attendee_id="a-1"):
    return {
        "attendee_id": attendee_id,
        "email": "a@example.org",
        "full_name": "A",
        "organization": "",
        "ticket_type": "member",
        "consent": {"share_with_exhibitors": False},
        "registered_at": datetime.now(UTC),
    }


def an_event(attendee_id="a-1"):
    return new_envelope(AttendeeRegistered, attendee_data(attendee_id))


def queue_depth(amqp_uri, name):
    with Connection(amqp_uri) as conn:
        return conn.default_channel.queue_declare(name, passive=True).message_count


def test_outbox_keeps_events_while_relay_is_down_and_publishes_them_once_back(
    start_service, rabbit_config, recorder, db_session
):
    registration = start_service("registration")
    relay = next(d for d in registration.dependencies if isinstance(d, OutboxRelay))
    relay.stop()

    with ServiceRpcProxy("registration", rabbit_config) as rpc:
        rpc.register(ALICE)

    db = db_session("registration")
    [registered] = outbox_envelopes(db, "attendee_registered")
    attendee_id = registered["data"]["attendee_id"]
    assert pending_count(db) == 2  # attendee_registered, and the code to confirm the address
    eventlet.sleep(0.5)
    assert received_rows(recorder) == []

    relay.start()
    wait_until(lambda: received_rows(recorder))
    eventlet.sleep(0.5)  # a second copy, if any, would arrive now
    assert [row.attendee_id for row in received_rows(recorder)] == [attendee_id]
    db.expire_all()
    assert pending_count(db) == 0


def test_a_commit_that_emitted_wakes_the_relay_and_one_that_did_not_leaves_it_asleep(
    start_service, rabbit_config, recorder
):
    """The relay polls once a minute here: what is published within seconds was woken by
    the commit that wrote it, a worker's or a background loop's alike."""
    registration = start_service("registration", OUTBOX_POLL_INTERVAL=60)
    relay = next(d for d in registration.dependencies if isinstance(d, OutboxRelay))
    claims = []
    relay_batch = relay.relay_batch
    relay.relay_batch = lambda producer: claims.append(1) or relay_batch(producer)
    eventlet.sleep(0.3)  # the relay's first claim, at start, is over

    with Session(relay.engine) as session, session.begin():
        session.execute(text("SELECT 1"))  # a commit with no event
    eventlet.sleep(0.5)
    assert claims == []

    with ServiceRpcProxy("registration", rabbit_config) as rpc:
        rpc.register(ALICE)  # a worker's commit
    wait_until(lambda: len(received_rows(recorder)) == 1, timeout=5)

    with Session(relay.engine) as session, session.begin():  # not a worker
        emit(session, AttendeeRegistered, attendee_data("a-background"))
    rows = wait_until(lambda: len(received_rows(recorder)) == 2 and received_rows(recorder), 5)
    assert rows[-1].attendee_id == "a-background"


def outbox_row(envelope, seq_text=None):
    return {
        "event_id": envelope["id"] if seq_text is None else seq_text,
        "event_type": "attendee_registered",
        "envelope": json.dumps(envelope, default=str) if seq_text is None else "{not json",
        "created_at": datetime.now(UTC),
    }


def test_rows_that_are_not_json_hold_up_none_of_the_rows_after_them(
    start_service, recorder, db_session
):
    """More bad rows than a batch holds, at the head of the outbox: each is left out
    once met, and every good row after them is published once."""
    registration = start_service("registration", OUTBOX_BATCH_SIZE=2)
    relay = next(d for d in registration.dependencies if isinstance(d, OutboxRelay))
    relay.stop()
    db = db_session("registration")
    bad = [outbox_row({}, seq_text=f"bad-{n}") for n in range(3)]
    good = [an_event(f"a-{n}") for n in range(3)]
    db.execute(outbox_table.insert(), [*bad, *(outbox_row(e) for e in good)])
    db.commit()

    relay.start()
    wait_until(lambda: len(received_rows(recorder)) >= len(good), timeout=10)
    eventlet.sleep(0.5)  # a second copy, if any, would arrive now
    assert sorted(row.event_id for row in received_rows(recorder)) == sorted(e["id"] for e in good)
    db.expire_all()
    assert pending_count(db) == len(bad)  # still there for an operator to see


def test_an_event_delivered_twice_has_one_effect(rabbit_config, recorder):
    event = an_event()
    publish_raw(rabbit_config["AMQP_URI"], json.dumps(event))
    publish_raw(rabbit_config["AMQP_URI"], json.dumps(event))
    publish_raw(rabbit_config["AMQP_URI"], json.dumps(an_event("a-2")))  # a marker after both
    wait_until(lambda: len(received_rows(recorder)) >= 2)
    eventlet.sleep(0.3)
    assert sorted(row.attendee_id for row in received_rows(recorder)) == ["a-1", "a-2"]


def test_a_failing_handler_is_retried_then_succeeds_once(rabbit_config, recorder):
    failures["remaining"] = 2  # fewer than the two retries configured for tests
    publish_raw(rabbit_config["AMQP_URI"], json.dumps(an_event()))
    wait_until(lambda: received_rows(recorder))
    assert len(received_rows(recorder)) == 1  # failed attempts rolled back their writes
    assert queue_depth(rabbit_config["AMQP_URI"], dead_letter_queue_name(WORK_QUEUE)) == 0


def test_a_handler_that_keeps_failing_is_parked_and_can_be_replayed(
    rabbit_config, recorder, monkeypatch
):
    amqp_uri = rabbit_config["AMQP_URI"]
    failures["remaining"] = -1
    publish_raw(amqp_uri, json.dumps(an_event()))
    dead_letters = dead_letter_queue_name(WORK_QUEUE)
    wait_until(lambda: queue_depth(amqp_uri, dead_letters) == 1)
    assert received_rows(recorder) == []

    monkeypatch.setenv("AMQP_URI", amqp_uri)
    parked = dlq.peek(dead_letters, limit=10)
    assert len(parked) == 1
    assert "receiver hiccup" in parked[0]["headers"]["x-plenary-error"]
    assert parked[0]["headers"]["x-plenary-attempt"] == 3  # first try + two retries

    failures["remaining"] = 0  # the bug is fixed; the operator replays
    assert dlq.replay(dead_letters, limit=10) == 1
    wait_until(lambda: received_rows(recorder))
    assert len(received_rows(recorder)) == 1
    assert queue_depth(amqp_uri, dead_letters) == 0


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("not json at all", "application/json"),
        (json.dumps({"id": "x", "type": "attendee_registered"}), "application/json"),
        (json.dumps(["a", "list"]), "application/json"),
        ("\x80\x03pickled", "application/x-python-serialize"),
        (json.dumps({**an_event(), "data": {"attendee_id": 7}}), "application/json"),
    ],
)
def test_malformed_messages_are_parked_and_consumption_goes_on(
    rabbit_config, recorder, body, content_type
):
    amqp_uri = rabbit_config["AMQP_URI"]
    publish_raw(amqp_uri, body, content_type)
    wait_until(lambda: queue_depth(amqp_uri, dead_letter_queue_name(WORK_QUEUE)) == 1)

    publish_raw(amqp_uri, json.dumps(an_event("after")))
    wait_until(lambda: received_rows(recorder))
    assert [row.attendee_id for row in received_rows(recorder)] == ["after"]


def test_an_event_of_an_unknown_major_version_is_parked_with_its_reason_unhandled(
    rabbit_config, recorder, monkeypatch
):
    amqp_uri = rabbit_config["AMQP_URI"]
    dead_letters = dead_letter_queue_name(WORK_QUEUE)
    # data this consumer could load: version 2 may mean something else by the same fields
    publish_raw(amqp_uri, json.dumps({**an_event("v2"), "version": 2}))
    wait_until(lambda: queue_depth(amqp_uri, dead_letters) == 1)

    monkeypatch.setenv("AMQP_URI", amqp_uri)
    [parked] = dlq.peek(dead_letters, limit=10)
    assert parked["headers"]["x-plenary-error"] == (
        "unsupported version 2 of attendee_registered (this consumer knows 1)"
    )
    assert parked["headers"]["x-plenary-attempt"] == 0  # parked at once, never retried
    assert json.loads(parked["body"])["version"] == 2

    publish_raw(amqp_uri, json.dumps(an_event("v1")))
    wait_until(lambda: received_rows(recorder))
    assert [row.attendee_id for row in received_rows(recorder)] == ["v1"]


def test_the_correlation_id_travels_from_rpc_through_the_outbox_to_the_consumer(
    start_service, rabbit_config, recorder
):
    start_service("registration")
    with ServiceRpcProxy(
        "registration", rabbit_config, context_data={"correlation_id": "req-42"}
    ) as rpc:
        rpc.register(ALICE)
    rows = wait_until(lambda: received_rows(recorder))
    assert rows[0].correlation_id == "req-42"


def published_count(metrics_text):
    pattern = (
        r'plenary_events_published_total\{event_type="attendee_registered",'
        r'service="registration"\} ([0-9.]+)'
    )
    match = re.search(pattern, metrics_text)
    return float(match.group(1)) if match else 0.0


def test_a_service_reports_its_relay_and_backlog_in_prometheus(start_service, rabbit_config):
    registration = start_service("registration")
    metrics_url = f"http://{registration.config['WEB_SERVER_ADDRESS']}/metrics"
    before = published_count(requests.get(metrics_url, timeout=5).text)
    with ServiceRpcProxy("registration", rabbit_config) as rpc:
        rpc.register(ALICE)

    def relayed():
        text = requests.get(metrics_url, timeout=5).text
        return published_count(text) == before + 1 and text

    text = wait_until(relayed)
    assert 'plenary_outbox_pending{service="registration"} 0.0' in text
    assert 'plenary_entrypoint_duration_seconds_count{entrypoint="register"' in text
