"""Faults: a consumer killed mid-stream and a broker restarted mid-stream. Afterwards
every event has had its effect exactly once."""

import os
import subprocess

import eventlet
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contracts.events.registration import AttendeeRegistered
from plumbing.db import create_db_engine
from plumbing.outbox import emit, pending_count
from plumbing.testing import wait_until
from plumbing.tests.test_reliable_events import (
    Recorder,
    attendee_data,
    failures,
    received,
    recorder_metadata,
)
from plumbing.topology import declare


@pytest.fixture(autouse=True)
def reset_failures():
    failures.update(remaining=0, delay=0)


@pytest.fixture
def recorder_setup(service_config, database_url):
    """Config for Recorder containers on a PostgreSQL database (a killed container
    leaves connections behind; PostgreSQL's pool copes, a one-connection SQLite not)."""
    url = database_url("registration")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL")
    engine = create_db_engine(url)
    recorder_metadata.create_all(engine)
    config = service_config("registration", SERVICE_NAME="recorder", DATABASE_URL=url)
    declare(config, [Recorder])
    yield config, engine
    recorder_metadata.drop_all(engine)
    engine.dispose()


def effects(engine):
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(received))
        distinct = conn.scalar(select(func.count(received.c.attendee_id.distinct())))
    return total, distinct


def emit_events(engine, count, batch=10, pause=0.02):
    for start in range(0, count, batch):
        with Session(engine) as session:
            for i in range(start, min(start + batch, count)):
                emit(session, AttendeeRegistered, attendee_data(f"a-{i}"))
            session.commit()
        eventlet.sleep(pause)


def test_a_consumer_killed_mid_stream_loses_and_doubles_nothing(
    recorder_setup, container_factory, start_service
):
    config, engine = recorder_setup
    start_service("registration")
    failures["delay"] = 0.01
    first = container_factory(Recorder, config)
    first.start()
    emit_events(engine, 150)
    wait_until(lambda: effects(engine)[0] >= 40, timeout=30)
    first.kill()  # in-flight workers die mid-transaction; their messages are redelivered

    second = container_factory(Recorder, dict(config))
    second.start()
    wait_until(lambda: effects(engine)[1] == 150, timeout=60)
    eventlet.sleep(0.5)
    assert effects(engine) == (150, 150)


def rabbitmqctl(*args):
    node = os.environ.get("RABBITMQ_NODENAME", "rabbit@localhost")
    subprocess.run(
        ["rabbitmqctl", "-n", node, "-q", *args], check=True, timeout=120, stdout=subprocess.DEVNULL
    )


@pytest.mark.skipif(
    os.environ.get("PLENARY_RESTARTABLE_BROKER") != "1",
    reason="restarts the broker the tests use: only on a node of the run's own "
    "(set PLENARY_RESTARTABLE_BROKER=1 and point --amqp-uri at it); make drills restarts its own",
)
def test_a_broker_restart_mid_stream_loses_and_doubles_nothing(
    recorder_setup, container_factory, start_service, db_session
):
    config, engine = recorder_setup
    start_service("registration")
    container_factory(Recorder, config).start()

    producer = eventlet.spawn(emit_events, engine, 200, 10, 0.05)
    wait_until(lambda: effects(engine)[0] >= 30, timeout=30)
    rabbitmqctl("stop_app")
    try:
        eventlet.sleep(1)
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
    producer.wait()

    wait_until(lambda: effects(engine)[1] == 200, timeout=90, interval=0.2)
    eventlet.sleep(1)
    assert effects(engine) == (200, 200)
    db = db_session("registration")
    assert pending_count(db) == 0
