"""A local replica of registration's attendees, for the services that need their contact
and consent without asking registration each time (expo, notifications).

A row holds the latest fact known about an attendee: ``updated_at`` is when it was true
(the event's ``occurred_at``, or the time of an RPC read), so an event older than the
stored row is ignored. An erased attendee leaves a tombstone, so a late event about
them never brings their data back.

The tables have their own metadata: only the services that keep a replica migrate them
(their ``migrations/env.py`` passes :data:`replica_metadata` to ``run_env``).
"""

from datetime import datetime

from sqlalchemy import Boolean, MetaData, String, delete, exists, literal, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import UtcDateTime, insert_ignoring_duplicates, upsertable_insert

replica_metadata = MetaData()


class ReplicaBase(DeclarativeBase):
    metadata = replica_metadata


class AttendeeReplica(ReplicaBase):
    __tablename__ = "attendee_replica"

    attendee_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(300))
    organization: Mapped[str] = mapped_column(String(200), default="")
    share_with_exhibitors: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    # False once the attendee cancelled their registration
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ErasedAttendee(ReplicaBase):
    """Tombstone: an event about an erased attendee arriving late is ignored."""

    __tablename__ = "erased_attendees"

    attendee_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime())


def upsert(session, attendee, occurred_at):
    """Store an attendee's contact and consent (``attendee`` as registration's events
    carry it) unless a newer fact is stored already. False if the attendee was erased.
    On PostgreSQL one statement (the tombstone's check and the upsert); elsewhere two."""
    row = {
        "attendee_id": attendee["attendee_id"],
        "email": attendee["email"],
        "full_name": attendee["full_name"],
        "organization": attendee["organization"],
        "share_with_exhibitors": attendee["consent"]["share_with_exhibitors"],
        "marketing": attendee["consent"]["marketing"],
        "updated_at": occurred_at,
    }
    if session.get_bind().dialect.name != "postgresql":
        if is_erased(session, [row["attendee_id"]]):
            return False
        session.execute(newest_wins(upsertable_insert(session, AttendeeReplica).values(row)))
        return True
    erased = (
        select(ErasedAttendee.attendee_id)
        .where(ErasedAttendee.attendee_id == row["attendee_id"])
        .cte("erased")
    )
    columns = AttendeeReplica.__table__.c
    values = select(*(literal(value, columns[name].type) for name, value in row.items())).where(
        ~exists(select(erased.c.attendee_id))
    )
    stored = newest_wins(
        upsertable_insert(session, AttendeeReplica).from_select(list(row), values)
    ).cte("stored")
    return session.scalar(select(~exists(select(erased.c.attendee_id))).add_cte(stored))


def newest_wins(statement):
    """``statement`` (an INSERT of a replica row) updating a stored row that is older."""
    return statement.on_conflict_do_update(
        index_elements=["attendee_id"],
        set_={
            column.name: statement.excluded[column.name]
            for column in AttendeeReplica.__table__.c
            if column.name not in ("attendee_id", "active")
        },
        where=AttendeeReplica.updated_at <= statement.excluded.updated_at,
    )


def deactivate(session, attendee_id, occurred_at):
    """The attendee cancelled: they stay inactive whatever order later events arrive in."""
    row = session.get(AttendeeReplica, attendee_id, with_for_update=True)
    if row is not None:
        row.active = False
        row.updated_at = max(row.updated_at, occurred_at)


def erase(session, attendee_id, erased_at):
    """Delete the attendee's row and leave a tombstone in its place."""
    tombstone = {"attendee_id": attendee_id, "erased_at": erased_at}
    insert_ignoring_duplicates(session, ErasedAttendee.__table__, [tombstone], ["attendee_id"])
    session.execute(delete(AttendeeReplica).where(AttendeeReplica.attendee_id == attendee_id))


def is_erased(session, attendee_ids):
    """Those of ``attendee_ids`` that were erased."""
    return set(
        session.scalars(
            select(ErasedAttendee.attendee_id).where(
                ErasedAttendee.attendee_id.in_(list(attendee_ids))
            )
        )
    )


def get(session, attendee_id):
    """The attendee's row, or None (not replicated yet, or erased)."""
    return session.get(AttendeeReplica, attendee_id)
