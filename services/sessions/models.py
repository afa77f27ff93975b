from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from contracts.enums import SESSION_SCHEDULED
from plumbing.db import UtcDateTime
from plumbing.tokens import new_id

# The program's content tracks; the initial migration inserts the same rows.
DEFAULT_TRACKS = [
    {
        "id": "reinspire",
        "name": "Reinspire",
        "position": 1,
        "description": "Ideas and stories that renew the sense of purpose in our work.",
    },
    {
        "id": "rebuild",
        "name": "Rebuild",
        "position": 2,
        "description": "Sustainable operations, finances and workforce after disruption.",
    },
    {
        "id": "reengage",
        "name": "Reengage",
        "position": 3,
        "description": "Bringing audiences and communities back, on site and online.",
    },
    {
        "id": "reconnect",
        "name": "Reconnect",
        "position": 4,
        "description": "Partnerships and networks that link institutions and people.",
    },
]


# what GET /v1/event answers until the organizer has described the event
DEFAULT_EVENT = {
    "name": "Plenary",
    "theme": "",
    "description": "",
    "time_zone": "UTC",
    "kickoff_day": None,
    "conference_days": [],
    "contact": {"name": "", "email": None, "phone": "", "url": None},
    "links": [],
    "updated_at": None,
}


class Base(DeclarativeBase):
    pass


class EventDetails(Base):
    """The event itself: one row (id 1), written whole by the organizer."""

    __tablename__ = "event_details"
    __table_args__ = (CheckConstraint("id = 1", name="ck_event_details_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    time_zone: Mapped[str] = mapped_column(String(64))
    kickoff_day: Mapped[date | None] = mapped_column(Date)
    # ISO dates in order, e.g. ["2027-05-18", "2027-05-19"]
    conference_days: Mapped[list] = mapped_column(JSON)
    contact: Mapped[dict] = mapped_column(JSON)
    links: Mapped[list] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Track(Base):
    __tablename__ = "tracks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer)


class ProgramSession(Base):
    """A session of the program (named so it does not read like a database Session)."""

    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_starts_at_id", "starts_at", "id"),
        Index("ix_sessions_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    abstract: Mapped[str] = mapped_column(Text)
    track_id: Mapped[str] = mapped_column(ForeignKey("tracks.id"))
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    speakers: Mapped[list] = mapped_column(JSON)
    capacity: Mapped[int | None] = mapped_column(Integer)
    # the stream is handed out on join; the recording is public once it is set
    stream_url: Mapped[str | None] = mapped_column(String(2000))
    recording_url: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), default=SESSION_SCHEDULED)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    # iCalendar SEQUENCE: incremented by every organizer change
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # lower-cased title, abstract and speakers: what the free-text filter searches.
    # Derived on every insert and update (below), never set by hand.  Kept as text
    # because JSON escapes non-ASCII speaker names ("Müller" -> "M\u00fcller").
    search_text: Mapped[str] = mapped_column(Text)
    # lower-cased speaker names, one a line: what the speaker filter searches (derived)
    speaker_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


@event.listens_for(ProgramSession, "before_insert")
@event.listens_for(ProgramSession, "before_update")
def _derive_search_text(_mapper, _connection, session):
    speakers = " ".join(f"{s['name']} {s.get('organization', '')}" for s in session.speakers)
    session.search_text = f"{session.title}\n{session.abstract}\n{speakers}".lower()
    session.speaker_text = "\n".join(s["name"] for s in session.speakers).lower()


class AgendaEntry(Base):
    """An attendee's bookmark of a session; the key serves agenda_holders' paging."""

    __tablename__ = "agenda_entries"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    attendee_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Attendance(Base):
    """One stretch of an attendee watching a session: opened by a join, kept open by
    further joins (heartbeats), closed by a leave or by silence (see service.py)."""

    __tablename__ = "attendance"
    __table_args__ = (Index("ix_attendance_session_attendee", "session_id", "attendee_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    attendee_id: Mapped[str] = mapped_column(String(36), index=True)
    # for the organizers' attendance report (continuing-education credit)
    attendee_name: Mapped[str] = mapped_column(String(200))
    attendee_email: Mapped[str] = mapped_column(String(320))
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Message(Base):
    """A chat message or a question to the presenters."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_session_posted_at_id", "session_id", "posted_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    kind: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[str] = mapped_column(String(36), index=True)
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    upvotes: Mapped[int] = mapped_column(Integer, default=0)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Upvote(Base):
    """One attendee's upvote of a question; the key makes upvoting idempotent."""

    __tablename__ = "upvotes"

    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    attendee_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    upvoted_at: Mapped[datetime] = mapped_column(UtcDateTime())
