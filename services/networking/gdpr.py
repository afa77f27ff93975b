"""GDPR: everything networking holds on an attendee, and erasing it.

Erasure deletes the attendee's profile, connections and requests, blocks and silences
(both ways), reports they made, presence, queue entries, speed rounds, meetings, table
messages, and every conversation they were in: a two-person thread is deleted for both
(the other person's side of it cannot stand alone).  Reports about them lose the
reported id.  A tombstone keeps late events from bringing them back."""

from nameko.rpc import rpc
from sqlalchemy import delete, or_, select, update

from contracts.events.registration import AttendeeErased
from contracts.rpc.networking import AttendeeIdArgs
from plumbing import replica
from plumbing.consumer import consume
from plumbing.outbox import forget_attendee
from plumbing.replica import AttendeeReplica
from plumbing.schemas import load_args
from services.networking.connections import request_dump
from services.networking.directory import entry, interests_of
from services.networking.meetings import meeting_dump
from services.networking.messaging import message_dump
from services.networking.models import (
    AttendeeMeeting,
    Block,
    Connection,
    ConnectionRequest,
    Conversation,
    DirectMessage,
    Profile,
    ProfileInterest,
    ReadMarker,
    Report,
    Silence,
    SpeedQueueEntry,
    SpeedRound,
    TableMessage,
    TablePresence,
)


def iso(moment):
    return moment.isoformat() if moment else None


class Gdpr:
    """Mixin for NetworkingService: needs ``self.db``."""

    @rpc
    def export_attendee(self, attendee_id):
        attendee_id = load_args(AttendeeIdArgs, attendee_id=attendee_id)["attendee_id"]
        me = self.db.get(AttendeeReplica, attendee_id)
        if me is None:
            return {"profile": None}
        profile = self.db.get(Profile, attendee_id)
        interests = interests_of(self.db, [attendee_id]).get(attendee_id, [])
        mine = (Conversation.attendee_a == attendee_id) | (Conversation.attendee_b == attendee_id)
        conversations = self.db.scalars(select(Conversation).where(mine)).all()
        either = or_(Connection.attendee_a == attendee_id, Connection.attendee_b == attendee_id)
        requests = self.db.scalars(
            select(ConnectionRequest).where(
                or_(
                    ConnectionRequest.requester_id == attendee_id,
                    ConnectionRequest.recipient_id == attendee_id,
                )
            )
        ).all()
        meetings = self.db.scalars(
            select(AttendeeMeeting).where(
                or_(
                    AttendeeMeeting.organizer_id == attendee_id,
                    AttendeeMeeting.invitee_id == attendee_id,
                )
            )
        ).all()
        return {
            "profile": None
            if profile is None
            else {
                **entry(me, profile, interests),
                "listed": profile.listed,
                "shown_fields": profile.shown_fields,
                "job_title": profile.job_title,
                "bio": profile.bio,
                "looking_for": profile.looking_for,
                "interests": interests,
            },
            "connections": [
                {
                    "attendee_id": c.attendee_b if c.attendee_a == attendee_id else c.attendee_a,
                    "connected_at": iso(c.connected_at),
                }
                for c in self.db.scalars(select(Connection).where(either))
            ],
            "connection_requests": [request_dump(self.db, r) for r in requests],
            "conversations": [
                {
                    "id": c.id,
                    "with": c.attendee_b if c.attendee_a == attendee_id else c.attendee_a,
                    "messages": [
                        message_dump(m) | {"body": m.body}
                        for m in self.db.scalars(
                            select(DirectMessage)
                            .where(DirectMessage.conversation_id == c.id)
                            .order_by(DirectMessage.sent_at)
                        )
                    ],
                }
                for c in conversations
            ],
            "blocks": [
                {"attendee_id": b.blocked_id, "blocked_at": iso(b.created_at)}
                for b in self.db.scalars(select(Block).where(Block.blocker_id == attendee_id))
            ],
            "reports_made": [
                {
                    "id": r.id,
                    "attendee_id": r.attendee_id,
                    "message_id": r.message_id,
                    "reason": r.reason,
                    "details": r.details,
                    "status": r.status,
                    "created_at": iso(r.created_at),
                }
                for r in self.db.scalars(select(Report).where(Report.reporter_id == attendee_id))
            ],
            "silenced": self.db.get(Silence, attendee_id) is not None,
            "meetings": [meeting_dump(self.db, self.config, m) for m in meetings],
            "table_messages": [
                {"id": m.id, "table_id": m.table_id, "body": m.body, "posted_at": iso(m.posted_at)}
                for m in self.db.scalars(
                    select(TableMessage).where(TableMessage.author_id == attendee_id)
                )
            ],
            "speed_rounds": [
                {
                    "id": r.id,
                    "session_id": r.session_id,
                    "partner_id": r.attendee_b if r.attendee_a == attendee_id else r.attendee_a,
                    "starts_at": iso(r.starts_at),
                    "ends_at": iso(r.ends_at),
                }
                for r in self.db.scalars(
                    select(SpeedRound).where(
                        or_(
                            SpeedRound.attendee_a == attendee_id,
                            SpeedRound.attendee_b == attendee_id,
                        )
                    )
                )
            ],
        }

    @consume(AttendeeErased)
    def on_attendee_erased(self, event):
        attendee_id = event.data["attendee_id"]
        replica.erase(self.db, attendee_id, event.data["erased_at"])
        db = self.db
        conversations = select(Conversation.id).where(
            or_(Conversation.attendee_a == attendee_id, Conversation.attendee_b == attendee_id)
        )
        for model in (DirectMessage, ReadMarker):
            db.execute(delete(model).where(model.conversation_id.in_(conversations)))
        db.execute(
            delete(Conversation).where(
                or_(Conversation.attendee_a == attendee_id, Conversation.attendee_b == attendee_id)
            )
        )
        db.execute(
            delete(Connection).where(
                or_(Connection.attendee_a == attendee_id, Connection.attendee_b == attendee_id)
            )
        )
        db.execute(
            delete(ConnectionRequest).where(
                or_(
                    ConnectionRequest.requester_id == attendee_id,
                    ConnectionRequest.recipient_id == attendee_id,
                )
            )
        )
        db.execute(
            delete(Block).where(
                or_(Block.blocker_id == attendee_id, Block.blocked_id == attendee_id)
            )
        )
        db.execute(delete(Report).where(Report.reporter_id == attendee_id))
        db.execute(update(Report).where(Report.attendee_id == attendee_id).values(attendee_id=None))
        db.execute(
            delete(AttendeeMeeting).where(
                or_(
                    AttendeeMeeting.organizer_id == attendee_id,
                    AttendeeMeeting.invitee_id == attendee_id,
                )
            )
        )
        db.execute(
            delete(SpeedRound).where(
                or_(SpeedRound.attendee_a == attendee_id, SpeedRound.attendee_b == attendee_id)
            )
        )
        for model, column in (
            (TableMessage, TableMessage.author_id),
            (TablePresence, TablePresence.attendee_id),
            (SpeedQueueEntry, SpeedQueueEntry.attendee_id),
            (Silence, Silence.attendee_id),
            (ProfileInterest, ProfileInterest.attendee_id),
            (Profile, Profile.attendee_id),
        ):
            db.execute(delete(model).where(column == attendee_id))
        # unsent events name them (messages, requests, meetings): they must not go out now
        forget_attendee(db, attendee_id)
