"""The FAQ, the export and the erasure."""

import pytest

from contracts.errors import Invalid, NotFound
from contracts.events.registration import AttendeeErased, AttendeeUpdated
from plumbing.events import utcnow
from plumbing.replica import AttendeeReplica, ErasedAttendee
from plumbing.testing import count_rows, outbox_envelopes, wait_until
from services.networking.models import (
    Block,
    Connection,
    Conversation,
    DirectMessage,
    Profile,
    Report,
)


def test_faq_published_entries_by_position_with_search_and_category(networking):
    networking.create_faq_entry(
        {
            "question": "Are sessions recorded?",
            "answer": "Yes, for 90 days.",
            "position": 2,
            "category": "Sessions",
        }
    )
    networking.create_faq_entry(
        {
            "question": "How do I register?",
            "answer": "Use the form.",
            "position": 1,
            "category": "Registration",
        }
    )
    draft = networking.create_faq_entry(
        {"question": "Secret?", "answer": "Not yet.", "published": False}
    )
    page = networking.list_faq()
    assert [e["question"] for e in page["items"]] == [
        "How do I register?",
        "Are sessions recorded?",
    ]
    assert page["categories"] == ["Registration", "Sessions"]
    assert [e["question"] for e in networking.list_faq({"q": "recorded days"})["items"]] == [
        "Are sessions recorded?"
    ]
    assert len(networking.list_faq({"category": "registration"})["items"]) == 1
    assert len(networking.list_faq(drafts=True)["items"]) == 3
    networking.update_faq_entry(draft["id"], {"published": True, "position": 0})
    assert networking.list_faq()["items"][0]["question"] == "Secret?"
    networking.delete_faq_entry(draft["id"])
    with pytest.raises(NotFound):
        networking.update_faq_entry(draft["id"], {"published": False})
    with pytest.raises(Invalid):
        networking.create_faq_entry({"question": "Two\nlines", "answer": "x"})


def test_export_covers_everything_and_erasure_removes_it(
    networking, networking_db, listed, connect, publish
):
    ada = listed("Ada Archivist", bio="Boxes.", interests=["collections"])
    ben = listed("Ben Curator")
    connect(ada, ben)
    message = networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": "Hi Ben"})
    networking.report(ben, {"message_id": message["id"], "reason": "spam"})
    networking.report(ada, {"attendee_id": ben["attendee_id"], "reason": "other"})
    cy = listed("Cy Other")
    networking.block(ada, cy["attendee_id"])

    export = networking.export_attendee(ada["attendee_id"])
    assert export["profile"]["bio"] == "Boxes." and export["profile"]["interests"] == [
        "collections"
    ]
    assert [c["attendee_id"] for c in export["connections"]] == [ben["attendee_id"]]
    assert export["conversations"][0]["messages"][0]["body"] == "Hi Ben"
    assert [b["attendee_id"] for b in export["blocks"]] == [cy["attendee_id"]]
    assert [r["reason"] for r in export["reports_made"]] == ["other"]
    assert [r["status"] for r in export["connection_requests"]] == ["accepted"]

    publish(AttendeeErased, {"attendee_id": ada["attendee_id"], "erased_at": utcnow()})
    wait_until(lambda: count_rows(networking_db, ErasedAttendee) == 1, timeout=10, what="erasure")
    mine = ada["attendee_id"]
    assert count_rows(networking_db, AttendeeReplica, AttendeeReplica.attendee_id == mine) == 0
    assert count_rows(networking_db, Profile, Profile.attendee_id == mine) == 0
    assert count_rows(networking_db, Connection) == 0
    assert count_rows(networking_db, Conversation) == 0
    assert count_rows(networking_db, DirectMessage) == 0
    assert count_rows(networking_db, Block) == 0
    assert count_rows(networking_db, Report, Report.reporter_id == mine) == 0
    assert count_rows(networking_db, Report, Report.attendee_id == mine) == 0
    assert not any(mine in str(e) for e in outbox_envelopes(networking_db))
    assert networking.export_attendee(mine) == {"profile": None}
    assert networking.list_directory(ben)["items"][0]["full_name"] == "Cy Other"

    # a late update does not bring them back
    publish(
        AttendeeUpdated,
        {
            "attendee_id": mine,
            "email": ada["email"],
            "full_name": "Ada Archivist",
            "organization": "",
            "consent": {"share_with_exhibitors": False},
            "changed": ["full_name"],
            "updated_at": utcnow(),
        },
    )
    publish(AttendeeErased, {"attendee_id": ben["attendee_id"], "erased_at": utcnow()})
    wait_until(lambda: count_rows(networking_db, ErasedAttendee) == 2, timeout=10, what="second")
    assert count_rows(networking_db, AttendeeReplica, AttendeeReplica.attendee_id == mine) == 0
