"""Attendees' agendas and the holders of a session, over RPC."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from contracts.errors import Conflict, Invalid, NotFound
from plumbing.events import utcnow
from plumbing.testing import count_rows
from services.sessions.models import AgendaEntry, ProgramSession
from services.sessions.tests.conftest import ONE_HOUR, add_session

ALICE = "3f1c2a7e-4b5d-4e8f-9a0b-1c2d3e4f5a6b"
BOB = "8d7e6f5a-4b3c-4d2e-8f1a-0b9c8d7e6f5a"
UNKNOWN_SESSION = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def talks(db):
    """Two future sessions, the later one inserted first."""
    later = add_session(db, timedelta(days=3), ONE_HOUR, title="Later")
    sooner = add_session(db, timedelta(days=2), ONE_HOUR, title="Sooner")
    return sooner, later


def test_add_is_idempotent_and_agenda_is_ordered_by_start(sessions, db, talks):
    sooner, later = talks
    first = sessions.add_to_agenda(ALICE, later)
    again = sessions.add_to_agenda(ALICE, later)
    sessions.add_to_agenda(ALICE, sooner)

    assert first == again and first["session_id"] == later
    assert count_rows(db, AgendaEntry) == 2
    assert [s["title"] for s in sessions.get_agenda(ALICE)] == ["Sooner", "Later"]
    assert sessions.get_agenda(BOB) == []


def test_remove_is_idempotent(sessions, db, talks):
    sooner, later = talks
    sessions.add_to_agenda(ALICE, sooner)
    sessions.add_to_agenda(BOB, sooner)

    assert sessions.remove_from_agenda(ALICE, sooner) is None
    assert sessions.remove_from_agenda(ALICE, sooner) is None
    assert sessions.remove_from_agenda(ALICE, later) is None
    assert sessions.remove_from_agenda(ALICE, UNKNOWN_SESSION) is None
    assert sessions.get_agenda(ALICE) == []
    assert [s["id"] for s in sessions.get_agenda(BOB)] == [sooner]


def test_unknown_or_cancelled_session_cannot_be_added(sessions, db, talks):
    sooner, _ = talks
    with pytest.raises(NotFound):
        sessions.add_to_agenda(ALICE, UNKNOWN_SESSION)
    db.execute(update(ProgramSession).where(ProgramSession.id == sooner).values(status="cancelled"))
    db.commit()
    with pytest.raises(Conflict):
        sessions.add_to_agenda(ALICE, sooner)
    assert count_rows(db, AgendaEntry) == 0


BAD_IDS = [None, 42, "", "x" * 37, ["id"], {"id": ALICE}, "a\x00b"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_agenda_methods_refuse_bad_ids(sessions, db, talks, bad):
    sooner, _ = talks
    calls = [
        lambda: sessions.add_to_agenda(bad, sooner),
        lambda: sessions.add_to_agenda(ALICE, bad),
        lambda: sessions.remove_from_agenda(bad, sooner),
        lambda: sessions.remove_from_agenda(ALICE, bad),
        lambda: sessions.get_agenda(bad),
        lambda: sessions.agenda_holders(bad),
    ]
    for call in calls:
        with pytest.raises(Invalid):
            call()
    assert count_rows(db, AgendaEntry) == 0


def test_agenda_holders_pages_through_thousands(sessions, db, talks):
    sooner, later = talks
    holders = sorted(str(uuid.uuid4()) for _ in range(2500))
    now = utcnow()
    db.execute(
        insert(AgendaEntry),
        [{"session_id": sooner, "attendee_id": a, "added_at": now} for a in holders],
    )
    db.execute(insert(AgendaEntry), [{"session_id": later, "attendee_id": ALICE, "added_at": now}])
    db.commit()

    pages, cursor = [], None
    while True:
        page = sessions.agenda_holders(sooner, cursor=cursor)
        pages.append(page["attendee_ids"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [1000, 1000, 500]
    assert [a for p in pages for a in p] == holders


def test_agenda_holders_small_pages_and_edges(sessions, talks):
    sooner, later = talks
    for attendee in (BOB, ALICE):
        sessions.add_to_agenda(attendee, sooner)

    first = sessions.agenda_holders(sooner, limit=1)
    assert first["attendee_ids"] == [ALICE]
    second = sessions.agenda_holders(sooner, cursor=first["next_cursor"], limit=1)
    assert second == {"attendee_ids": [BOB], "next_cursor": None}
    assert sessions.agenda_holders(later) == {"attendee_ids": [], "next_cursor": None}
    with pytest.raises(NotFound):
        sessions.agenda_holders(UNKNOWN_SESSION)


@pytest.mark.parametrize(
    "cursor, limit",
    [
        (None, 0),
        (None, -1),
        (None, 5001),
        (None, "10"),
        (None, 2.5),
        (None, None),
        ("garbage!!", 10),
        ("", 10),
        (7, 10),
    ],
)
def test_agenda_holders_refuses_bad_paging(sessions, talks, cursor, limit):
    with pytest.raises(Invalid):
        sessions.agenda_holders(talks[0], cursor=cursor, limit=limit)


def test_agenda_holders_finds_no_page_at_a_cursor_it_did_not_hand_out(sessions, talks):
    with pytest.raises(NotFound):
        sessions.agenda_holders(talks[0], cursor="WyJhIiwgImIiXQ", limit=10)  # ["a", "b"]
