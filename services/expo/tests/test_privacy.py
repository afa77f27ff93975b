"""Consent withdrawn, erasure and export: attendee_updated and attendee_erased events
against the running service, export_attendee over RPC."""

from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from contracts.errors import Invalid, NotFound
from contracts.events.registration import AttendeeErased, AttendeeRegistered, AttendeeUpdated
from plumbing.events import new_envelope, utcnow
from plumbing.outbox import outbox_table
from plumbing.replica import AttendeeReplica, ErasedAttendee
from plumbing.testing import count_rows, wait_until
from services.expo.leads import visitor_hash
from services.expo.models import Interaction, Lead, Meeting
from services.expo.tests.conftest import ACME

ADA = "11111111-1111-1111-1111-111111111111"
BOB = "22222222-2222-2222-2222-222222222222"
TIMES = ["2030-05-04T10:00:00+00:00"]


def handled(event_type):
    value = REGISTRY.get_sample_value(
        "plenary_events_consumed_total",
        {"service": "expo", "event_type": event_type, "outcome": "processed"},
    )
    return value or 0


def profile(attendee_id, consent, full_name="Ada Visitor"):
    return {
        "attendee_id": attendee_id,
        "email": f"{attendee_id}@example.org",
        "full_name": full_name,
        "organization": "Town Museum",
        "consent": {"share_with_exhibitors": consent, "marketing": False},
    }


def updated(attendee_id, consent, full_name="Ada Visitor", occurred_at=None):
    envelope = new_envelope(
        AttendeeUpdated,
        {
            **profile(attendee_id, consent, full_name),
            "changed": ["consent"],
            "updated_at": utcnow(),
        },
    )
    if occurred_at is not None:
        envelope["occurred_at"] = occurred_at.isoformat()
    return envelope


def erased(attendee_id):
    return new_envelope(AttendeeErased, {"attendee_id": attendee_id, "erased_at": utcnow()})


@pytest.fixture
def booths(expo):
    return expo.create_exhibitor(ACME), expo.create_exhibitor({**ACME, "name": "Rival"})


@pytest.fixture
def ada_everywhere(expo, add_contact, booths):
    """Ada (consenting) visits both booths and asks one for a meeting; Bob too."""
    add_contact(ADA, consent=True)
    add_contact(BOB, consent=True, full_name="Bob Builder")
    acme, rival = booths
    for exhibitor in booths:
        expo.record_interaction(exhibitor["id"], ADA, {"kind": "visit"})
    expo.record_interaction(
        acme["id"], ADA, {"kind": "meeting_request", "message": "Ada here", "proposed_times": TIMES}
    )
    expo.record_interaction(acme["id"], BOB, {"kind": "visit"})
    return acme, rival


def names_in_leads(expo, booths):
    return {
        lead["attendee"]["full_name"]
        for exhibitor in booths
        for lead in expo.list_leads(exhibitor["id"])["items"]
    }


def raw_outbox(expo_db):
    expo_db.rollback()
    return " ".join(expo_db.scalars(select(outbox_table.c.envelope)))


def test_withdrawing_consent_anonymizes_leads_everywhere(
    expo, expo_db, publish, booths, ada_everywhere
):
    acme, _ = booths
    publish(AttendeeUpdated, envelope=updated(ADA, consent=False))

    wait_until(lambda: names_in_leads(expo, booths) == {"Bob Builder"}, what="Ada's leads to go")
    assert count_rows(expo_db, Lead) == 3  # the counts stay, anonymous
    assert count_rows(expo_db, Lead, Lead.anonymized_at.is_not(None)) == 2
    assert count_rows(expo_db, Interaction, Interaction.attendee_id == ADA) == 0
    assert count_rows(expo_db, Interaction, Interaction.message.is_not(None)) == 0
    assert expo.list_meetings(acme["id"])["items"] == []
    assert expo_db.scalar(select(Meeting.status)) == "withdrawn"
    assert ADA not in raw_outbox(expo_db) and "Ada Visitor" not in raw_outbox(expo_db)
    export = expo.export_attendee(ADA)
    assert (export["interactions"], export["leads"], export["meetings"]) == ([], [], [])
    assert export["contact"]["share_with_exhibitors"] is False

    # from now on Ada is an anonymous count
    answer = expo.record_interaction(acme["id"], ADA, {"kind": "visit"})
    assert answer["lead_id"] is None
    assert expo.booth_analytics(acme["id"])["totals"]["visits"] == 3


def test_consenting_again_starts_a_new_lead_without_the_anonymous_past(
    expo, expo_db, publish, booths, ada_everywhere
):
    acme, _ = booths
    publish(AttendeeUpdated, envelope=updated(ADA, consent=False))
    wait_until(lambda: names_in_leads(expo, booths) == {"Bob Builder"}, what="withdrawal")
    expo.record_interaction(acme["id"], ADA, {"kind": "visit"})  # anonymous
    before = handled("attendee_updated")
    publish(AttendeeUpdated, envelope=updated(ADA, consent=True))
    wait_until(lambda: handled("attendee_updated") == before + 1, what="consent given again")

    answer = expo.record_interaction(
        acme["id"], ADA, {"kind": "download", "product_id": acme["products"][0]["id"]}
    )

    lead = next(
        lead for lead in expo.list_leads(acme["id"])["items"] if lead["id"] == answer["lead_id"]
    )
    assert [i["kind"] for i in lead["interactions"]] == ["download"]
    assert lead["score"] == 5


def test_a_newer_profile_with_consent_keeps_the_lead_and_renames_it(
    expo, publish, booths, ada_everywhere
):
    publish(AttendeeUpdated, envelope=updated(ADA, consent=True, full_name="Ada Lovelace"))

    wait_until(
        lambda: names_in_leads(expo, booths) == {"Ada Lovelace", "Bob Builder"},
        what="the new name",
    )


def test_a_stale_withdrawal_changes_nothing(expo, expo_db, publish, booths, ada_everywhere):
    before = handled("attendee_updated")
    publish(
        AttendeeUpdated,
        envelope=updated(ADA, consent=False, occurred_at=utcnow() - timedelta(hours=1)),
    )
    wait_until(lambda: handled("attendee_updated") == before + 1, what="the stale event")

    assert names_in_leads(expo, booths) == {"Ada Visitor", "Bob Builder"}
    assert count_rows(expo_db, Lead, Lead.anonymized_at.is_not(None)) == 0


def test_erasure_forgets_the_attendee_and_stays_forgotten(
    expo, expo_db, publish, booths, ada_everywhere
):
    acme, rival = booths
    private_visit = expo.record_interaction(acme["id"], BOB, {"kind": "visit"})
    envelope = erased(ADA)
    publish(AttendeeErased, envelope=envelope)

    wait_until(lambda: count_rows(expo_db, ErasedAttendee) == 1, what="the erasure")
    assert count_rows(expo_db, AttendeeReplica, AttendeeReplica.attendee_id == ADA) == 0
    assert names_in_leads(expo, booths) == {"Bob Builder"}
    assert count_rows(expo_db, Interaction, Interaction.attendee_id == ADA) == 0
    day = utcnow().date()
    ada_hashes = [visitor_hash(e["id"], day, ADA) for e in booths]
    assert count_rows(expo_db, Interaction, Interaction.visitor_hash.in_(ada_hashes)) == 0
    bob = expo_db.get(Interaction, private_visit["interaction_id"])
    assert bob.visitor_hash == visitor_hash(acme["id"], day, BOB)
    assert count_rows(expo_db, Meeting, Meeting.message.is_not(None)) == 0
    assert ADA not in raw_outbox(expo_db)
    assert expo.export_attendee(ADA) == {
        "contact": None,
        "interactions": [],
        "leads": [],
        "meetings": [],
    }
    with pytest.raises(NotFound):
        expo.record_interaction(acme["id"], ADA, {"kind": "visit"})

    # a second delivery, and late news about Ada, bring nothing back
    publish(AttendeeErased, envelope=envelope)
    before = handled("attendee_registered"), handled("attendee_updated")
    late = {**profile(ADA, True), "ticket_type": "member", "registered_at": utcnow()}
    publish(AttendeeRegistered, late)
    publish(AttendeeUpdated, envelope=updated(ADA, consent=True))
    wait_until(
        lambda: (
            (handled("attendee_registered"), handled("attendee_updated"))
            == (before[0] + 1, before[1] + 1)
        ),
        what="the late events",
    )
    assert count_rows(expo_db, AttendeeReplica, AttendeeReplica.attendee_id == ADA) == 0
    assert count_rows(expo_db, ErasedAttendee) == 1


def test_export_holds_interactions_leads_and_meetings(expo, booths, ada_everywhere):
    acme, rival = booths

    export = expo.export_attendee(ADA)

    assert export["contact"] == {
        **{k: v for k, v in profile(ADA, True).items() if k != "consent"},
        "share_with_exhibitors": True,
    }
    assert [(i["kind"], i["exhibitor_name"]) for i in export["interactions"]] == [
        ("visit", ACME["name"]),
        ("visit", "Rival"),
        ("meeting_request", ACME["name"]),
    ]
    assert {lead["exhibitor_name"]: lead["score"] for lead in export["leads"]} == {
        ACME["name"]: 11,
        "Rival": 1,
    }
    [meeting] = export["meetings"]
    assert (meeting["message"], meeting["status"], meeting["proposed_times"]) == (
        "Ada here",
        "pending",
        TIMES,
    )
    assert BOB not in str(export) and "Bob Builder" not in str(export)
    assert expo.export_attendee(BOB)["meetings"] == []


def test_export_of_a_stranger_is_empty_and_bad_ids_are_refused(expo):
    assert expo.export_attendee(ADA) == {
        "contact": None,
        "interactions": [],
        "leads": [],
        "meetings": [],
    }
    for bad in (None, 42, "", "x" * 37):
        with pytest.raises(Invalid):
            expo.export_attendee(bad)
