"""Meeting requests and their answers; the booth's per-day analytics."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from contracts.errors import Conflict, Invalid, NotFound
from plumbing.events import utcnow
from plumbing.testing import count_rows, outbox_envelopes
from services.expo.models import Interaction, Lead, Meeting
from services.expo.tests.conftest import ACME

CONSENTING = "11111111-1111-1111-1111-111111111111"
PRIVATE = "22222222-2222-2222-2222-222222222222"
TIMES = ["2030-05-04T10:00:00+00:00", "2030-05-04T14:00:00+02:00"]


@pytest.fixture
def acme(expo):
    return expo.create_exhibitor(ACME)


@pytest.fixture
def meeting_id(expo, add_contact, acme):
    add_contact(CONSENTING, consent=True)
    return request_meeting(expo, acme["id"])["meeting_id"]


def request_meeting(expo, exhibitor_id, attendee_id=CONSENTING, times=TIMES):
    return expo.record_interaction(
        exhibitor_id,
        attendee_id,
        {"kind": "meeting_request", "message": "Let's talk", "proposed_times": times},
    )


def test_a_meeting_request_opens_a_pending_meeting(expo, expo_db, acme, meeting_id):
    [meeting] = expo.list_meetings(acme["id"])["items"]

    assert meeting["id"] == meeting_id
    assert (meeting["status"], meeting["message"]) == ("pending", "Let's talk")
    assert meeting["proposed_times"] == TIMES
    assert meeting["attendee"]["email"] == f"{CONSENTING}@example.org"
    assert meeting["accepted_time"] is meeting["answered_at"] is meeting["answer"] is None
    [event] = outbox_envelopes(expo_db, "meeting_requested")
    assert event["data"]["meeting_id"] == meeting_id
    assert event["data"]["exhibitor_name"] == ACME["name"]
    assert len(event["data"]["proposed_times"]) == 2


def test_accepting_at_a_proposed_time_tells_the_attendee(expo, expo_db, acme, meeting_id):
    # the second proposed time, written in UTC
    answered = expo.answer_meeting(
        acme["id"],
        meeting_id,
        {"status": "accepted", "accepted_time": "2030-05-04T12:00:00Z", "message": "See you"},
    )

    assert (answered["status"], answered["answer"]) == ("accepted", "See you")
    assert answered["accepted_time"] == "2030-05-04T12:00:00+00:00"
    [event] = outbox_envelopes(expo_db, "meeting_answered")
    assert {k: event["data"][k] for k in ("meeting_id", "attendee_id", "status", "message")} == {
        "meeting_id": meeting_id,
        "attendee_id": CONSENTING,
        "status": "accepted",
        "message": "See you",
    }
    assert event["data"]["exhibitor_name"] == ACME["name"]
    assert expo.list_meetings(acme["id"], filters={"status": "pending"})["items"] == []
    assert expo.list_meetings(acme["id"], filters={"status": "accepted"})["items"] == [answered]

    with pytest.raises(Conflict):
        expo.answer_meeting(acme["id"], meeting_id, {"status": "declined"})
    assert len(outbox_envelopes(expo_db, "meeting_answered")) == 1


def test_declining(expo, expo_db, acme, meeting_id):
    answered = expo.answer_meeting(acme["id"], meeting_id, {"status": "declined"})

    assert (answered["status"], answered["accepted_time"]) == ("declined", None)
    [event] = outbox_envelopes(expo_db, "meeting_answered")
    assert (event["data"]["status"], event["data"]["accepted_time"]) == ("declined", None)


def test_without_proposed_times_any_time_may_be_accepted(expo, add_contact, acme):
    add_contact(CONSENTING, consent=True)
    meeting_id = request_meeting(expo, acme["id"], times=[])["meeting_id"]

    answered = expo.answer_meeting(
        acme["id"], meeting_id, {"status": "accepted", "accepted_time": "2030-01-01T09:30:00Z"}
    )
    assert answered["accepted_time"] == "2030-01-01T09:30:00+00:00"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"status": "accepted", "accepted_time": "2030-05-04T11:00:00Z"}, "accepted_time"),
        ({"status": "accepted"}, "accepted_time"),
        ({"status": "accepted", "accepted_time": "2030-05-04T10:00:00"}, "accepted_time"),
        ({"status": "declined", "accepted_time": TIMES[0]}, "accepted_time"),
        ({"status": "maybe"}, "status"),
        ({}, "status"),
        ({"status": "declined", "message": "m" * 2001}, "message"),
        ({"status": "declined", "attendee_id": PRIVATE}, "attendee_id"),
        ("accepted", "_schema"),
    ],
)
def test_invalid_answer_writes_nothing(expo, expo_db, acme, meeting_id, payload, field):
    with pytest.raises(Invalid) as refused:
        expo.answer_meeting(acme["id"], meeting_id, payload)

    assert field in refused.value.errors
    assert expo.list_meetings(acme["id"])["items"][0]["status"] == "pending"
    assert outbox_envelopes(expo_db, "meeting_answered") == []


def test_an_exhibitor_cannot_see_or_answer_anothers_meetings(expo, expo_db, acme, meeting_id):
    rival = expo.create_exhibitor({**ACME, "name": "Rival"})

    assert expo.list_meetings(rival["id"]) == {"items": [], "next_cursor": None}
    with pytest.raises(NotFound):
        expo.answer_meeting(rival["id"], meeting_id, {"status": "declined"})
    with pytest.raises(NotFound):
        expo.answer_meeting(
            acme["id"], "00000000-0000-0000-0000-000000000000", {"status": "declined"}
        )

    assert expo.list_meetings(acme["id"])["items"][0]["status"] == "pending"
    assert outbox_envelopes(expo_db, "meeting_answered") == []


@pytest.mark.parametrize(
    "args, field",
    [
        ((50, None, {"status": "maybe"}), "status"),
        ((0,), "limit"),
        ((50, "garbage!"), "cursor"),
        ((50, None, ["pending"]), "_schema"),
    ],
)
def test_list_meetings_refuses_bad_arguments(expo, acme, args, field):
    with pytest.raises(Invalid) as refused:
        expo.list_meetings(acme["id"], *args)
    assert field in refused.value.errors


def test_meetings_page_newest_first(expo, add_contact, acme):
    attendees = [f"6666666{n}-6666-6666-6666-666666666666" for n in range(3)]
    for attendee_id in attendees:
        add_contact(attendee_id, consent=True, full_name=attendee_id)
        request_meeting(expo, acme["id"], attendee_id)

    first = expo.list_meetings(acme["id"], 2)
    second = expo.list_meetings(acme["id"], 2, first["next_cursor"])

    seen = [m["attendee"]["full_name"] for m in first["items"] + second["items"]]
    assert seen == list(reversed(attendees))
    assert second["next_cursor"] is None


# -- analytics ---------------------------------------------------------------------------


def test_booth_analytics_count_every_interaction_per_day(expo, expo_db, add_contact, acme):
    product_id = acme["products"][0]["id"]
    rival = expo.create_exhibitor({**ACME, "name": "Rival"})
    add_contact(CONSENTING, consent=True)
    add_contact(PRIVATE, consent=False)
    for attendee_id, payload in [
        (CONSENTING, {"kind": "visit"}),
        (CONSENTING, {"kind": "visit"}),
        (CONSENTING, {"kind": "meeting_request"}),
        (PRIVATE, {"kind": "visit"}),
        (PRIVATE, {"kind": "download", "product_id": product_id}),
        (PRIVATE, {"kind": "visit"}),  # moved to yesterday below
    ]:
        last = expo.record_interaction(acme["id"], attendee_id, payload)
    expo.record_interaction(rival["id"], CONSENTING, {"kind": "visit"})
    today = utcnow().date()
    yesterday = today - timedelta(days=1)
    expo_db.execute(
        update(Interaction).where(Interaction.id == last["interaction_id"]).values(day=yesterday)
    )
    expo_db.commit()

    analytics = expo.booth_analytics(acme["id"])

    assert analytics["exhibitor_id"] == acme["id"]
    assert analytics["days"] == [
        {
            "day": yesterday.isoformat(),
            "visits": 1,
            "unique_visitors": 1,
            "downloads": 0,
            "meeting_requests": 0,
            "leads": 0,
        },
        {
            "day": today.isoformat(),
            "visits": 3,
            "unique_visitors": 2,
            "downloads": 1,
            "meeting_requests": 1,
            "leads": 1,
        },
    ]
    assert analytics["totals"] == {"visits": 4, "downloads": 1, "meeting_requests": 1, "leads": 1}
    only_today = expo.booth_analytics(acme["id"], today.isoformat())
    assert [day["day"] for day in only_today["days"]] == [today.isoformat()]
    assert expo.booth_analytics(rival["id"])["totals"]["visits"] == 1


def test_analytics_fill_a_requested_range_with_zeros(expo, acme):
    analytics = expo.booth_analytics(acme["id"], "2030-01-30", "2030-02-01")

    assert [day["day"] for day in analytics["days"]] == ["2030-01-30", "2030-01-31", "2030-02-01"]
    assert all(day["visits"] == day["leads"] == 0 for day in analytics["days"])
    assert expo.booth_analytics(acme["id"])["days"] == []


@pytest.mark.parametrize(
    "args, field",
    [
        (("2030-02-01", "2030-01-01"), "end"),
        (("2030-01-01", "2031-06-01"), "end"),
        (("yesterday",), "start"),
        ((None, 20300101), "end"),
    ],
)
def test_analytics_refuse_bad_ranges(expo, acme, args, field):
    with pytest.raises(Invalid) as refused:
        expo.booth_analytics(acme["id"], *args)
    assert field in refused.value.errors


def test_anonymized_leads_still_count_in_analytics(expo, expo_db, add_contact, acme):
    add_contact(CONSENTING, consent=True)
    expo.record_interaction(acme["id"], CONSENTING, {"kind": "visit"})
    expo_db.execute(update(Lead).values(attendee_id=None, anonymized_at=utcnow()))
    expo_db.commit()

    assert expo.booth_analytics(acme["id"])["totals"]["leads"] == 1
    assert expo.list_leads(acme["id"])["items"] == []
    assert count_rows(expo_db, Meeting) == 0
    assert expo_db.scalar(select(Lead.anonymized_at)) is not None
