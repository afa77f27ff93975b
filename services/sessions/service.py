"""Sessions: tracks, the program, attendees' agendas and the clock that runs sessions."""

from datetime import UTC, datetime, timedelta

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from sqlalchemy import and_, delete, or_, select, update

from plumbing.db import Database, insert_ignoring_duplicates
from plumbing.errors import Conflict, Invalid, NotFound
from plumbing.events import utcnow
from plumbing.observability import Observability, OpsEndpoints
from plumbing.outbox import OutboxRelay, emit
from plumbing.pagination import keyset, keyset_page
from plumbing.schemas import load_or_invalid
from plumbing.timer import timer_from_config
from services.sessions.clock import next_status
from services.sessions.events import (
    SessionEnded,
    SessionScheduled,
    SessionStarted,
    SessionStarting,
)
from services.sessions.models import AgendaEntry, ProgramSession, Track
from services.sessions.schemas import (
    AgendaChangeSchema,
    AgendaEntrySchema,
    AttendeeIdSchema,
    HoldersPageSchema,
    NewSessionSchema,
    SessionIdSchema,
    SessionSchema,
    SessionsPageSchema,
    TrackSchema,
)

EVENT_ON_ENTERING = {"starting": SessionStarting, "live": SessionStarted, "ended": SessionEnded}
CLOCK_BATCH_SIZE = 500


def event_data(session):
    return {
        "session_id": session.id,
        "title": session.title,
        "track": session.track_id,
        "kind": session.kind,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
    }


class SessionsService(OpsEndpoints):
    name = "sessions"

    config = Config()
    db = Database()
    outbox = OutboxRelay()
    observability = Observability()

    # -- tracks and the program ------------------------------------------------------

    @rpc
    def list_tracks(self):
        tracks = self.db.scalars(select(Track).order_by(Track.position))
        return TrackSchema(many=True).dump(tracks)

    @rpc
    def create_session(self, payload):
        fields = load_or_invalid(NewSessionSchema, payload)
        if self.db.get(Track, fields["track"]) is None:
            raise Invalid("The request is not valid.", {"track": ["Unknown track."]})
        session = ProgramSession(
            title=fields["title"],
            abstract=fields["abstract"],
            track_id=fields["track"],
            kind=fields["kind"],
            starts_at=fields["starts_at"],
            ends_at=fields["ends_at"],
            speakers=fields["speakers"],
            capacity=fields["capacity"],
            status="scheduled",
            created_at=utcnow(),
        )
        self.db.add(session)
        self.db.flush()
        emit(self.db, SessionScheduled, event_data(session))
        return SessionSchema().dump(session)

    @rpc
    def list_sessions(self, filters=None, limit=50, cursor=None):
        """Sessions ordered by (starts_at, id), a page at a time (keyset pagination)."""
        page = load_or_invalid(
            SessionsPageSchema,
            {"filters": {} if filters is None else filters, "limit": limit, "cursor": cursor},
        )
        query = keyset(
            self._filtered(select(ProgramSession), page["filters"]),
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

    def _filtered(self, query, filters):
        if "track" in filters:
            if self.db.get(Track, filters["track"]) is None:
                raise Invalid(
                    "The request is not valid.", {"filters": {"track": ["Unknown track."]}}
                )
            query = query.where(ProgramSession.track_id == filters["track"])
        if "day" in filters:
            day_start = datetime.combine(filters["day"], datetime.min.time(), tzinfo=UTC)
            query = query.where(
                ProgramSession.starts_at >= day_start,
                ProgramSession.starts_at < day_start + timedelta(days=1),
            )
        if filters.get("q", "").strip():
            words = filters["q"].lower().split()
            query = query.where(
                *(ProgramSession.search_text.contains(word, autoescape=True) for word in words)
            )
        return query

    @rpc
    def get_session(self, session_id):
        return SessionSchema().dump(self._session(session_id))

    def _session(self, session_id):
        session_id = load_or_invalid(SessionIdSchema, {"session_id": session_id})["session_id"]
        session = self.db.get(ProgramSession, session_id)
        if session is None:
            raise NotFound("No such session.")
        return session

    # -- agendas ---------------------------------------------------------------------

    @rpc
    def add_to_agenda(self, attendee_id, session_id):
        """Idempotent: adding again answers the first addition's time."""
        args = load_or_invalid(
            AgendaChangeSchema, {"attendee_id": attendee_id, "session_id": session_id}
        )
        if self._session(args["session_id"]).status == "cancelled":
            raise Conflict("The session is cancelled.", {"session_id": ["cancelled"]})
        row = {
            "session_id": args["session_id"],
            "attendee_id": args["attendee_id"],
            "added_at": utcnow(),
        }
        # a concurrent identical call must not fail on the primary key
        insert_ignoring_duplicates(
            self.db, AgendaEntry.__table__, [row], ["session_id", "attendee_id"]
        )
        entry = self.db.get(AgendaEntry, (args["session_id"], args["attendee_id"]))
        return AgendaEntrySchema().dump(entry)

    @rpc
    def remove_from_agenda(self, attendee_id, session_id):
        """Idempotent: removing what is not there (or an unknown session) is fine."""
        args = load_or_invalid(
            AgendaChangeSchema, {"attendee_id": attendee_id, "session_id": session_id}
        )
        self.db.execute(
            delete(AgendaEntry).where(
                AgendaEntry.attendee_id == args["attendee_id"],
                AgendaEntry.session_id == args["session_id"],
            )
        )

    @rpc
    def get_agenda(self, attendee_id):
        attendee_id = load_or_invalid(AttendeeIdSchema, {"attendee_id": attendee_id})["attendee_id"]
        sessions = self.db.scalars(
            select(ProgramSession)
            .join(AgendaEntry, AgendaEntry.session_id == ProgramSession.id)
            .where(AgendaEntry.attendee_id == attendee_id)
            .order_by(ProgramSession.starts_at, ProgramSession.id)
        )
        return SessionSchema(many=True).dump(sessions)

    @rpc
    def agenda_holders(self, session_id, cursor=None, limit=1000):
        """Attendee ids with the session in their agenda, ordered by id, a page at a time."""
        page = load_or_invalid(
            HoldersPageSchema, {"session_id": session_id, "cursor": cursor, "limit": limit}
        )
        self._session(page["session_id"])
        query = keyset(
            select(AgendaEntry.attendee_id).where(AgendaEntry.session_id == page["session_id"]),
            [AgendaEntry.attendee_id],
            page["cursor"],
            page["limit"],
        )
        ids = keyset_page(
            self.db.scalars(query).all(), page["limit"], str, lambda attendee_id: (attendee_id,)
        )
        return {"attendee_ids": ids["items"], "next_cursor": ids["next_cursor"]}

    # -- the clock -------------------------------------------------------------------

    @timer_from_config("SESSION_CLOCK_INTERVAL")
    def tick(self):
        """Move every due session to the status the time calls for (see next_status).

        The due rows are locked for this tick's transaction (other replicas skip them),
        and each update is guarded by the status seen, so a transition happens once."""
        now = utcnow()
        lead = float(self.config["SESSION_REMINDER_LEAD_SECONDS"])
        for session in self._lock_due_sessions(now, lead):
            target = next_status(session.status, session.starts_at, session.ends_at, now, lead)
            if target is not None and self._move(session, target):
                emit(self.db, EVENT_ON_ENTERING[target], event_data(session))

    def _lock_due_sessions(self, now, lead):
        session = ProgramSession
        return self.db.scalars(
            select(session)
            .where(
                or_(
                    and_(
                        session.status == "scheduled",
                        session.starts_at <= now + timedelta(seconds=lead),
                    ),
                    and_(session.status == "starting", session.starts_at <= now),
                    and_(session.status == "live", session.ends_at <= now),
                )
            )
            .order_by(session.starts_at)
            .limit(CLOCK_BATCH_SIZE)
            .with_for_update(skip_locked=True)
        ).all()

    def _move(self, session, target):
        """Whether this worker made the move (SQLite has no row locks: the guard does)."""
        return self.db.execute(
            update(ProgramSession)
            .where(ProgramSession.id == session.id, ProgramSession.status == session.status)
            .values(status=target)
            .execution_options(synchronize_session=False)
        ).rowcount
