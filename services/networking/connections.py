"""Connections: request, accept or decline, withdraw, remove.  Contact details (email)
are shared only between connected attendees.  A pending request expires after
``CONNECTION_REQUEST_TTL_DAYS``; asking someone who has already asked you connects you."""

from datetime import timedelta

from nameko.rpc import rpc
from sqlalchemy import delete, or_, select

from contracts.errors import Conflict, Forbidden, NotFound
from contracts.events.networking import ConnectionAccepted, ConnectionRequested
from contracts.rpc.networking import (
    ConnectionRequestPayload,
    ConnectionRequestSchema,
    ConnectionSchema,
    IdArgs,
    PageArgs,
    RequestQuery,
)
from plumbing.db import insert_ignoring_duplicates
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.pagination import keyset, keyset_page
from plumbing.replica import AttendeeReplica
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import new_id
from services.networking import people, ratelimits
from services.networking.models import Connection, ConnectionRequest, ordered


def person(attendee):
    return {"attendee_id": attendee.attendee_id, "full_name": attendee.full_name}


def request_between(db, requester_id, recipient_id, lock=False):
    statement = select(ConnectionRequest).where(
        ConnectionRequest.requester_id == requester_id,
        ConnectionRequest.recipient_id == recipient_id,
    )
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return db.scalars(statement).one_or_none()


def pending_request(db, requester_id, recipient_id, now):
    request = request_between(db, requester_id, recipient_id)
    if request is None or request.status != "pending" or request.expires_at <= now:
        return None
    return request


def connection_state(db, me, other):
    if people.connected(db, me, other):
        return "connected"
    now = utcnow()
    if pending_request(db, me, other, now) is not None:
        return "pending_out"
    if pending_request(db, other, me, now) is not None:
        return "pending_in"
    return "none"


def request_dump(db, request):
    people = {
        row.attendee_id: row
        for row in db.scalars(
            select(AttendeeReplica).where(
                AttendeeReplica.attendee_id.in_([request.requester_id, request.recipient_id])
            )
        )
    }
    status = request.status
    if status == "pending" and request.expires_at <= utcnow():
        status = "expired"
    return ConnectionRequestSchema().dump(
        {
            "id": request.id,
            "requester": person(people[request.requester_id]),
            "recipient": person(people[request.recipient_id]),
            "message": request.message,
            "status": status,
            "created_at": request.created_at,
            "expires_at": request.expires_at,
        }
    )


def disconnect(db, one, other):
    a, b = ordered(one, other)
    db.execute(delete(Connection).where(Connection.attendee_a == a, Connection.attendee_b == b))


class ConnectionRpcs:
    """Mixin for NetworkingService: needs ``self.db`` and ``self.config``."""

    @rpc
    def request_connection(self, actor, payload):
        fields = load_or_invalid(ConnectionRequestPayload, payload)
        me = people.me(self.db, actor)
        people.refuse_silenced(self.db, me.attendee_id)
        other = people.visible(self.db, me.attendee_id, fields["attendee_id"])
        if not people.listed(self.db, me.attendee_id):
            raise Forbidden("List yourself in the directory to connect with people.")
        if people.connected(self.db, me.attendee_id, other.attendee_id):
            raise Conflict("You are already connected.", {"attendee_id": ["connected"]})
        now = utcnow()
        theirs = pending_request(self.db, other.attendee_id, me.attendee_id, now)
        if theirs is not None:
            connection = self._accept(theirs, me, other, now)
            return {"status": "connected", "request": None, "connection": connection}
        mine = pending_request(self.db, me.attendee_id, other.attendee_id, now)
        if mine is None:
            mine = self._new_request(me, other, fields["message"], now)
        return {"status": "pending", "request": request_dump(self.db, mine), "connection": None}

    def _new_request(self, me, other, message, now):
        rules = ratelimits.parse_rules(self.config["CONNECTION_REQUEST_RATE_LIMIT"])
        recent = self.db.scalars(
            select(ConnectionRequest.created_at).where(
                ConnectionRequest.requester_id == me.attendee_id,
                ConnectionRequest.created_at > now - ratelimits.longest_period(rules),
            )
        ).all()
        ratelimits.check(recent, rules, now, "connection requests")
        ttl = timedelta(days=float(self.config["CONNECTION_REQUEST_TTL_DAYS"]))
        row = {
            "requester_id": me.attendee_id,
            "recipient_id": other.attendee_id,
            "status": "pending",
            "message": message,
            "created_at": now,
            "expires_at": now + ttl,
        }
        insert_ignoring_duplicates(
            self.db,
            ConnectionRequest.__table__,
            [{**row, "id": new_id()}],
            ["requester_id", "recipient_id"],
        )
        request = request_between(self.db, me.attendee_id, other.attendee_id, lock=True)
        for name, value in row.items():  # asked before: the old row is opened again
            setattr(request, name, value)
        request.answered_at = None
        self.db.flush()
        emit(
            self.db,
            ConnectionRequested,
            {
                "request_id": request.id,
                "requester_id": me.attendee_id,
                "requester_name": me.full_name,
                "recipient_id": other.attendee_id,
                "message": message,
                "requested_at": now,
            },
        )
        return request

    def _accept(self, request, me, other, now):
        """``me`` accepts ``other``'s request: connected, and ``other`` is told."""
        request.status = "accepted"
        request.answered_at = now
        a, b = ordered(me.attendee_id, other.attendee_id)
        insert_ignoring_duplicates(
            self.db,
            Connection.__table__,
            [{"attendee_a": a, "attendee_b": b, "connected_at": now}],
            ["attendee_a", "attendee_b"],
        )
        emit(
            self.db,
            ConnectionAccepted,
            {
                "request_id": request.id,
                "requester_id": other.attendee_id,
                "recipient_id": me.attendee_id,
                "recipient_name": me.full_name,
                "accepted_at": now,
            },
        )
        return self._connection_dump(other, self.db.get(Connection, (a, b)).connected_at)

    def _connection_dump(self, other, connected_at):
        return ConnectionSchema().dump(
            {
                "attendee_id": other.attendee_id,
                "full_name": other.full_name,
                "organization": other.organization,
                "email": other.email,
                "connected_at": connected_at,
            }
        )

    @rpc
    def list_connection_requests(self, actor, query=None):
        """Pending, unexpired requests to me (incoming) or from me (outgoing), newest first."""
        me = people.me(self.db, actor)
        args = load_or_invalid(RequestQuery, query or {}, "The query is not valid.")
        mine = (
            ConnectionRequest.recipient_id
            if args["direction"] == "incoming"
            else ConnectionRequest.requester_id
        )
        statement = select(ConnectionRequest).where(
            mine == me.attendee_id,
            ConnectionRequest.status == "pending",
            ConnectionRequest.expires_at > utcnow(),
        )
        rows = self.db.scalars(
            keyset(
                statement,
                [ConnectionRequest.created_at, ConnectionRequest.id],
                args["cursor"],
                args["limit"],
                descending=True,
            )
        ).all()
        return keyset_page(
            rows, args["limit"], lambda r: request_dump(self.db, r), lambda r: (r.created_at, r.id)
        )

    @rpc
    def answer_connection_request(self, actor, request_id, accept):
        me = people.me(self.db, actor)
        request_id = load_args(IdArgs, id=request_id)["id"]
        request = self.db.scalars(
            select(ConnectionRequest)
            .where(
                ConnectionRequest.id == request_id, ConnectionRequest.recipient_id == me.attendee_id
            )
            .with_for_update()
        ).one_or_none()
        if request is None:
            raise NotFound("No such connection request.")
        now = utcnow()
        if request.status != "pending":
            raise Conflict(f"This request was already {request.status}.")
        if request.expires_at <= now:
            raise Conflict("This request has expired.", {"request_id": ["expired"]})
        other = self.db.get(AttendeeReplica, request.requester_id)
        if accept:
            self._accept(request, me, other, now)
        else:
            request.status = "declined"
            request.answered_at = now
        self.db.flush()
        return request_dump(self.db, request)

    @rpc
    def withdraw_connection_request(self, actor, request_id):
        """Idempotent: withdrawing what is not pending (or not there) changes nothing."""
        me = people.me(self.db, actor)
        request_id = load_args(IdArgs, id=request_id)["id"]
        request = self.db.get(ConnectionRequest, request_id)
        mine = request is not None and request.requester_id == me.attendee_id
        if mine and request.status == "pending":
            request.status = "withdrawn"
            request.answered_at = utcnow()

    @rpc
    def list_connections(self, actor, limit=None, cursor=None):
        """My connections, newest first, with their email."""
        me = people.me(self.db, actor)
        page = load_args(PageArgs, limit=limit, cursor=cursor)
        mine = me.attendee_id
        other = AttendeeReplica.attendee_id
        statement = select(AttendeeReplica, Connection.connected_at).join(
            Connection,
            or_(
                (Connection.attendee_a == mine) & (Connection.attendee_b == other),
                (Connection.attendee_b == mine) & (Connection.attendee_a == other),
            ),
        )
        rows = self.db.execute(
            keyset(
                statement,
                [Connection.connected_at, AttendeeReplica.attendee_id],
                page["cursor"],
                page["limit"],
                descending=True,
            )
        ).all()
        return keyset_page(
            rows,
            page["limit"],
            lambda row: self._connection_dump(row[0], row[1]),
            lambda row: (row[1], row[0].attendee_id),
        )

    @rpc
    def remove_connection(self, actor, attendee_id):
        """Idempotent: no longer connected (emails are no longer shared)."""
        me = people.me(self.db, actor)
        other_id = load_args(IdArgs, id=attendee_id)["id"]
        disconnect(self.db, me.attendee_id, other_id)
