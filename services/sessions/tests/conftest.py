import json
import time
from datetime import timedelta

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import func, select

from plumbing.db import insert_ignoring_duplicates
from plumbing.events import utcnow
from plumbing.outbox import outbox_table
from services.sessions.models import DEFAULT_TRACKS, ProgramSession, Track


@pytest.fixture
def db(db_session):
    """The sessions database, with its tracks (the shared fixture empties every table,
    the tracks the migration inserted too)."""
    session = db_session("sessions")
    insert_ignoring_duplicates(session, Track.__table__, DEFAULT_TRACKS, ["id"])
    session.commit()
    return session


@pytest.fixture
def sessions(db, start_service, rabbit_config):
    start_service("sessions")
    with ServiceRpcProxy("sessions", rabbit_config) as proxy:
        yield proxy


def outbox_events(db):
    """(type, data) of every event emitted so far, in order."""
    envelopes = db.scalars(select(outbox_table.c.envelope).order_by(outbox_table.c.seq)).all()
    db.rollback()  # end the read transaction: the next call sees newer commits
    return [(e["type"], e["data"]) for e in map(json.loads, envelopes)]


def count(db, model_or_table):
    total = db.scalar(select(func.count()).select_from(model_or_table))
    db.rollback()
    return total


def add_session(db, starts_in, lasts, title="Direct", status="scheduled"):
    """Insert a session straight into the database (no RPC, no event)."""
    starts_at = utcnow() + starts_in
    session = ProgramSession(
        title=title,
        abstract="",
        track_id="rebuild",
        kind="panel",
        starts_at=starts_at,
        ends_at=starts_at + lasts,
        speakers=[],
        capacity=None,
        status=status,
        search_text=title.lower(),
        created_at=utcnow(),
    )
    db.add(session)
    db.commit()
    return session.id


def wait_until(condition, timeout=8.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


ONE_HOUR = timedelta(hours=1)
