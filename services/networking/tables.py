"""Networking tables: topic tables of a ``networking`` session, with presence (join is
also the heartbeat, like session attendance), a video room each and a table chat.

An attendee sits at one table at a time: joining another leaves the first.  Doors open
``NETWORKING_DOORS_OPEN_SECONDS`` before the session and close at its end."""

from datetime import datetime, timedelta

from nameko.rpc import rpc
from sqlalchemy import func, not_, select, update

from contracts.errors import Conflict, NotFound
from contracts.rpc.networking import (
    IdArgs,
    PageArgs,
    TableChangesPayload,
    TableJoinSchema,
    TableMessagePayload,
    TableMessageSchema,
    TablePayload,
    TableSchema,
)
from plumbing.events import utcnow
from plumbing.pagination import keyset, keyset_page
from plumbing.replica import AttendeeReplica
from plumbing.schemas import load_args, load_or_invalid
from services.networking import people, ratelimits
from services.networking.meetings import room_url
from services.networking.models import NetworkingTable, ProgramSession, TableMessage, TablePresence
from services.networking.people import blocked_either_way
from services.networking.replica import upsert_newer


def table_message_dump(message):
    hidden = message.hidden_at is not None
    return TableMessageSchema().dump(
        {
            "id": message.id,
            "table_id": message.table_id,
            "author": {"attendee_id": message.author_id, "full_name": message.author_name},
            "body": None if hidden else message.body,
            "hidden": hidden,
            "posted_at": message.posted_at,
        }
    )


def networking_session(db, sessions, session_id):
    """The session from the replica (asked of sessions if its event is still on the
    way); Invalid unless it is a networking session."""
    session_id = load_args(IdArgs, id=session_id)["id"]
    session = db.get(ProgramSession, session_id)
    if session is None:
        found = sessions.get_session(session_id)
        row = {
            "session_id": found["id"],
            "title": found["title"],
            "kind": found["kind"],
            "starts_at": datetime.fromisoformat(found["starts_at"]),
            "ends_at": datetime.fromisoformat(found["ends_at"]),
            "cancelled": found["status"] == "cancelled",
        }
        updated_at = datetime.fromisoformat(found["updated_at"])
        upsert_newer(db, ProgramSession, row, "session_id", updated_at)
        session = db.get(ProgramSession, session_id)
    if session.kind != "networking":
        raise Conflict(
            "Tables and speed networking are for networking sessions.",
            {"session_id": ["not a networking session"]},
        )
    return session


def refuse_closed(config, session, now):
    doors = timedelta(seconds=float(config["NETWORKING_DOORS_OPEN_SECONDS"]))
    if session.cancelled or not (session.starts_at - doors <= now < session.ends_at):
        raise Conflict("The networking session is not open now.", {"session_id": ["closed"]})


class TableRpcs:
    """Mixin for NetworkingService: needs ``self.db``, ``self.config`` and ``self.sessions``."""

    @property
    def table_heartbeat(self):
        return timedelta(seconds=float(self.config["TABLE_HEARTBEAT_SECONDS"]))

    def _present(self, now):
        return (TablePresence.left_at.is_(None)) & (
            TablePresence.last_seen_at > now - self.table_heartbeat
        )

    def _table_dump(self, table, now):
        present = self.db.scalar(
            select(func.count()).where(TablePresence.table_id == table.id, self._present(now))
        )
        return TableSchema().dump({**table.__dict__, "present": present})

    def _table(self, table_id, lock=False):
        table_id = load_args(IdArgs, id=table_id)["id"]
        table = self.db.get(NetworkingTable, table_id, with_for_update=lock)
        if table is None or table.removed_at is not None:
            raise NotFound("No such table.")
        return table

    # -- organizers ------------------------------------------------------------------------

    @rpc
    def create_table(self, session_id, payload):
        fields = load_or_invalid(TablePayload, payload)
        session = networking_session(self.db, self.sessions, session_id)
        table = NetworkingTable(session_id=session.session_id, **fields, created_at=utcnow())
        self.db.add(table)
        self.db.flush()
        return self._table_dump(table, utcnow())

    @rpc
    def update_table(self, table_id, payload):
        changes = load_or_invalid(TableChangesPayload, payload)
        table = self._table(table_id, lock=True)
        for name, value in changes.items():
            setattr(table, name, value)
        self.db.flush()
        return self._table_dump(table, utcnow())

    @rpc
    def remove_table(self, table_id):
        """Idempotent; whoever sits there is asked to leave by the next heartbeat."""
        table_id = load_args(IdArgs, id=table_id)["id"]
        table = self.db.get(NetworkingTable, table_id)
        if table is not None and table.removed_at is None:
            table.removed_at = utcnow()

    # -- attendees -------------------------------------------------------------------------

    @rpc
    def list_tables(self, session_id):
        session = networking_session(self.db, self.sessions, session_id)
        now = utcnow()
        tables = self.db.scalars(
            select(NetworkingTable)
            .where(
                NetworkingTable.session_id == session.session_id,
                NetworkingTable.removed_at.is_(None),
            )
            .order_by(NetworkingTable.created_at, NetworkingTable.id)
        )
        return [self._table_dump(table, now) for table in tables]

    @rpc
    def join_table(self, actor, table_id):
        """Sit down (or keep the seat: a heartbeat); a full table refuses newcomers."""
        me = people.me(self.db, actor)
        table = self._table(table_id, lock=True)  # joins of one table one at a time
        now = utcnow()
        refuse_closed(self.config, self.db.get(ProgramSession, table.session_id), now)
        presence = self.db.get(TablePresence, (table.id, me.attendee_id))
        seated = presence is not None and presence.left_at is None
        seated = seated and presence.last_seen_at > now - self.table_heartbeat
        if not seated:
            present = self.db.scalar(
                select(func.count()).where(TablePresence.table_id == table.id, self._present(now))
            )
            if present >= table.capacity:
                raise Conflict("The table is full.", {"table_id": ["full"]})
        self._leave_other_tables(me.attendee_id, table.id, now)
        if presence is None:
            presence = TablePresence(table_id=table.id, attendee_id=me.attendee_id)
            self.db.add(presence)
        if not seated:
            presence.joined_at = now
        presence.last_seen_at = now
        presence.left_at = None
        self.db.flush()
        return TableJoinSchema().dump(
            {
                "table_id": table.id,
                "room_url": room_url(self.config, table.id),
                "joined_at": presence.joined_at,
                "heartbeat_seconds": int(self.table_heartbeat.total_seconds()),
            }
        )

    def _leave_other_tables(self, attendee_id, table_id, now):
        self.db.execute(
            update(TablePresence)
            .where(
                TablePresence.attendee_id == attendee_id,
                TablePresence.table_id != table_id,
                TablePresence.left_at.is_(None),
            )
            .values(left_at=now)
        )

    @rpc
    def leave_table(self, actor, table_id):
        """Idempotent (a removed table can still be left); an unknown table is not found."""
        me = people.me(self.db, actor)
        table_id = load_args(IdArgs, id=table_id)["id"]
        if self.db.get(NetworkingTable, table_id) is None:
            raise NotFound("No such table.")
        self.db.execute(
            update(TablePresence)
            .where(
                TablePresence.table_id == table_id,
                TablePresence.attendee_id == me.attendee_id,
                TablePresence.left_at.is_(None),
            )
            .values(left_at=utcnow())
        )

    @rpc
    def table_participants(self, actor, table_id):
        """Who sits there now (those blocked either way are left out)."""
        me = people.me(self.db, actor)
        table = self._table(table_id)
        now = utcnow()
        rows = self.db.scalars(
            select(AttendeeReplica)
            .join(TablePresence, TablePresence.attendee_id == AttendeeReplica.attendee_id)
            .where(TablePresence.table_id == table.id, self._present(now))
            .order_by(TablePresence.joined_at)
        ).all()
        return [
            {"attendee_id": p.attendee_id, "full_name": p.full_name}
            for p in rows
            if p.attendee_id == me.attendee_id
            or not people.blocked(self.db, me.attendee_id, p.attendee_id)
        ]

    @rpc
    def post_table_message(self, actor, table_id, payload):
        """For those sitting at the table, unless silenced."""
        fields = load_or_invalid(TableMessagePayload, payload)
        me = people.me(self.db, actor)
        table = self._table(table_id)
        people.refuse_silenced(self.db, me.attendee_id)
        now = utcnow()
        presence = self.db.get(TablePresence, (table.id, me.attendee_id))
        if (
            presence is None
            or presence.left_at is not None
            or (presence.last_seen_at <= now - self.table_heartbeat)
        ):
            raise Conflict("Join the table to write in its chat.", {"table_id": ["not seated"]})
        rules = ratelimits.parse_rules(self.config["TABLE_MESSAGE_RATE_LIMIT"])
        recent = self.db.scalars(
            select(TableMessage.posted_at).where(
                TableMessage.author_id == me.attendee_id,
                TableMessage.posted_at > now - ratelimits.longest_period(rules),
            )
        ).all()
        ratelimits.check(recent, rules, now, "table messages")
        message = TableMessage(
            table_id=table.id,
            author_id=me.attendee_id,
            author_name=me.full_name,
            body=fields["body"],
            posted_at=now,
        )
        self.db.add(message)
        self.db.flush()
        return table_message_dump(message)

    @rpc
    def list_table_messages(self, actor, table_id, limit=None, cursor=None):
        """Newest first; hidden ones keep their place without a body; messages of people
        blocked either way are left out."""
        me = people.me(self.db, actor)
        page = load_args(PageArgs, limit=limit, cursor=cursor)
        table = self._table(table_id)
        rows = self.db.scalars(
            keyset(
                select(TableMessage).where(
                    TableMessage.table_id == table.id,
                    not_(blocked_either_way(me.attendee_id, TableMessage.author_id)),
                ),
                [TableMessage.posted_at, TableMessage.id],
                page["cursor"],
                page["limit"],
                descending=True,
            )
        ).all()
        return keyset_page(rows, page["limit"], table_message_dump, lambda m: (m.posted_at, m.id))
