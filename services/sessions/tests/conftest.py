from datetime import timedelta

import pytest

from plumbing.db import insert_ignoring_duplicates
from plumbing.events import utcnow
from plumbing.testing import outbox_envelopes
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
def sessions(db, start_service, rpc_proxy):
    start_service("sessions")
    return rpc_proxy("sessions")


def outbox_events(db):
    """(type, data) of every event emitted so far, in order."""
    return [(envelope["type"], envelope["data"]) for envelope in outbox_envelopes(db)]


def add_session(db, starts_in, lasts, title="Direct", status="scheduled", **fields):
    """Insert a session straight into the database (no RPC, no event)."""
    now = utcnow()
    starts_at = now + starts_in
    session = ProgramSession(
        **{
            "title": title,
            "abstract": "",
            "track_id": "rebuild",
            "kind": "panel",
            "starts_at": starts_at,
            "ends_at": starts_at + lasts,
            "speakers": [],
            "capacity": None,
            "status": status,
            "created_at": now,
            "updated_at": now,
            **fields,
        }
    )
    db.add(session)
    db.commit()
    return session.id


ONE_HOUR = timedelta(hours=1)
