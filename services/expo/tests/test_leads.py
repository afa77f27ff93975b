"""Interactions and leads: the consent rule, scoring, scoping, bad input."""

import itertools
from datetime import date

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import event, select

from contracts.enums import INTERACTION_KINDS
from contracts.errors import Invalid, NotFound
from plumbing.db import shared_engine
from plumbing.events import utcnow
from plumbing.outbox import outbox_table
from plumbing.testing import count_rows, outbox_envelopes
from services.expo.leads import LEAD_SCORE_WEIGHTS, lead_score
from services.expo.models import Interaction, Lead, Meeting
from services.expo.tests.conftest import ACME

CONSENTING = "11111111-1111-1111-1111-111111111111"
PRIVATE = "22222222-2222-2222-2222-222222222222"


@pytest.fixture
def acme(expo):
    return expo.create_exhibitor(ACME)


@pytest.fixture
def product_id(acme):
    return acme["products"][0]["id"]


def test_every_interaction_kind_has_a_weight():
    assert set(LEAD_SCORE_WEIGHTS) == set(INTERACTION_KINDS)


def test_consenting_attendee_becomes_one_lead_with_a_summed_score(
    expo, expo_db, add_contact, acme, product_id
):
    add_contact(CONSENTING, consent=True, full_name="Ada Visitor")

    visit = expo.record_interaction(acme["id"], CONSENTING, {"kind": "visit"})
    download = expo.record_interaction(
        acme["id"], CONSENTING, {"kind": "download", "product_id": product_id}
    )
    meeting = expo.record_interaction(
        acme["id"], CONSENTING, {"kind": "meeting_request", "message": "Tuesday?"}
    )

    assert visit["kind"] == "visit" and visit["lead_id"]
    assert download["lead_id"] == meeting["lead_id"] == visit["lead_id"]
    [lead] = expo.list_leads(acme["id"])["items"]
    assert lead["id"] == visit["lead_id"]
    assert lead["score"] == 1 + 5 + 10
    assert lead["attendee"] == {
        "full_name": "Ada Visitor",
        "email": f"{CONSENTING}@example.org",
        "organization": "Town Museum",
    }
    assert [(i["kind"], i["product_id"], i["message"]) for i in lead["interactions"]] == [
        ("visit", None, None),
        ("download", product_id, None),
        ("meeting_request", None, "Tuesday?"),
    ]
    assert set(lead) == {"id", "attendee", "score", "interactions", "created_at", "updated_at"}
    assert lead["updated_at"] == lead["interactions"][-1]["occurred_at"]
    assert count_rows(expo_db, Lead) == 1


def test_lead_events_announce_capture_then_updates(expo, expo_db, add_contact, acme):
    add_contact(CONSENTING, consent=True)

    first = expo.record_interaction(acme["id"], CONSENTING, {"kind": "visit"})
    second = expo.record_interaction(
        acme["id"], CONSENTING, {"kind": "meeting_request", "message": "Call me"}
    )

    events = outbox_envelopes(expo_db)
    assert [e["type"] for e in events] == [
        "exhibitor_created",
        "lead_captured",
        "lead_updated",
        "meeting_requested",
    ]
    captured, updated, meeting = (e["data"] for e in events[1:])
    assert captured["lead_id"] == updated["lead_id"] == first["lead_id"]
    assert captured["exhibitor_id"] == acme["id"]
    assert captured["attendee"] == {
        "attendee_id": CONSENTING,
        "full_name": "Ada Visitor",
        "email": f"{CONSENTING}@example.org",
        "organization": "Town Museum",
    }
    assert (captured["score"], updated["score"]) == (1, 11)
    assert captured["interaction"]["interaction_id"] == first["interaction_id"]
    assert captured["interaction"]["kind"] == "visit"
    assert set(captured["interaction"]) == {
        "interaction_id",
        "kind",
        "product_id",
        "message",
        "occurred_at",
    }
    assert updated["interaction"]["interaction_id"] == second["interaction_id"]
    assert meeting == {
        "exhibitor_id": acme["id"],
        "attendee_id": CONSENTING,
        "lead_id": first["lead_id"],
        "message": "Call me",
        "meeting_id": second["meeting_id"],
        "exhibitor_name": ACME["name"],
        "proposed_times": [],
    }


def test_non_consenting_visitor_is_an_anonymous_count_only(
    expo, expo_db, add_contact, acme, product_id
):
    add_contact(PRIVATE, consent=False, full_name="Private Person")

    answers = [
        expo.record_interaction(acme["id"], PRIVATE, {"kind": "visit"}),
        expo.record_interaction(
            acme["id"], PRIVATE, {"kind": "download", "product_id": product_id}
        ),
        expo.record_interaction(acme["id"], PRIVATE, {"kind": "meeting_request", "message": "hi"}),
    ]

    assert [a["lead_id"] for a in answers] == [None, None, None]
    assert [a["kind"] for a in answers] == ["visit", "download", "meeting_request"]
    assert expo.list_leads(acme["id"]) == {"items": [], "next_cursor": None}
    assert count_rows(expo_db, Lead) == 0
    interactions = expo_db.scalars(select(Interaction)).all()
    assert len(interactions) == 3
    assert all(i.attendee_id is None and i.lead_id is None for i in interactions)
    assert all(i.message is None for i in interactions)  # their words are not kept either
    assert count_rows(expo_db, Meeting) == 0
    assert answers[2]["meeting_id"] is None
    assert [e["type"] for e in outbox_envelopes(expo_db)] == ["exhibitor_created"]
    raw_outbox = " ".join(expo_db.scalars(select(outbox_table.c.envelope)))
    assert PRIVATE not in raw_outbox and "Private Person" not in raw_outbox


def test_consent_is_per_attendee_at_the_same_booth(expo, expo_db, add_contact, acme):
    add_contact(CONSENTING, consent=True)
    add_contact(PRIVATE, consent=False, full_name="Private Person")

    expo.record_interaction(acme["id"], PRIVATE, {"kind": "visit"})
    expo.record_interaction(acme["id"], CONSENTING, {"kind": "visit"})
    expo.record_interaction(acme["id"], PRIVATE, {"kind": "meeting_request"})

    [lead] = expo.list_leads(acme["id"])["items"]
    assert lead["attendee"]["full_name"] == "Ada Visitor"
    assert lead["score"] == 1
    assert [e["type"] for e in outbox_envelopes(expo_db)] == ["exhibitor_created", "lead_captured"]
    raw_outbox = " ".join(expo_db.scalars(select(outbox_table.c.envelope)))
    assert PRIVATE not in raw_outbox and "Private Person" not in raw_outbox


def test_score_does_not_depend_on_the_order_of_interactions(expo, add_contact, product_id, acme):
    kinds = [
        {"kind": "meeting_request"},
        {"kind": "visit"},
        {"kind": "download", "product_id": product_id},
        {"kind": "visit"},
    ]
    other = "33333333-3333-3333-3333-333333333333"
    add_contact(CONSENTING, consent=True)
    add_contact(other, consent=True)

    for payload in kinds:
        expo.record_interaction(acme["id"], CONSENTING, payload)
    for payload in reversed(kinds):
        expo.record_interaction(acme["id"], other, payload)

    scores = [lead["score"] for lead in expo.list_leads(acme["id"])["items"]]
    assert scores == [10 + 1 + 5] * 2  # two visits on one day count once


def test_concurrent_interactions_make_one_lead_and_one_capture(
    expo, expo_db, add_contact, acme, rabbit_config
):
    add_contact(CONSENTING, consent=True)

    def visit(_):
        with ServiceRpcProxy("expo", rabbit_config) as proxy:
            return proxy.record_interaction(acme["id"], CONSENTING, {"kind": "visit"})

    answers = list(eventlet.GreenPool(8).imap(visit, range(8)))

    assert len({answer["lead_id"] for answer in answers}) == 1
    [lead] = expo.list_leads(acme["id"])["items"]
    assert lead["score"] == 1 and len(lead["interactions"]) == 8
    types = [e["type"] for e in outbox_envelopes(expo_db)]
    assert (types.count("lead_captured"), types.count("lead_updated")) == (1, 7)
    scores = [e["data"]["score"] for e in outbox_envelopes(expo_db) if "lead_id" in e["data"]]
    assert scores == [1] * 8


def test_exhibitor_sees_only_its_own_leads(expo, add_contact, acme):
    rival = expo.create_exhibitor({**ACME, "name": "Rival Cases"})
    add_contact(CONSENTING, consent=True)
    rivals_only = "33333333-3333-3333-3333-333333333333"
    add_contact(rivals_only, consent=True, full_name="Rival Fan")

    acme_lead = expo.record_interaction(acme["id"], CONSENTING, {"kind": "visit"})["lead_id"]
    expo.record_interaction(
        rival["id"], CONSENTING, {"kind": "meeting_request", "message": "for rival"}
    )
    expo.record_interaction(rival["id"], rivals_only, {"kind": "visit"})

    [lead] = expo.list_leads(acme["id"])["items"]
    assert lead["id"] == acme_lead
    assert lead["score"] == 1
    assert [i["kind"] for i in lead["interactions"]] == ["visit"]
    rival_leads = expo.list_leads(rival["id"])["items"]
    assert {lead["attendee"]["full_name"] for lead in rival_leads} == {"Ada Visitor", "Rival Fan"}
    assert acme_lead not in {lead["id"] for lead in rival_leads}


def test_leads_are_listed_newest_first_in_pages(expo, add_contact, acme):
    attendees = [f"4444444{n}-4444-4444-4444-444444444444" for n in range(5)]
    for attendee_id in attendees:
        add_contact(attendee_id, consent=True, full_name=attendee_id)
        expo.record_interaction(acme["id"], attendee_id, {"kind": "visit"})

    seen, cursor = [], None
    for _ in range(5):
        page = expo.list_leads(acme["id"], 2, cursor)
        assert len(page["items"]) <= 2
        seen += [lead["attendee"]["full_name"] for lead in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == list(reversed(attendees))


def test_product_of_another_exhibitor_is_not_found(expo, expo_db, add_contact, acme):
    rival = expo.create_exhibitor({**ACME, "name": "Rival Cases"})
    add_contact(CONSENTING, consent=True)

    with pytest.raises(NotFound) as refused:  # no such product at this booth
        expo.record_interaction(
            acme["id"], CONSENTING, {"kind": "download", "product_id": rival["products"][0]["id"]}
        )

    assert "product_id" in refused.value.errors
    with pytest.raises(NotFound):  # nor one that is no product at all
        expo.record_interaction(acme["id"], CONSENTING, {"kind": "visit", "product_id": "nope"})
    assert count_rows(expo_db, Interaction) == 0


def test_interaction_with_unknown_exhibitor_is_not_found(expo, expo_db, add_contact):
    add_contact(CONSENTING, consent=True)
    with pytest.raises(NotFound):
        expo.record_interaction(
            "00000000-0000-0000-0000-000000000000", CONSENTING, {"kind": "visit"}
        )
    assert count_rows(expo_db, Interaction) == 0


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "kind"),
        ({"kind": "stare"}, "kind"),
        ({"kind": None}, "kind"),
        ({"kind": ["visit"]}, "kind"),
        ({"kind": "download"}, "product_id"),
        ({"kind": "download", "product_id": None}, "product_id"),
        ({"kind": "visit", "product_id": 7}, "product_id"),
        ({"kind": "visit", "product_id": "x" * 1000}, "product_id"),
        ({"kind": "meeting_request", "message": "x" * 2001}, "message"),
        ({"kind": "meeting_request", "message": 42}, "message"),
        ({"kind": "visit", "lead_id": "chosen"}, "lead_id"),
        ({"kind": "visit", "proposed_times": ["2030-01-01T10:00:00+00:00"]}, "proposed_times"),
        ({"kind": "meeting_request", "proposed_times": ["2030-01-01T10:00:00"]}, "proposed_times"),
        ({"kind": "meeting_request", "proposed_times": ["soon"]}, "proposed_times"),
        ({"kind": "meeting_request", "proposed_times": "2030-01-01T10:00:00Z"}, "proposed_times"),
        (
            {"kind": "meeting_request", "proposed_times": ["2030-01-01T10:00:00+00:00"] * 6},
            "proposed_times",
        ),
        ("visit", "_schema"),
        (None, "_schema"),
    ],
)
def test_invalid_interaction_is_refused_and_writes_nothing(
    expo, expo_db, add_contact, acme, payload, field
):
    add_contact(CONSENTING, consent=True)

    with pytest.raises(Invalid) as refused:
        expo.record_interaction(acme["id"], CONSENTING, payload)

    assert field in refused.value.errors
    assert count_rows(expo_db, Interaction) == 0
    assert count_rows(expo_db, Lead) == 0
    assert count_rows(expo_db, Meeting) == 0
    assert [e["type"] for e in outbox_envelopes(expo_db)] == ["exhibitor_created"]


@pytest.mark.parametrize(
    "exhibitor_id, attendee_id, field",
    [
        (None, CONSENTING, "exhibitor_id"),
        (42, CONSENTING, "exhibitor_id"),
        ("", CONSENTING, "exhibitor_id"),
        ("acme", None, "attendee_id"),
        ("acme", 42, "attendee_id"),
        ("acme", {"id": CONSENTING}, "attendee_id"),
        ("acme", CONSENTING * 30, "attendee_id"),
        (CONSENTING * 30, CONSENTING, "exhibitor_id"),
    ],
)
def test_interaction_needs_string_ids(
    expo, expo_db, add_contact, acme, exhibitor_id, attendee_id, field
):
    add_contact(CONSENTING, consent=True)
    exhibitor_id = acme["id"] if exhibitor_id == "acme" else exhibitor_id

    with pytest.raises(Invalid) as refused:
        expo.record_interaction(exhibitor_id, attendee_id, {"kind": "visit"})

    assert field in refused.value.errors
    assert count_rows(expo_db, Interaction) == 0


def test_the_longest_message_is_accepted(expo, add_contact, acme):
    add_contact(CONSENTING, consent=True)
    expo.record_interaction(
        acme["id"], CONSENTING, {"kind": "meeting_request", "message": "m" * 2000}
    )
    [lead] = expo.list_leads(acme["id"])["items"]
    assert lead["interactions"][0]["message"] == "m" * 2000


@pytest.mark.parametrize(
    "args, error, field",
    [
        ((None,), Invalid, "exhibitor_id"),
        ((42,), Invalid, "exhibitor_id"),
        (("00000000-0000-0000-0000-000000000000",), NotFound, None),
        (("acme", 0), Invalid, "limit"),
        (("acme", -5), Invalid, "limit"),
        (("acme", 201), Invalid, "limit"),
        (("acme", "50"), Invalid, "limit"),
        (("acme", 50, "garbage!"), Invalid, "cursor"),
        (("acme", 50, ["cursor"]), Invalid, "cursor"),
        (("acme", 50, "WyJub3QgYSB0aW1lIiwgIngiXQ"), NotFound, None),  # ["not a time", "x"]
        (("acme", 50, "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgIngiXQ"), NotFound, None),  # naive
        (("acme", 50, None, {"min_score": -1}), Invalid, "min_score"),
        (("acme", 50, None, {"min_score": "5"}), Invalid, "min_score"),
        (("acme", 50, None, {"since": "yesterday"}), Invalid, "since"),
        (("acme", 50, None, {"until": "2026-01-01T00:00:00"}), Invalid, "until"),
        (("acme", 50, None, {"email": "x"}), Invalid, "email"),
        (("acme", 50, None, "min_score"), Invalid, "_schema"),
    ],
)
def test_list_leads_refuses_bad_arguments(expo, acme, args, error, field):
    args = (acme["id"], *args[1:]) if args[0] == "acme" else args
    with pytest.raises(error) as refused:
        expo.list_leads(*args)
    if field:
        assert field in refused.value.errors


DAY_1, DAY_2 = date(2026, 5, 4), date(2026, 5, 5)
MANY_INTERACTIONS = [
    ("visit", None, DAY_1),
    ("visit", None, DAY_1),
    ("visit", None, DAY_2),
    ("download", "p1", DAY_1),
    ("download", "p1", DAY_2),
    ("download", "p2", DAY_2),
    ("meeting_request", None, DAY_1),
    ("meeting_request", None, DAY_2),
]


def test_score_is_a_function_of_the_set_of_interactions():
    expected = 2 * 1 + 2 * 5 + 10  # two visit days, two products, a meeting
    assert lead_score(MANY_INTERACTIONS) == expected
    for order in itertools.islice(itertools.permutations(MANY_INTERACTIONS), 0, None, 97):
        assert lead_score(order) == expected
    assert lead_score(MANY_INTERACTIONS * 2) == expected  # each delivered twice
    assert lead_score([]) == 0


def test_score_grows_by_kind():
    visit, download, meeting = (
        lead_score([interaction])
        for interaction in [("visit", None, DAY_1), ("download", "p", DAY_1), MANY_INTERACTIONS[6]]
    )
    assert 0 < visit < download < meeting


def test_leads_filter_by_score_and_capture_time(expo, add_contact, acme, product_id):
    keen, casual = "55555555-5555-5555-5555-555555555555", CONSENTING
    add_contact(casual, consent=True, full_name="Casual")
    expo.record_interaction(acme["id"], casual, {"kind": "visit"})
    middle = utcnow()
    add_contact(keen, consent=True, full_name="Keen")
    expo.record_interaction(acme["id"], keen, {"kind": "download", "product_id": product_id})

    def who(filters):
        return [
            lead["attendee"]["full_name"]
            for lead in expo.list_leads(acme["id"], 50, None, filters)["items"]
        ]

    assert who({}) == ["Keen", "Casual"]
    assert who({"min_score": 5}) == ["Keen"]
    assert who({"min_score": 6}) == []
    assert who({"since": middle.isoformat()}) == ["Keen"]
    assert who({"until": middle.isoformat()}) == ["Casual"]
    assert who({"since": middle.isoformat(), "min_score": 0}) == ["Keen"]
    assert expo.list_leads(acme["id"], 1, None, {"min_score": 2})["next_cursor"] is None


@pytest.fixture
def statements(database_url):
    """The first words of each statement expo's workers send (not the outbox relay's)."""
    seen = []

    def note(_conn, _cursor, statement, *_args):
        if "FROM outbox" not in statement and "UPDATE outbox" not in statement:
            seen.append(" ".join(statement.split()[:3]))

    engine = shared_engine(database_url("expo"))
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_a_new_lead_costs_four_statements(expo, add_contact, acme, statements, product_id):
    """The exhibitor with the contact, the lead's upsert, the interaction and its event
    (these two in one round trip on PostgreSQL); plus BEGIN and COMMIT."""
    add_contact(CONSENTING, consent=True)
    add_contact(PRIVATE, consent=False)
    del statements[:]

    first = expo.record_interaction(acme["id"], CONSENTING, {"kind": "visit"})
    assert statements == [
        "SELECT exhibitors.id, exhibitors.name,",
        "INSERT INTO leads",
        "INSERT INTO interactions",
        "INSERT INTO outbox",
    ]
    del statements[:]
    again = expo.record_interaction(acme["id"], CONSENTING, {"kind": "visit"})
    assert statements == [  # the same signal: the score stays, no UPDATE
        "SELECT exhibitors.id, exhibitors.name,",
        "INSERT INTO leads",
        "SELECT interactions.kind, interactions.product_id,",
        "INSERT INTO interactions",
        "INSERT INTO outbox",
    ]
    del statements[:]
    expo.record_interaction(acme["id"], CONSENTING, {"kind": "download", "product_id": product_id})
    assert statements[2:] == [
        "SELECT interactions.kind, interactions.product_id,",
        "INSERT INTO interactions",
        "UPDATE leads SET",
        "INSERT INTO outbox",
    ]
    del statements[:]
    expo.record_interaction(acme["id"], PRIVATE, {"kind": "visit"})
    assert statements == ["SELECT exhibitors.id, exhibitors.name,", "INSERT INTO interactions"]
    assert first["lead_id"] == again["lead_id"]
    [lead] = expo.list_leads(acme["id"])["items"]
    assert lead["score"] == 1 + 5 and len(lead["interactions"]) == 3
