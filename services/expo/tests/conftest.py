import pytest

from plumbing.events import utcnow
from plumbing.replica import AttendeeReplica

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
def expo(start_service, rpc_proxy):
    start_service("expo")
    return rpc_proxy("expo")


@pytest.fixture
def expo_db(db_session):
    return db_session("expo")


@pytest.fixture
def add_contact(expo_db):
    """Put an attendee in expo's replica, as the attendee_registered event would."""

    def add(attendee_id, consent, full_name="Ada Visitor"):
        expo_db.add(
            AttendeeReplica(
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
