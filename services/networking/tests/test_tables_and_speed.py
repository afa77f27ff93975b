"""Networking tables (presence, chat) and speed networking (pairing exactly once)."""

from datetime import timedelta

import eventlet
import pytest
from sqlalchemy import select, update

from contracts.errors import Conflict, Forbidden
from plumbing.events import utcnow
from plumbing.testing import count_rows, wait_until
from plumbing.tokens import new_id
from services.networking.models import ProgramSession, SpeedQueueEntry, SpeedRound
from services.networking.tests.conftest import INTERESTS, make_listed


def add_session(db, kind="networking", starts_in=timedelta(minutes=-5)):
    now = utcnow()
    session = ProgramSession(
        session_id=new_id(),
        title="Reconnect: speed networking",
        kind=kind,
        starts_at=now + starts_in,
        ends_at=now + starts_in + timedelta(hours=1),
        cancelled=False,
        updated_at=now,
    )
    db.add(session)
    db.commit()
    return session.session_id


def test_tables_have_presence_capacity_a_room_and_a_chat(networking, networking_db, listed):
    session_id = add_session(networking_db)
    table = networking.create_table(session_id, {"topic": "Digitizing archives", "capacity": 2})
    assert table["present"] == 0
    ada, ben, cy = listed("Ada Archivist"), listed("Ben Curator"), listed("Cy Third")
    seat = networking.join_table(ada, table["id"])
    assert seat["room_url"].endswith(table["id"]) and seat["heartbeat_seconds"] == 60
    networking.join_table(ada, table["id"])  # a heartbeat keeps the one seat
    networking.join_table(ben, table["id"])
    with pytest.raises(Conflict):
        networking.join_table(cy, table["id"])
    assert networking.list_tables(session_id)[0]["present"] == 2
    with pytest.raises(Conflict):  # not seated: reads, cannot write
        networking.post_table_message(cy, table["id"], {"body": "Hello?"})

    message = networking.post_table_message(ada, table["id"], {"body": "Welcome!"})
    assert [m["body"] for m in networking.list_table_messages(cy, table["id"])["items"]] == [
        "Welcome!"
    ]
    networking.set_message_hidden(message["id"], True)
    assert networking.list_table_messages(ben, table["id"])["items"][0]["body"] is None
    networking.silence(ben["attendee_id"])
    with pytest.raises(Forbidden):
        networking.post_table_message(ben, table["id"], {"body": "Spam"})

    networking.leave_table(ben, table["id"])
    networking.join_table(cy, table["id"])
    names = [p["full_name"] for p in networking.table_participants(ada, table["id"])]
    assert names == ["Ada Archivist", "Cy Third"]
    other = networking.create_table(session_id, {"topic": "Volunteers", "capacity": 5})
    networking.join_table(cy, other["id"])  # one table at a time
    assert [t["present"] for t in networking.list_tables(session_id)] == [1, 1]


def test_tables_are_for_open_networking_sessions_only(networking, networking_db, listed):
    panel = add_session(networking_db, kind="panel")
    with pytest.raises(Conflict):
        networking.create_table(panel, {"topic": "Nope", "capacity": 4})
    later = add_session(networking_db, starts_in=timedelta(hours=5))
    table = networking.create_table(later, {"topic": "Later", "capacity": 4})
    with pytest.raises(Conflict):
        networking.join_table(listed("Ada"), table["id"])


def test_speed_networking_pairs_by_interest_respects_blocks_and_rematch(
    networking, networking_db, listed
):
    session_id = add_session(networking_db)
    ada = listed("Ada Archivist", interests=["digital", "education"])
    ben = listed("Ben Curator", interests=["fundraising"])
    assert networking.join_speed_queue(ada, session_id)["status"] == "waiting"
    networking.block(ben, ada["attendee_id"])
    assert networking.join_speed_queue(ben, session_id)["status"] == "waiting"
    cy = listed("Cy Educator", interests=["education"])
    status = networking.join_speed_queue(cy, session_id)
    assert status["status"] == "paired"
    assert status["round"]["partner"]["full_name"] == "Ada Archivist"
    assert status["round"]["shared_interests"] == ["education"]
    assert networking.speed_status(ada, session_id)["round"]["id"] == status["round"]["id"]
    assert networking.speed_status(ben, session_id)["status"] == "waiting"

    # the round ends; the same two queue again: not re-matched within the interval
    networking_db.execute(update(SpeedRound).values(ends_at=utcnow() - timedelta(seconds=1)))
    networking_db.commit()
    networking.leave_speed_queue(ben, session_id)
    networking.join_speed_queue(ada, session_id)
    assert networking.join_speed_queue(cy, session_id)["status"] == "waiting"
    dee = listed("Dee New")
    assert networking.join_speed_queue(dee, session_id)["status"] == "paired"

    result = networking.connect_after_round(cy, status["round"]["id"])
    assert result["status"] == "pending"
    assert networking.connect_after_round(ada, status["round"]["id"])["status"] == "connected"


@pytest.mark.skipif(
    "os.environ.get('PLENARY_TEST_DATABASE') == 'sqlite'", reason="needs PostgreSQL row locks"
)
def test_pairing_never_puts_anyone_in_two_pairs_with_two_replicas(
    start_service, rpc_proxy, networking_db
):
    for _ in range(2):
        start_service("networking", SPEED_PAIRING_INTERVAL=0.05, MAX_WORKERS=20)
    proxies = [rpc_proxy("networking") for _ in range(8)]
    proxies[0].replace_interests({"interests": INTERESTS})
    session_id = add_session(networking_db)
    topics = [item["id"] for item in INTERESTS]
    people = [
        make_listed(proxies[0], f"Person {n:02d}", interests=[topics[n % 4], topics[(n + 1) % 4]])
        for n in range(40)
    ]
    pool = eventlet.GreenPool(8)

    def queue_share(index):
        for person in people[index::8]:
            proxies[index].join_speed_queue(person, session_id)

    list(pool.imap(queue_share, range(8)))
    wait_until(
        lambda: count_rows(networking_db, SpeedQueueEntry) == 0, timeout=15, what="all paired"
    )
    rounds = networking_db.execute(select(SpeedRound.attendee_a, SpeedRound.attendee_b)).all()
    members = [member for pair in rounds for member in pair]
    assert len(rounds) == 20
    assert sorted(members) == sorted(person["attendee_id"] for person in people)
