"""Seats of capped ticket types (``seats.py``), against the real PostgreSQL: the counter
never lets a type past its capacity under concurrency, follows cancellations and
erasures, and is counted again when a capacity is set; a registration costs few
statements."""

import contextlib

import eventlet
import pytest
from alembic import command
from sqlalchemy import create_engine, event, func, select, text

from contracts.enums import ATTENDEE_REGISTERED
from contracts.errors import Conflict
from plumbing.db import shared_engine
from plumbing.migrations import alembic_config
from plumbing.testing import LoginCodeTap
from services.registration.models import Attendee, TicketType

ALICE = {"email": "alice@example.org", "full_name": "Alice", "ticket_type": "student"}


@pytest.fixture
def registration(start_service, rpc_proxy):
    # two replicas of 10 workers each: up to 20 registrations in flight at once
    start_service("registration")
    start_service("registration")
    return rpc_proxy("registration")


def body(n, ticket_type="student"):
    return {**ALICE, "email": f"person{n}@example.org", "ticket_type": ticket_type}


def seats(db, ticket_type="student"):
    """(taken, registered attendees) of the type, as committed now."""
    db.rollback()
    taken = db.scalar(select(TicketType.taken).where(TicketType.name == ticket_type))
    registered = db.scalar(
        select(func.count())
        .select_from(Attendee)
        .where(Attendee.ticket_type == ticket_type, Attendee.status == ATTENDEE_REGISTERED)
    )
    return taken, registered


def outcomes(calls):
    """The answers of async RPCs: 'ok' or the exception class name."""
    answers = []
    for call in calls:
        try:
            call.result()
            answers.append("ok")
        except Exception as exc:
            answers.append(type(exc).__name__)
    return answers


def test_concurrent_registrations_never_pass_the_capacity(registration, db_session):
    registration.set_ticket_capacity("student", 7)
    calls = [registration.register.call_async(body(n)) for n in range(60)]
    answers = outcomes(calls)
    assert answers.count("ok") == 7
    assert answers.count("Conflict") == 53
    assert seats(db_session("registration")) == (7, 7)


def test_concurrent_cancellations_free_exactly_their_seats(registration, db_session):
    registration.set_ticket_capacity("student", 10)
    for n in range(10):
        registration.register(body(n))
    db = db_session("registration")
    ids = db.scalars(select(Attendee.id).order_by(Attendee.registered_at)).all()
    # cancel four (one twice) and erase two (one of them cancelled too) while thirty
    # newcomers compete for the seats they free
    cancel = [registration.cancel_registration.call_async(i, "attendee") for i in ids[:4]]
    cancel.append(registration.cancel_registration.call_async(ids[0], "organizer"))
    erase = [registration.erase_attendee.call_async(i) for i in (ids[3], ids[4])]
    newcomers = [registration.register.call_async(body(100 + n)) for n in range(30)]
    # the erasure of the fourth may come first: cancelling it then finds no one
    assert set(outcomes(cancel + erase)) <= {"ok", "NotFound"}
    answers = outcomes(newcomers)
    taken, registered = seats(db)
    assert taken == registered <= 10
    # the five freed seats (four cancelled, one more erased) went to newcomers, unless a
    # newcomer came before the seat was free
    assert answers.count("ok") == registered - 5
    assert set(answers) <= {"ok", "Conflict"}
    for n in range(200, 210):  # afterwards, exactly the free seats are taken
        with contextlib.suppress(Conflict):
            registration.register(body(n))
    assert seats(db) == (10, 10)


def test_the_counter_follows_cancellation_and_erasure(registration, db_session, rabbit_config):
    tap = LoginCodeTap(rabbit_config["AMQP_URI"])
    try:
        registration.set_ticket_capacity("student", 2)
        registration.register(body(1))
        registration.register(body(2))
        with pytest.raises(Conflict):
            registration.register(body(3))
        with pytest.raises(Conflict):  # a known address is refused alike
            registration.register(body(1))
        db = db_session("registration")
        first, second = db.scalars(select(Attendee.id).order_by(Attendee.registered_at)).all()
        registration.cancel_registration(first, "attendee")
        registration.cancel_registration(first, "attendee")  # changes nothing
        assert seats(db) == (1, 1)
        registration.erase_attendee(first)  # cancelled already: no seat to give back
        assert seats(db) == (1, 1)
        registration.erase_attendee(second)
        registration.erase_attendee(second)
        assert seats(db) == (0, 0)
        registration.register(body(1))  # the address is free again, and so are seats
        registration.register(body(4))
        with pytest.raises(Conflict):
            registration.register(body(5))
        assert seats(db) == (2, 2)
        registration.set_ticket_capacity("student", 3)
        registration.register(body(1))  # known, and room: the owner gets a code, no seat
        assert seats(db) == (2, 2)
        tap.code_for(body(1)["email"])
    finally:
        tap.close()


def test_setting_a_capacity_counts_the_registrations_made_while_unlimited(registration, db_session):
    for n in range(3):
        registration.register(body(n))
    registration.cancel_registration(
        db_session("registration").scalars(select(Attendee.id)).first(), "organizer"
    )
    db = db_session("registration")
    registration.set_ticket_capacity("student", 3)
    assert seats(db) == (2, 2)
    registration.register(body(10))
    with pytest.raises(Conflict):
        registration.register(body(11))
    registration.set_ticket_capacity("student", None)  # lifted: anyone may register
    registration.register(body(11))
    registration.register(body(12))
    registration.set_ticket_capacity("student", 6)
    assert seats(db) == (5, 5)


def test_a_capacity_set_while_registrations_are_in_flight_counts_them(registration, db_session):
    calls = [registration.register.call_async(body(n)) for n in range(40)]
    eventlet.sleep(0.05)
    registration.set_ticket_capacity("student", 1000)
    assert set(outcomes(calls)) == {"ok"}
    taken, registered = seats(db_session("registration"))
    assert taken == registered == 40


def test_a_registration_costs_five_statements(registration, database_url):
    """The request's id (once_rpc), the attendee, the login code, both events, the seat
    (plus BEGIN and COMMIT)."""
    registration.set_ticket_capacity("member", 100)
    statements = []

    def note(_conn, _cursor, statement, *_args):
        if "FROM outbox" not in statement and "UPDATE outbox" not in statement:
            statements.append(statement.split()[0:3])  # not the relay's own

    engine = shared_engine(database_url("registration"))
    event.listen(engine, "before_cursor_execute", note)
    try:
        for ticket_type, n in (("member", 1), ("non_member", 2)):  # capped, unlimited
            del statements[:]
            registration.register(body(n, ticket_type))
            assert [s[:3] for s in statements] == [
                ["INSERT", "INTO", "processed_events"],
                ["INSERT", "INTO", "attendees"],
                ["INSERT", "INTO", "login_codes"],
                ["INSERT", "INTO", "outbox"],
                ["WITH", "bumped", "AS"],
            ], ticket_type
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_the_migration_counts_the_registered_attendees(database_url):
    url = database_url("registration")
    config = alembic_config("registration", url)
    command.downgrade(config, "0003")
    engine = create_engine(url)
    with engine.begin() as conn:
        for n, (ticket_type, status) in enumerate(
            [("student", "registered"), ("student", "registered"), ("student", "cancelled")]
            + [("speaker", "registered"), ("member", "erased")]
        ):
            conn.execute(
                text(
                    "INSERT INTO attendees (id, email, full_name, organization, job_title,"
                    " accessibility_needs, ticket_type, share_with_exhibitors,"
                    " share_with_exhibitors_at, marketing, marketing_at, status, registered_at)"
                    " VALUES (:id, '', '', '', '', '', :type, false, now(), false, now(),"
                    " :status, now())"
                ),
                {"id": f"att-{n}", "type": ticket_type, "status": status},
            )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        taken = dict(conn.execute(text("SELECT name, taken FROM ticket_types")).all())
    engine.dispose()
    assert taken == {
        "member": 0,
        "non_member": 0,
        "student": 2,
        "speaker": 1,
        "exhibitor_staff": 0,
        "complimentary": 0,
    }
