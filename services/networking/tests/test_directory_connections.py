"""The opt-in directory and connections."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from plumbing.events import utcnow
from services.networking.models import ConnectionRequest
from services.networking.tests.conftest import actor


def names(page):
    return [item["full_name"] for item in page["items"]]


def test_only_listed_attendees_are_in_the_directory_with_the_fields_they_chose(networking, listed):
    viewer = listed("Vera Viewer")
    listed("Ada Archivist", job_title="Registrar", bio="Loves boxes.", interests=["collections"])
    listed("Bo Private", job_title="Hidden", shown_fields=["job_title"], organization="Secret Co")
    unlisted = actor("Cy Unlisted")
    networking.put_my_profile(unlisted, {"listed": False, "job_title": "Nobody"})
    never = actor("Di Never")
    networking.get_my_profile(never)

    page = networking.list_directory(viewer)
    assert names(page) == ["Ada Archivist", "Bo Private"]  # not me, not the unlisted
    ada, bo = page["items"]
    assert ada["job_title"] == "Registrar" and ada["interests"] == ["collections"]
    assert bo["job_title"] == "Hidden" and bo["organization"] is None and bo["bio"] is None
    with pytest.raises(NotFound):
        networking.get_directory_profile(viewer, unlisted["attendee_id"])
    with pytest.raises(NotFound):
        networking.get_directory_profile(viewer, never["attendee_id"])


def test_search_by_name_or_shown_organization_filter_by_interest_and_page(networking, listed):
    viewer = listed("Vera Viewer")
    listed("Ada Archivist", organization="Harbor Museum", interests=["digital"])
    listed("Ben Curator", organization="Hill Gallery", interests=["digital", "education"])
    listed("Cal Hidden Org", organization="Harbor Trust", shown_fields=["bio"])
    assert names(networking.list_directory(viewer, {"q": "harbor"})) == ["Ada Archivist"]
    assert names(networking.list_directory(viewer, {"q": "CURA"})) == ["Ben Curator"]
    assert names(networking.list_directory(viewer, {"interest": "education"})) == ["Ben Curator"]
    with pytest.raises(Invalid) as short:
        networking.list_directory(viewer, {"q": "a"})
    assert "q" in short.value.errors
    first = networking.list_directory(viewer, {"limit": 2})
    assert names(first) == ["Ada Archivist", "Ben Curator"] and first["next_cursor"]
    rest = networking.list_directory(viewer, {"limit": 2, "cursor": first["next_cursor"]})
    assert names(rest) == ["Cal Hidden Org"] and rest["next_cursor"] is None


def test_opting_out_removes_me_at_once(networking, listed):
    viewer, ada = listed("Vera Viewer"), listed("Ada Archivist")
    assert names(networking.list_directory(viewer)) == ["Ada Archivist"]
    networking.put_my_profile(ada, {"listed": False})
    assert names(networking.list_directory(viewer)) == []
    with pytest.raises(NotFound):
        networking.request_connection(viewer, {"attendee_id": ada["attendee_id"]})


def test_unknown_interests_are_not_found_and_nothing_changes(networking, listed):
    ada = listed("Ada Archivist", job_title="Registrar")
    with pytest.raises(NotFound) as refused:  # a well-formed id that names no interest
        networking.put_my_profile(ada, {"listed": True, "interests": ["astrology"]})
    assert "interests" in refused.value.errors
    assert networking.get_my_profile(ada)["job_title"] == "Registrar"


def test_single_line_fields_refuse_line_breaks(networking):
    with pytest.raises(Invalid) as refused:
        networking.put_my_profile(actor("Ada"), {"listed": True, "job_title": "a\u2028b"})
    assert "job_title" in refused.value.errors


def test_a_request_accepted_shares_emails_between_the_two_only(networking, listed):
    ada, ben, cy = listed("Ada Archivist"), listed("Ben Curator"), listed("Cy Other")
    result = networking.request_connection(
        ada, {"attendee_id": ben["attendee_id"], "message": "Hi"}
    )
    assert result["status"] == "pending"
    assert networking.get_directory_profile(ada, ben["attendee_id"])["connection"] == "pending_out"
    assert networking.get_directory_profile(ada, ben["attendee_id"])["email"] is None
    incoming = networking.list_connection_requests(ben, {"direction": "incoming"})["items"]
    assert [r["requester"]["full_name"] for r in incoming] == ["Ada Archivist"]
    networking.answer_connection_request(ben, incoming[0]["id"], True)

    assert networking.get_directory_profile(ada, ben["attendee_id"])["email"] == ben["email"]
    assert networking.get_directory_profile(ben, ada["attendee_id"])["email"] == ada["email"]
    assert networking.get_directory_profile(cy, ada["attendee_id"])["email"] is None
    assert [c["email"] for c in networking.list_connections(ada)["items"]] == [ben["email"]]
    with pytest.raises(Conflict):
        networking.request_connection(ada, {"attendee_id": ben["attendee_id"]})
    networking.remove_connection(ada, ben["attendee_id"])
    assert networking.get_directory_profile(ada, ben["attendee_id"])["email"] is None


def test_declined_withdrawn_and_expired_requests(networking, listed, networking_db):
    ada, ben = listed("Ada Archivist"), listed("Ben Curator")
    request = networking.request_connection(ada, {"attendee_id": ben["attendee_id"]})["request"]
    assert networking.answer_connection_request(ben, request["id"], False)["status"] == "declined"
    with pytest.raises(Conflict):
        networking.answer_connection_request(ben, request["id"], True)
    with pytest.raises(NotFound):  # only the recipient answers
        networking.answer_connection_request(ada, request["id"], True)

    again = networking.request_connection(ada, {"attendee_id": ben["attendee_id"]})["request"]
    assert again["status"] == "pending"
    networking_db.execute(
        update(ConnectionRequest)
        .where(ConnectionRequest.id == again["id"])
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    networking_db.commit()
    assert networking.list_connection_requests(ben)["items"] == []
    with pytest.raises(Conflict) as expired:
        networking.answer_connection_request(ben, again["id"], True)
    assert "expired" in str(expired.value.errors)


def test_unlisted_people_cannot_ask_and_cannot_be_asked(networking, listed):
    ada = listed("Ada Archivist")
    shy = actor("Shy Person")
    networking.get_my_profile(shy)
    with pytest.raises(Forbidden):
        networking.request_connection(shy, {"attendee_id": ada["attendee_id"]})
    with pytest.raises(NotFound):
        networking.request_connection(ada, {"attendee_id": shy["attendee_id"]})
