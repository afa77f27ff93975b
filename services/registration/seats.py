"""Seats of capped ticket types: ``ticket_types.taken`` counts a capped type's registered
attendees, so a registration takes a seat with one guarded UPDATE (``taken < capacity``)
rather than counting attendees under a lock.

Why the counter stays right:

- a registration takes its seat in its own transaction, as its **last** statement before
  the commit: the type's row is locked only from there to the commit, and the guarded
  UPDATE re-reads a row another registration changed meanwhile (PostgreSQL re-checks
  the condition on the latest version), so two cannot take the last seat;
- cancelling and erasing a registered attendee give the seat back in theirs;
- an unlimited type's count is not kept (its registrations touch the row not at all):
  setting a capacity counts the type's registered attendees again, after locking the
  attendees table against writers (``SHARE``). A registration inserts its attendee
  *before* it looks at the capacity, so one in flight either finishes before the count
  or waits for it and then sees the new capacity.
"""

from sqlalchemy import exists, func, or_, select, text, update

from contracts.enums import ATTENDEE_REGISTERED
from services.registration.models import Attendee, TicketType


def _bump(ticket_type):
    """The guarded UPDATE taking one seat of a capped type (no row if none is left)."""
    return (
        update(TicketType)
        .where(
            TicketType.name == ticket_type,
            TicketType.capacity.is_not(None),
            TicketType.taken < TicketType.capacity,
        )
        .values(taken=TicketType.taken + 1)
        .returning(TicketType.name)
    )


def take_seat(db, ticket_type):
    """True if the registration has its seat: the type is unlimited, or one was left
    and is now taken. Run it last before the commit (the row stays locked until then)."""
    if db.get_bind().dialect.name == "postgresql":
        # one round trip: the bump as a CTE, the answer from the same snapshot
        bumped = _bump(ticket_type).cte("bumped")
        return db.scalar(
            select(or_(TicketType.capacity.is_(None), exists(select(bumped.c.name)))).where(
                TicketType.name == ticket_type
            )
        )
    capacity = db.scalar(select(TicketType.capacity).where(TicketType.name == ticket_type))
    return capacity is None or db.scalar(_bump(ticket_type)) is not None


def has_seat(db, ticket_type):
    """Whether the type has a seat left (nothing taken, nothing locked)."""
    capacity, taken = db.execute(
        select(TicketType.capacity, TicketType.taken).where(TicketType.name == ticket_type)
    ).one()
    return capacity is None or taken < capacity


def free_seat(db, ticket_type):
    """A registered attendee of the type is cancelled or erased: their seat is free. Call
    it after changing the attendee (flushed here first: see ``recount``)."""
    db.flush()
    db.execute(
        update(TicketType)
        .where(
            TicketType.name == ticket_type, TicketType.capacity.is_not(None), TicketType.taken > 0
        )
        .values(taken=TicketType.taken - 1)
    )


def set_capacity(db, ticket_type, capacity):
    """Set (None: lift) the type's capacity and count its registered attendees again."""
    if db.get_bind().dialect.name == "postgresql":
        # writers of attendees finish first, and new ones wait for this transaction
        db.execute(text("LOCK TABLE attendees IN SHARE MODE"))
    row = db.get(TicketType, ticket_type, with_for_update=True)
    row.capacity = capacity
    row.taken = db.scalar(
        select(func.count())
        .select_from(Attendee)
        .where(Attendee.ticket_type == ticket_type, Attendee.status == ATTENDEE_REGISTERED)
    )
