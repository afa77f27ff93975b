"""The program: creating, changing, cancelling and listing sessions, and its iCalendar feed."""

from datetime import UTC, datetime, time, timedelta

from nameko.rpc import rpc
from sqlalchemy import select

from contracts.enums import SESSION_CANCELLED, SESSION_ENDED, SESSION_LIVE, SESSION_SCHEDULED
from contracts.errors import Conflict, Invalid
from contracts.events.sessions import SessionCancelled, SessionScheduled, SessionUpdated
from contracts.rpc.sessions import (
    CancellationSchema,
    NewSessionSchema,
    OrganizerSessionSchema,
    SessionChangesSchema,
    SessionSchema,
    SessionsPageArgs,
    time_zone,
)
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.pagination import keyset, keyset_page
from plumbing.schemas import load_or_invalid
from services.sessions import ical
from services.sessions.event import current_event
from services.sessions.lookup import check_track, find_session, lock_session, refuse_cancelled
from services.sessions.models import ProgramSession

FEED_MAX_SESSIONS = 5000


def event_data(session):
    return {
        "session_id": session.id,
        "title": session.title,
        "track": session.track_id,
        "kind": session.kind,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
    }


class ProgramRpcs:
    @rpc
    def create_session(self, payload):
        fields = load_or_invalid(NewSessionSchema, payload)
        check_track(self.db, fields["track"])
        now = utcnow()
        session = ProgramSession(
            title=fields["title"],
            abstract=fields["abstract"],
            track_id=fields["track"],
            kind=fields["kind"],
            starts_at=fields["starts_at"],
            ends_at=fields["ends_at"],
            speakers=fields["speakers"],
            capacity=fields["capacity"],
            stream_url=fields["stream_url"],
            recording_url=fields["recording_url"],
            status=SESSION_SCHEDULED,
            cancel_reason="",
            sequence=0,
            created_at=now,
            updated_at=now,
        )
        self.db.add(session)
        self.db.flush()
        emit(self.db, SessionScheduled, event_data(session))
        return OrganizerSessionSchema().dump(session)

    @rpc
    def update_session(self, session_id, payload):
        """Change some fields; a session that moves goes back to ``scheduled`` so the
        clock announces it again for its new times.  Started sessions cannot move."""
        changes = load_or_invalid(SessionChangesSchema, payload)
        session = lock_session(self.db, session_id)
        refuse_cancelled(session)
        if "track" in changes:
            check_track(self.db, changes["track"])
            changes["track_id"] = changes.pop("track")
        starts_at = changes.get("starts_at", session.starts_at)
        if changes.get("ends_at", session.ends_at) <= starts_at:
            raise Invalid("The request is not valid.", {"ends_at": ["Must be after starts_at."]})
        changed = {
            name: value for name, value in changes.items() if getattr(session, name) != value
        }
        if not changed:
            return OrganizerSessionSchema().dump(session)
        moved = bool({"starts_at", "ends_at"} & set(changed))
        if moved and session.status in (SESSION_LIVE, SESSION_ENDED):
            raise Conflict("A session that has started cannot move.", {"starts_at": ["started"]})
        previous = {
            "previous_starts_at": session.starts_at,
            "previous_ends_at": session.ends_at,
        }
        for name, value in changed.items():
            setattr(session, name, value)
        if moved:
            session.status = SESSION_SCHEDULED
        session.sequence += 1
        session.updated_at = utcnow()
        self.db.flush()
        emit(
            self.db,
            SessionUpdated,
            {
                **event_data(session),
                **previous,
                "changed": sorted("track" if n == "track_id" else n for n in changed),
                "moved": moved,
                "sequence": session.sequence,
            },
        )
        return OrganizerSessionSchema().dump(session)

    @rpc
    def cancel_session(self, session_id, payload=None):
        """Idempotent: cancelling a cancelled session answers it as it is."""
        reason = load_or_invalid(CancellationSchema, payload or {})["reason"]
        session = lock_session(self.db, session_id)
        if session.status == SESSION_CANCELLED:
            return OrganizerSessionSchema().dump(session)
        if session.status == SESSION_ENDED:
            raise Conflict("The session has ended.", {"session_id": ["ended"]})
        session.status = SESSION_CANCELLED
        session.cancel_reason = reason
        session.sequence += 1
        session.updated_at = utcnow()
        emit(self.db, SessionCancelled, {**event_data(session), "reason": reason})
        return OrganizerSessionSchema().dump(session)

    @rpc
    def list_sessions(self, filters=None, limit=50, cursor=None):
        """Sessions ordered by (starts_at, id), a page at a time (keyset pagination)."""
        page = load_or_invalid(
            SessionsPageArgs,
            {"filters": {} if filters is None else filters, "limit": limit, "cursor": cursor},
        )
        query = keyset(
            filtered(self.db, select(ProgramSession), page["filters"]),
            [ProgramSession.starts_at, ProgramSession.id],
            page["cursor"],
            page["limit"],
        )
        return keyset_page(
            self.db.scalars(query).all(),
            page["limit"],
            SessionSchema().dump,
            lambda session: (session.starts_at, session.id),
        )

    @rpc
    def get_session(self, session_id):
        return SessionSchema().dump(find_session(self.db, session_id))

    @rpc
    def program_ics(self):
        """The whole program, cancelled sessions included (so calendars drop them)."""
        event = current_event(self.db)
        sessions = self.db.scalars(
            select(ProgramSession)
            .order_by(ProgramSession.starts_at, ProgramSession.id)
            .limit(FEED_MAX_SESSIONS)
        )
        return ical.calendar(
            sessions, f"{event['name']}: program", self.config["PUBLIC_URL"], event["time_zone"]
        )


def filtered(db, query, filters):
    if "track" in filters:
        check_track(db, filters["track"], "filters")
        query = query.where(ProgramSession.track_id == filters["track"])
    if "day" in filters:
        zone = time_zone(filters.get("tz", "UTC"))
        day_start = datetime.combine(filters["day"], time.min, tzinfo=zone)
        day_end = datetime.combine(filters["day"] + timedelta(days=1), time.min, tzinfo=zone)
        query = query.where(
            ProgramSession.starts_at >= day_start.astimezone(UTC),
            ProgramSession.starts_at < day_end.astimezone(UTC),
        )
    if "kind" in filters:
        query = query.where(ProgramSession.kind == filters["kind"])
    if filters.get("speaker", "").strip():
        name = filters["speaker"].strip().lower()
        query = query.where(ProgramSession.speaker_text.contains(name, autoescape=True))
    if filters.get("q", "").strip():
        words = filters["q"].lower().split()
        query = query.where(
            *(ProgramSession.search_text.contains(word, autoescape=True) for word in words)
        )
    return query
