"""The attendee replica: the newest fact wins whatever order events arrive in, and an
erased attendee is never brought back."""

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from plumbing import replica
from plumbing.db import create_db_engine
from plumbing.events import utcnow

NOW = utcnow()


def attendee(full_name="Ada Lovelace", share=True):
    return {
        "attendee_id": "att-ada",
        "email": "ada@example.org",
        "full_name": full_name,
        "organization": "Analytical Engines",
        "consent": {"share_with_exhibitors": share, "marketing": False},
    }


@pytest.fixture
def session(database_url):
    engine = create_db_engine(database_url("registration"))
    replica.replica_metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    replica.replica_metadata.drop_all(engine)
    engine.dispose()


def test_an_older_fact_does_not_overwrite_a_newer_one(session):
    assert replica.upsert(session, attendee("Ada"), NOW)
    assert replica.upsert(session, attendee("Old news", share=False), NOW - timedelta(minutes=5))
    session.expire_all()
    row = replica.get(session, "att-ada")
    assert (row.full_name, row.share_with_exhibitors, row.updated_at) == ("Ada", True, NOW)

    replica.upsert(session, attendee("Ada King"), NOW + timedelta(minutes=5))
    session.expire_all()
    assert replica.get(session, "att-ada").full_name == "Ada King"


def test_a_cancelled_attendee_stays_inactive(session):
    replica.upsert(session, attendee(), NOW)
    replica.deactivate(session, "att-ada", NOW - timedelta(minutes=1))  # arrived late
    replica.upsert(session, attendee("Ada King"), NOW + timedelta(minutes=1))
    session.expire_all()
    row = replica.get(session, "att-ada")
    assert (row.full_name, row.active) == ("Ada King", False)


def test_an_erased_attendee_is_never_brought_back(session):
    replica.upsert(session, attendee(), NOW)
    replica.erase(session, "att-ada", NOW)
    replica.erase(session, "att-ada", NOW)  # a redelivered erasure is harmless

    assert not replica.upsert(session, attendee(), NOW + timedelta(minutes=1))
    assert replica.get(session, "att-ada") is None
    assert replica.is_erased(session, ["att-ada", "att-bob"]) == {"att-ada"}
