"""Direct messages: conversations between two attendees, unread counts and read
markers.  Who may write to whom is People._may_message; every message is announced
(``direct_message_sent``) for the live stream and the batched emails."""

from datetime import UTC, datetime

from nameko.rpc import rpc
from sqlalchemy import and_, func, not_, or_, select

from contracts.errors import NotFound
from contracts.events.networking import DirectMessageSent
from contracts.rpc.networking import (
    ConversationSchema,
    DirectMessageSchema,
    IdArgs,
    MessageBodyPayload,
    NewDirectMessagePayload,
    PageArgs,
    ReadMarkerSchema,
)
from plumbing.db import insert_ignoring_duplicates, upsertable_insert
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.pagination import keyset, keyset_page
from plumbing.replica import AttendeeReplica
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import new_id
from services.networking import people, ratelimits
from services.networking.models import Conversation, DirectMessage, ReadMarker, ordered
from services.networking.people import blocked_either_way

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def message_dump(message):
    hidden = message.hidden_at is not None
    return DirectMessageSchema().dump(
        {
            "id": message.id,
            "conversation_id": message.conversation_id,
            "sender_id": message.sender_id,
            "body": None if hidden else message.body,
            "hidden": hidden,
            "sent_at": message.sent_at,
        }
    )


def other_member(conversation, me):
    return conversation.attendee_b if conversation.attendee_a == me else conversation.attendee_a


class MessagingRpcs:
    """Mixin for NetworkingService: needs ``self.db`` and ``self.config``."""

    @rpc
    def send_direct_message(self, actor, payload):
        """To an attendee by id; opens the conversation on the first message."""
        fields = load_or_invalid(NewDirectMessagePayload, payload)
        me = people.me(self.db, actor)
        people.refuse_silenced(self.db, me.attendee_id)
        other = people.may_message(self.db, me.attendee_id, fields["to"])
        return self._send(me, other, self._conversation_with(me, other), fields["body"])

    @rpc
    def post_to_conversation(self, actor, conversation_id, payload):
        fields = load_or_invalid(MessageBodyPayload, payload)
        me = people.me(self.db, actor)
        conversation = self._my_conversation(me.attendee_id, conversation_id)
        people.refuse_silenced(self.db, me.attendee_id)
        other = people.may_message(
            self.db, me.attendee_id, other_member(conversation, me.attendee_id)
        )
        return self._send(me, other, conversation, fields["body"])

    def _conversation_with(self, me, other):
        a, b = ordered(me.attendee_id, other.attendee_id)
        now = utcnow()
        row = {
            "id": new_id(),
            "attendee_a": a,
            "attendee_b": b,
            "created_at": now,
            "updated_at": now,
        }
        insert_ignoring_duplicates(
            self.db, Conversation.__table__, [row], ["attendee_a", "attendee_b"]
        )
        return self.db.scalars(
            select(Conversation).where(Conversation.attendee_a == a, Conversation.attendee_b == b)
        ).one()

    def _send(self, me, other, conversation, body):
        now = utcnow()
        rules = ratelimits.parse_rules(self.config["DM_RATE_LIMIT"])
        recent = self.db.scalars(
            select(DirectMessage.sent_at).where(
                DirectMessage.sender_id == me.attendee_id,
                DirectMessage.sent_at > now - ratelimits.longest_period(rules),
            )
        ).all()
        ratelimits.check(recent, rules, now, "messages")
        message = DirectMessage(
            conversation_id=conversation.id, sender_id=me.attendee_id, body=body, sent_at=now
        )
        self.db.add(message)
        conversation.updated_at = now
        self._set_read_marker(conversation.id, me.attendee_id, now)
        self.db.flush()
        emit(
            self.db,
            DirectMessageSent,
            {
                "message_id": message.id,
                "conversation_id": conversation.id,
                "sender_id": me.attendee_id,
                "sender_name": me.full_name,
                "recipient_id": other.attendee_id,
                "body": body,
                "sent_at": now,
            },
        )
        return message_dump(message)

    def _set_read_marker(self, conversation_id, attendee_id, read_at):
        statement = upsertable_insert(self.db, ReadMarker.__table__).values(
            conversation_id=conversation_id, attendee_id=attendee_id, read_at=read_at
        )
        self.db.execute(
            statement.on_conflict_do_update(
                index_elements=["conversation_id", "attendee_id"],
                set_={"read_at": statement.excluded.read_at},
                where=ReadMarker.read_at < statement.excluded.read_at,
            )
        )

    def _my_conversation(self, me, conversation_id):
        """One of my conversations, unless a block stands between us (then it is hidden)."""
        conversation_id = load_args(IdArgs, id=conversation_id)["id"]
        conversation = self.db.get(Conversation, conversation_id)
        if (
            conversation is None
            or me not in (conversation.attendee_a, conversation.attendee_b)
            or people.blocked(self.db, me, other_member(conversation, me))
        ):
            raise NotFound("No such conversation.")
        return conversation

    def _mine_and_visible(self, me):
        """SQL: conversations I am in, with nobody I blocked or who blocked me."""
        return and_(
            or_(Conversation.attendee_a == me, Conversation.attendee_b == me),
            not_(blocked_either_way(me, Conversation.attendee_a)),
            not_(blocked_either_way(me, Conversation.attendee_b)),
        )

    def _unread(self, me, conversation_ids=None):
        """{conversation id: unread messages from the other person} (only those with any)."""
        statement = (
            select(DirectMessage.conversation_id, func.count())
            .join(Conversation, Conversation.id == DirectMessage.conversation_id)
            .outerjoin(
                ReadMarker,
                and_(
                    ReadMarker.conversation_id == DirectMessage.conversation_id,
                    ReadMarker.attendee_id == me,
                ),
            )
            .where(
                self._mine_and_visible(me),
                DirectMessage.sender_id != me,
                DirectMessage.hidden_at.is_(None),
                DirectMessage.sent_at > func.coalesce(ReadMarker.read_at, EPOCH),
            )
            .group_by(DirectMessage.conversation_id)
        )
        if conversation_ids is not None:
            statement = statement.where(DirectMessage.conversation_id.in_(conversation_ids))
        return dict(self.db.execute(statement).all())

    @rpc
    def list_conversations(self, actor, limit=None, cursor=None):
        """Most recent activity first, each with the other person, the last message and
        its unread count; ``unread_count`` in all."""
        me = people.me(self.db, actor).attendee_id
        page = load_args(PageArgs, limit=limit, cursor=cursor)
        rows = self.db.scalars(
            keyset(
                select(Conversation).where(self._mine_and_visible(me)),
                [Conversation.updated_at, Conversation.id],
                page["cursor"],
                page["limit"],
                descending=True,
            )
        ).all()
        shown = rows[: page["limit"]]
        ids = [conversation.id for conversation in shown]
        unread = self._unread(me, ids)
        others = {
            person.attendee_id: person
            for person in self.db.scalars(
                select(AttendeeReplica).where(
                    AttendeeReplica.attendee_id.in_([other_member(c, me) for c in shown])
                )
            )
        }
        schema = ConversationSchema(exclude=["last_message"])

        def dump(conversation):
            other = others[other_member(conversation, me)]
            last = self.db.scalars(
                select(DirectMessage)
                .where(DirectMessage.conversation_id == conversation.id)
                .order_by(DirectMessage.sent_at.desc(), DirectMessage.id.desc())
                .limit(1)
            ).first()
            dumped = schema.dump(
                {
                    "id": conversation.id,
                    "other": {"attendee_id": other.attendee_id, "full_name": other.full_name},
                    "unread_count": unread.get(conversation.id, 0),
                    "updated_at": conversation.updated_at,
                }
            )
            return {**dumped, "last_message": message_dump(last) if last else None}

        page_out = keyset_page(rows, page["limit"], dump, lambda c: (c.updated_at, c.id))
        return {**page_out, "unread_count": sum(self._unread(me).values())}

    @rpc
    def list_conversation_messages(self, actor, conversation_id, limit=None, cursor=None):
        """Newest first; a hidden message keeps its place without its body."""
        me = people.me(self.db, actor).attendee_id
        page = load_args(PageArgs, limit=limit, cursor=cursor)
        conversation = self._my_conversation(me, conversation_id)
        rows = self.db.scalars(
            keyset(
                select(DirectMessage).where(DirectMessage.conversation_id == conversation.id),
                [DirectMessage.sent_at, DirectMessage.id],
                page["cursor"],
                page["limit"],
                descending=True,
            )
        ).all()
        return keyset_page(rows, page["limit"], message_dump, lambda m: (m.sent_at, m.id))

    @rpc
    def mark_conversation_read(self, actor, conversation_id):
        """Everything in the conversation up to now is read."""
        me = people.me(self.db, actor).attendee_id
        conversation = self._my_conversation(me, conversation_id)
        now = utcnow()
        self._set_read_marker(conversation.id, me, now)
        return ReadMarkerSchema().dump(
            {
                "conversation_id": conversation.id,
                "unread_count": sum(self._unread(me).values()),
                "read_at": now,
            }
        )
