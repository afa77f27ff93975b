"""Blocks (attendees), reports, silences and hidden messages (organizers).

A block hides each of the two from the other everywhere: directory, conversations,
speed networking; it ends their connection, withdraws pending requests between them
and cancels their meetings.  A silenced attendee still reads but cannot write."""

from nameko.rpc import rpc
from sqlalchemy import and_, delete, or_, select

from contracts.errors import Conflict, Forbidden, NotFound
from contracts.rpc.networking import (
    BlockSchema,
    IdArgs,
    PageArgs,
    ReportPayload,
    ReportQuery,
    ReportResolutionPayload,
    ReportSchema,
    SilencePayload,
    SilenceSchema,
)
from plumbing.db import insert_ignoring_duplicates
from plumbing.events import utcnow
from plumbing.pagination import keyset, keyset_page
from plumbing.replica import AttendeeReplica
from plumbing.schemas import load_args, load_or_invalid
from services.networking import people
from services.networking.connections import disconnect
from services.networking.meetings import cancel_meetings_between
from services.networking.models import (
    Block,
    ConnectionRequest,
    Conversation,
    DirectMessage,
    Report,
    Silence,
    TableMessage,
)


class SafetyRpcs:
    """Mixin for NetworkingService: needs ``self.db``."""

    # -- blocks (attendees) ----------------------------------------------------------------

    @rpc
    def block(self, actor, attendee_id):
        """Idempotent."""
        me = people.me(self.db, actor)
        other = people.person(self.db, attendee_id)
        if other.attendee_id == me.attendee_id:
            raise Forbidden("You cannot block yourself.", {"attendee_id": ["yourself"]})
        now = utcnow()
        row = {"blocker_id": me.attendee_id, "blocked_id": other.attendee_id, "created_at": now}
        insert_ignoring_duplicates(self.db, Block.__table__, [row], ["blocker_id", "blocked_id"])
        disconnect(self.db, me.attendee_id, other.attendee_id)
        between = or_(
            and_(
                ConnectionRequest.requester_id == me.attendee_id,
                ConnectionRequest.recipient_id == other.attendee_id,
            ),
            and_(
                ConnectionRequest.requester_id == other.attendee_id,
                ConnectionRequest.recipient_id == me.attendee_id,
            ),
        )
        for request in self.db.scalars(
            select(ConnectionRequest).where(between, ConnectionRequest.status == "pending")
        ):
            request.status = "withdrawn"
            request.answered_at = now
        cancel_meetings_between(self.db, me.attendee_id, other.attendee_id, "block")
        return self._block_dump(self.db.get(Block, (me.attendee_id, other.attendee_id)), other)

    @rpc
    def unblock(self, actor, attendee_id):
        """Idempotent."""
        me = people.me(self.db, actor)
        other_id = load_args(IdArgs, id=attendee_id)["id"]
        self.db.execute(
            delete(Block).where(Block.blocker_id == me.attendee_id, Block.blocked_id == other_id)
        )

    @rpc
    def list_blocks(self, actor):
        me = people.me(self.db, actor)
        rows = self.db.execute(
            select(Block, AttendeeReplica)
            .join(AttendeeReplica, AttendeeReplica.attendee_id == Block.blocked_id)
            .where(Block.blocker_id == me.attendee_id)
            .order_by(Block.created_at.desc())
        ).all()
        return [self._block_dump(block, person) for block, person in rows]

    def _block_dump(self, block, person):
        return BlockSchema().dump(
            {
                "attendee_id": person.attendee_id,
                "full_name": person.full_name,
                "blocked_at": block.created_at,
            }
        )

    # -- reports ---------------------------------------------------------------------------

    @rpc
    def report(self, actor, payload):
        """A person, or a message the reporter can see, goes to the organizers' queue."""
        fields = load_or_invalid(ReportPayload, payload)
        me = people.me(self.db, actor)
        reported = fields["attendee_id"]
        if fields["message_id"] is not None:
            reported = self._reportable_message_author(me.attendee_id, fields["message_id"])
        else:
            people.person(self.db, reported)
        if reported == me.attendee_id:
            raise Forbidden("You cannot report yourself.", {"attendee_id": ["yourself"]})
        report = Report(
            reporter_id=me.attendee_id,
            attendee_id=reported,
            message_id=fields["message_id"],
            reason=fields["reason"],
            details=fields["details"],
            status="open",
            created_at=utcnow(),
        )
        self.db.add(report)
        self.db.flush()
        return self._report_dump(report)

    def _reportable_message_author(self, me, message_id):
        dm = self.db.get(DirectMessage, message_id)
        if dm is not None:
            conversation = self.db.get(Conversation, dm.conversation_id)
            if me in (conversation.attendee_a, conversation.attendee_b):
                return dm.sender_id
        table_message = self.db.get(TableMessage, message_id)
        if table_message is not None:
            return table_message.author_id
        raise NotFound("No such message.")

    def _report_dump(self, report):
        body = None
        if report.message_id:
            message = self.db.get(DirectMessage, report.message_id) or self.db.get(
                TableMessage, report.message_id
            )
            body = message.body if message else None
        return ReportSchema().dump(
            {
                "id": report.id,
                "reporter_id": report.reporter_id,
                "attendee_id": report.attendee_id,
                "message_id": report.message_id,
                "message_body": body,
                "reason": report.reason,
                "details": report.details,
                "status": report.status,
                "note": report.note,
                "created_at": report.created_at,
                "resolved_at": report.resolved_at,
            }
        )

    @rpc
    def list_reports(self, query=None):
        """The organizers' queue: oldest first (the longest waiting on top)."""
        args = load_or_invalid(ReportQuery, query or {}, "The query is not valid.")
        rows = self.db.scalars(
            keyset(
                select(Report).where(Report.status == args["status"]),
                [Report.created_at, Report.id],
                args["cursor"],
                args["limit"],
            )
        ).all()
        return keyset_page(rows, args["limit"], self._report_dump, lambda r: (r.created_at, r.id))

    @rpc
    def resolve_report(self, report_id, payload):
        fields = load_or_invalid(ReportResolutionPayload, payload)
        report_id = load_args(IdArgs, id=report_id)["id"]
        report = self.db.get(Report, report_id, with_for_update=True)
        if report is None:
            raise NotFound("No such report.")
        if report.status != "open":
            raise Conflict(f"This report was already {report.status}.")
        report.status = fields["status"]
        report.note = fields["note"]
        report.resolved_at = utcnow()
        self.db.flush()
        return self._report_dump(report)

    # -- silences and hidden messages (organizers) -----------------------------------------

    @rpc
    def silence(self, attendee_id, payload=None):
        """Idempotent: the attendee keeps reading but writes nothing (DMs, table chat,
        connection requests, meeting proposals) until the silence is lifted."""
        fields = load_or_invalid(SilencePayload, payload or {})
        person = people.person(self.db, attendee_id)
        silence = self.db.get(Silence, person.attendee_id)
        if silence is None:
            silence = Silence(attendee_id=person.attendee_id, silenced_at=utcnow())
            self.db.add(silence)
        silence.reason = fields["reason"]
        self.db.flush()
        return SilenceSchema().dump(silence)

    @rpc
    def lift_silence(self, attendee_id):
        attendee_id = load_args(IdArgs, id=attendee_id)["id"]
        self.db.execute(delete(Silence).where(Silence.attendee_id == attendee_id))

    @rpc
    def list_silences(self, limit=None, cursor=None):
        page = load_args(PageArgs, limit=limit, cursor=cursor)
        rows = self.db.scalars(
            keyset(
                select(Silence),
                [Silence.silenced_at, Silence.attendee_id],
                page["cursor"],
                page["limit"],
                descending=True,
            )
        ).all()
        return keyset_page(
            rows, page["limit"], SilenceSchema().dump, lambda s: (s.silenced_at, s.attendee_id)
        )

    @rpc
    def set_message_hidden(self, message_id, hidden):
        """Hide (or show again) a direct or table message, for everyone."""
        message_id = load_args(IdArgs, id=message_id)["id"]
        message = self.db.get(DirectMessage, message_id) or self.db.get(TableMessage, message_id)
        if message is None:
            raise NotFound("No such message.")
        message.hidden_at = (message.hidden_at or utcnow()) if hidden else None
        self.db.flush()
        return {"message_id": message.id, "hidden": message.hidden_at is not None}
