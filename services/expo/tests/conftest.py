import json

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import select

from plumbing.events import utcnow
from plumbing.outbox import outbox_table
from services.expo.models import AttendeeContact

ACME = {
    "name": "Acme Exhibit Cases",
    "description": "Climate-controlled display cases.",
    "tier": "gold",
    "website": "https://acme.example",
    "products": [
        {"name": "VitrineX", "description": "A sealed case."},
        {"name": "Hygro Sensor", "description": "Humidity logging."},
    ],
}


@pytest.fixture
def expo(start_service, rabbit_config):
    start_service("expo")
    with ServiceRpcProxy("expo", rabbit_config) as proxy:
        yield proxy


@pytest.fixture
def expo_db(db_session):
    return db_session("expo")


@pytest.fixture
def add_contact(expo_db):
    """Put an attendee in expo's replica, as the attendee_registered event would."""

    def add(attendee_id, consent, full_name="Ada Visitor"):
        expo_db.add(
            AttendeeContact(
                attendee_id=attendee_id,
                full_name=full_name,
                email=f"{attendee_id}@example.org",
                organization="Town Museum",
                share_with_exhibitors=consent,
                updated_at=utcnow(),
            )
        )
        expo_db.commit()

    return add


def outbox_envelopes(session, event_type=None):
    query = select(outbox_table.c.envelope).order_by(outbox_table.c.seq)
    if event_type is not None:
        query = query.where(outbox_table.c.event_type == event_type)
    session.rollback()  # a fresh snapshot of what the service committed
    return [json.loads(envelope) for envelope in session.scalars(query)]
