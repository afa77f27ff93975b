"""GDPR (personal data): the attendee's export, and forgetting erased or cancelled attendees."""

from nameko.rpc import rpc
from sqlalchemy import delete, or_, select, update

from contracts.events.registration import AttendeeCancelled, AttendeeErased
from contracts.rpc.sessions import AttendeeIdArgs, MessageSchema
from plumbing.consumer import consume
from plumbing.outbox import forget_attendee
from plumbing.schemas import load_or_invalid
from services.sessions.models import AgendaEntry, Attendance, Message, ProgramSession, Upvote


class GdprRpcs:
    @rpc
    def export_attendee(self, attendee_id):
        """Everything this service holds on the attendee (GDPR access)."""
        attendee_id = load_or_invalid(AttendeeIdArgs, {"attendee_id": attendee_id})["attendee_id"]
        agenda = self.db.execute(
            select(AgendaEntry.session_id, AgendaEntry.added_at, ProgramSession.title)
            .join(ProgramSession, ProgramSession.id == AgendaEntry.session_id)
            .where(AgendaEntry.attendee_id == attendee_id)
            .order_by(AgendaEntry.added_at)
        ).all()
        attendance = self.db.scalars(
            select(Attendance)
            .where(Attendance.attendee_id == attendee_id)
            .order_by(Attendance.joined_at)
        ).all()
        messages = self.db.scalars(
            select(Message).where(Message.author_id == attendee_id).order_by(Message.posted_at)
        ).all()
        upvotes = self.db.scalars(
            select(Upvote).where(Upvote.attendee_id == attendee_id).order_by(Upvote.upvoted_at)
        ).all()
        return {
            "agenda": [
                {"session_id": a.session_id, "title": a.title, "added_at": a.added_at.isoformat()}
                for a in agenda
            ],
            "attendance": [
                {
                    "session_id": s.session_id,
                    "full_name": s.attendee_name,
                    "email": s.attendee_email,
                    "joined_at": s.joined_at.isoformat(),
                    "last_seen_at": s.last_seen_at.isoformat(),
                    "left_at": s.left_at.isoformat() if s.left_at else None,
                }
                for s in attendance
            ],
            "messages": MessageSchema(many=True).dump(messages),
            "upvotes": [
                {"message_id": u.message_id, "upvoted_at": u.upvoted_at.isoformat()}
                for u in upvotes
            ],
        }


class AttendeeConsumers:
    @consume(AttendeeErased)
    def on_attendee_erased(self, event):
        """Delete the attendee's agenda, attendance, messages and upvotes (idempotent:
        a second delivery finds nothing left).  Upvote counts lose their votes too."""
        attendee_id = event.data["attendee_id"]
        voted = select(Upvote.message_id).where(Upvote.attendee_id == attendee_id)
        self.db.execute(
            update(Message)
            .where(Message.id.in_(voted))
            .values(upvotes=Message.upvotes - 1)
            .execution_options(synchronize_session=False)
        )
        own = select(Message.id).where(Message.author_id == attendee_id)
        self.db.execute(
            delete(Upvote).where(or_(Upvote.attendee_id == attendee_id, Upvote.message_id.in_(own)))
        )
        self.db.execute(delete(Message).where(Message.author_id == attendee_id))
        self.db.execute(delete(Attendance).where(Attendance.attendee_id == attendee_id))
        drop_agenda(self.db, attendee_id)
        # message_posted rows name the author; unsent ones announce deleted messages
        forget_attendee(self.db, attendee_id)

    @consume(AttendeeCancelled)
    def on_attendee_cancelled(self, event):
        """A cancelled registration keeps its attendance (it happened) but its agenda
        goes: no more reminders or change notices for it."""
        drop_agenda(self.db, event.data["attendee_id"])


def drop_agenda(db, attendee_id):
    db.execute(delete(AgendaEntry).where(AgendaEntry.attendee_id == attendee_id))
