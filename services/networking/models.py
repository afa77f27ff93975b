"""Networking's own data: profiles, connections, conversations, blocks, reports,
meetings between attendees, tables, speed networking and the FAQ.

A pair of attendees is stored in a canonical order (``attendee_a < attendee_b``) where
the relation is symmetric (connections, conversations, speed rounds), so a pair has
one row however it is looked up."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import UtcDateTime
from plumbing.tokens import new_id


class Base(DeclarativeBase):
    pass


def ordered(one, other):
    """A pair of attendee ids in its canonical order."""
    return (one, other) if one < other else (other, one)


class Interest(Base):
    """One entry of the organizer-defined interest list."""

    __tablename__ = "interests"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)


class Setting(Base):
    """Organizer settings of the networking area, one row per name."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)


class Profile(Base):
    """An attendee's directory profile; only ``listed`` ones are in the directory."""

    __tablename__ = "profiles"
    __table_args__ = (Index("ix_profiles_listed_name", "listed", "sort_name", "attendee_id"),)

    attendee_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    job_title: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    looking_for: Mapped[str] = mapped_column(Text, default="")
    shown_fields: Mapped[list] = mapped_column(JSON, default=list)
    # lower-cased name and organization, kept in step with the replica: what q searches
    sort_name: Mapped[str] = mapped_column(String(200), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProfileInterest(Base):
    """A row per chosen interest, so filtering by interest is the same SQL everywhere."""

    __tablename__ = "profile_interests"

    attendee_id: Mapped[str] = mapped_column(
        ForeignKey("profiles.attendee_id", ondelete="CASCADE"), primary_key=True
    )
    interest_id: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class ConnectionRequest(Base):
    """One row per (requester, recipient): asking again re-opens it."""

    __tablename__ = "connection_requests"
    __table_args__ = (
        UniqueConstraint("requester_id", "recipient_id"),
        Index("ix_connection_requests_recipient", "recipient_id", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    requester_id: Mapped[str] = mapped_column(String(36))
    recipient_id: Mapped[str] = mapped_column(String(36))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))  # pending|accepted|declined|withdrawn
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Connection(Base):
    __tablename__ = "connections"

    attendee_a: Mapped[str] = mapped_column(String(36), primary_key=True)
    attendee_b: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    connected_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Block(Base):
    __tablename__ = "blocks"

    blocker_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    blocked_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("attendee_a", "attendee_b"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    attendee_a: Mapped[str] = mapped_column(String(36))
    attendee_b: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # the last message's time: conversations are listed by it
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReadMarker(Base):
    """Up to when an attendee has read a conversation."""

    __tablename__ = "read_markers"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    attendee_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DirectMessage(Base):
    __tablename__ = "direct_messages"
    __table_args__ = (
        Index("ix_direct_messages_conversation", "conversation_id", "sent_at", "id"),
        Index("ix_direct_messages_sender", "sender_id", "sent_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    sender_id: Mapped[str] = mapped_column(String(36))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Report(Base):
    """A person or a message reported to the organizers."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_queue", "status", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    reporter_id: Mapped[str | None] = mapped_column(String(36), index=True)
    attendee_id: Mapped[str | None] = mapped_column(String(36), index=True)
    message_id: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Silence(Base):
    """An attendee whose messaging the organizers silenced for the event."""

    __tablename__ = "silences"

    attendee_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    silenced_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AttendeeMeeting(Base):
    """A 1:1 meeting one attendee (organizer) proposes to another (invitee)."""

    __tablename__ = "attendee_meetings"
    __table_args__ = (
        Index("ix_attendee_meetings_organizer", "organizer_id", "created_at"),
        Index("ix_attendee_meetings_invitee", "invitee_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organizer_id: Mapped[str] = mapped_column(String(36))
    invitee_id: Mapped[str] = mapped_column(String(36))
    message: Mapped[str] = mapped_column(Text, default="")
    slots: Mapped[list] = mapped_column(JSON)  # [{starts_at, ends_at}] ISO 8601, UTC
    status: Mapped[str] = mapped_column(String(20))  # proposed|accepted|declined|cancelled
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # iCalendar SEQUENCE: raised by every change after the proposal
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProgramSession(Base):
    """Replica of a program session's kind and times (from sessions' events)."""

    __tablename__ = "program_sessions"

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class NetworkingTable(Base):
    __tablename__ = "networking_tables"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("program_sessions.session_id"), index=True)
    topic: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TablePresence(Base):
    """Who sits at a table: kept alive by heartbeats (joins), ended by a leave or by
    silence longer than a heartbeat."""

    __tablename__ = "table_presence"

    table_id: Mapped[str] = mapped_column(
        ForeignKey("networking_tables.id", ondelete="CASCADE"), primary_key=True
    )
    attendee_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TableMessage(Base):
    __tablename__ = "table_messages"
    __table_args__ = (Index("ix_table_messages_table", "table_id", "posted_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    table_id: Mapped[str] = mapped_column(ForeignKey("networking_tables.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(String(36), index=True)
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SpeedQueueEntry(Base):
    """An attendee waiting to be paired in a networking session."""

    __tablename__ = "speed_queue"
    __table_args__ = (Index("ix_speed_queue_session", "session_id", "queued_at"),)

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    attendee_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SpeedRound(Base):
    __tablename__ = "speed_rounds"
    __table_args__ = (
        Index("ix_speed_rounds_a", "attendee_a", "ends_at"),
        Index("ix_speed_rounds_b", "attendee_b", "ends_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    attendee_a: Mapped[str] = mapped_column(String(36))
    attendee_b: Mapped[str] = mapped_column(String(36))
    shared_interests: Mapped[list] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FaqEntry(Base):
    __tablename__ = "faq_entries"
    __table_args__ = (Index("ix_faq_entries_order", "category", "position", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    question: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
