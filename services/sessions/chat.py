"""Chat and Q&A: messages in a session, questions, upvotes and moderation."""

from nameko.rpc import rpc
from sqlalchemy import select, update

from contracts.enums import QUESTION
from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from contracts.events.sessions import MessagePosted
from contracts.rpc.sessions import (
    ORGANIZER,
    AttendeeSessionArgs,
    MessageChangesSchema,
    MessageIdArgs,
    MessageSchema,
    MessagesPageArgs,
    NewMessageSchema,
    SessionActorArgs,
)
from plumbing.db import insert_ignoring_duplicates
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.pagination import keyset, keyset_page
from plumbing.schemas import load_args, load_or_invalid
from services.sessions.lookup import find_session, refuse_cancelled
from services.sessions.models import Message, Upvote


class ChatRpcs:
    @rpc
    def post_message(self, session_id, attendee, payload):
        args = load_or_invalid(SessionActorArgs, {"session_id": session_id, "attendee": attendee})
        fields = load_or_invalid(NewMessageSchema, payload)
        session = find_session(self.db, args["session_id"])
        refuse_cancelled(session)
        message = Message(
            session_id=session.id,
            kind=fields["kind"],
            author_id=args["attendee"]["attendee_id"],
            author_name=args["attendee"]["full_name"],
            body=fields["body"],
            posted_at=utcnow(),
            upvotes=0,
        )
        self.db.add(message)
        self.db.flush()
        emit(
            self.db,
            MessagePosted,
            {
                "message_id": message.id,
                "session_id": session.id,
                "kind": message.kind,
                "author_id": message.author_id,
                "author_name": message.author_name,
                "body": message.body,
                "posted_at": message.posted_at,
            },
        )
        return MessageSchema().dump(message)

    @rpc
    def list_messages(self, session_id, viewer, kind=None, limit=50, cursor=None):
        """Newest first.  Hidden messages are shown only to the session's moderators.
        ``viewer`` is the attendee, or ``{"organizer": true}`` for the organizer."""
        page = load_args(
            MessagesPageArgs, session_id=session_id, kind=kind, limit=limit, cursor=cursor
        )
        session = find_session(self.db, page["session_id"])
        query = select(Message).where(Message.session_id == session.id)
        if "kind" in page:
            query = query.where(Message.kind == page["kind"])
        if not self._is_moderator(session, viewer):
            query = query.where(Message.hidden_at.is_(None))
        messages = self.db.scalars(
            keyset(
                query,
                [Message.posted_at, Message.id],
                page["cursor"],
                page["limit"],
                descending=True,
            )
        ).all()
        return keyset_page(
            messages, page["limit"], MessageSchema().dump, lambda m: (m.posted_at, m.id)
        )

    @rpc
    def moderate_message(self, session_id, message_id, viewer, changes):
        """Mark a question answered (or not) and hide (or show) a message: for the
        organizer and for attendees whose proven email is one of the session's speakers'."""
        fields = load_or_invalid(MessageChangesSchema, changes)
        session = find_session(self.db, session_id)
        if not self._is_moderator(session, viewer):
            raise Forbidden("Only the session's speakers and the organizers moderate it.")
        message = self._message(session, message_id)
        now = utcnow()
        if "answered" in fields:
            if message.kind != QUESTION:
                raise Invalid("The request is not valid.", {"answered": ["Not a question."]})
            message.answered_at = (message.answered_at or now) if fields["answered"] else None
        if "hidden" in fields:
            message.hidden_at = (message.hidden_at or now) if fields["hidden"] else None
        return MessageSchema().dump(message)

    @rpc
    def upvote_question(self, session_id, message_id, attendee_id):
        """Idempotent: one upvote per attendee and question."""
        args = load_or_invalid(
            AttendeeSessionArgs, {"attendee_id": attendee_id, "session_id": session_id}
        )
        message = self._message(find_session(self.db, args["session_id"]), message_id)
        if message.kind != QUESTION or message.hidden_at is not None:
            raise Conflict(
                "Only visible questions take upvotes.", {"message_id": ["not a question"]}
            )
        row = {"message_id": message.id, "attendee_id": args["attendee_id"], "upvoted_at": utcnow()}
        if insert_ignoring_duplicates(
            self.db, Upvote.__table__, [row], ["message_id", "attendee_id"]
        ):
            self.db.execute(
                update(Message)
                .where(Message.id == message.id)
                .values(upvotes=Message.upvotes + 1)
                .execution_options(synchronize_session=False)
            )
            self.db.refresh(message)
        return MessageSchema().dump(message)

    def _message(self, session, message_id):
        message_id = load_or_invalid(MessageIdArgs, {"message_id": message_id})["message_id"]
        message = self.db.get(Message, message_id)
        if message is None or message.session_id != session.id:
            raise NotFound("No such message in this session.")
        return message

    def _is_moderator(self, session, viewer):
        if viewer == ORGANIZER:
            return True
        email = viewer.get("email") if isinstance(viewer, dict) else None
        if not isinstance(email, str) or not email:
            raise Invalid("The request is not valid.", {"viewer": ["Not an attendee."]})
        # anyone can register with a speaker's address; only a login code proves it
        if not viewer.get("email_verified_at"):
            return False
        return any(
            speaker.get("email", "").lower() == email.lower() for speaker in session.speakers
        )
