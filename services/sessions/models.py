from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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

SESSION_KINDS = ("keynote", "panel", "workshop", "networking", "expo-hours")
SESSION_STATUSES = ("scheduled", "starting", "live", "ended", "cancelled")


class Base(DeclarativeBase):
    pass


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
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    # lower-cased title, abstract and speakers: what the free-text filter searches.
    # Derived on every insert and update (below), never set by hand.  Kept as text
    # because JSON escapes non-ASCII speaker names ("Müller" -> "M\u00fcller").
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


@event.listens_for(ProgramSession, "before_insert")
@event.listens_for(ProgramSession, "before_update")
def _derive_search_text(_mapper, _connection, session):
    speakers = " ".join(f"{s['name']} {s.get('organization', '')}" for s in session.speakers)
    session.search_text = f"{session.title}\n{session.abstract}\n{speakers}".lower()


class AgendaEntry(Base):
    """An attendee's bookmark of a session; the key serves agenda_holders' paging."""

    __tablename__ = "agenda_entries"

    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    attendee_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
