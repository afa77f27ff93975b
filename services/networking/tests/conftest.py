import pytest

from plumbing.tokens import new_id

INTERESTS = [
    {"id": "collections", "label": "Collections care"},
    {"id": "digital", "label": "Digital engagement"},
    {"id": "education", "label": "Museum education"},
    {"id": "fundraising", "label": "Fundraising"},
]


@pytest.fixture
def networking(start_service, rpc_proxy):
    start_service("networking")
    proxy = rpc_proxy("networking")
    proxy.replace_interests({"interests": INTERESTS})
    return proxy


@pytest.fixture
def networking_db(db_session):
    return db_session("networking")


def actor(full_name, organization="Town Museum"):
    """An attendee as the gateway passes them."""
    attendee_id = new_id()
    return {
        "attendee_id": attendee_id,
        "full_name": full_name,
        "email": f"{full_name.split()[0].lower()}-{attendee_id[:6]}@example.org",
        "organization": organization,
    }


def make_listed(networking, full_name, organization="Town Museum", **profile):
    """An attendee listed in the directory."""
    person = actor(full_name, organization)
    networking.put_my_profile(person, {"listed": True, **profile})
    return person


def make_connected(networking, one, other):
    """Connect two attendees (a request and its acceptance)."""
    networking.request_connection(one, {"attendee_id": other["attendee_id"]})
    result = networking.request_connection(other, {"attendee_id": one["attendee_id"]})
    assert result["status"] == "connected"


@pytest.fixture
def listed(networking):
    """``listed("Ada Lovelace", interests=[...])`` -> an attendee listed in the directory."""
    return lambda *args, **profile: make_listed(networking, *args, **profile)


@pytest.fixture
def connect(networking):
    return lambda one, other: make_connected(networking, one, other)
