"""Sessions: tracks, the program, agendas, joining and attendance, chat and Q&A, and the
clock that runs sessions.

Attendance is measured in stretches: a join opens one (or keeps the open one alive),
the client joins again at least every ``ATTENDANCE_HEARTBEAT_SECONDS`` while it plays
the stream, and a leave closes it.  A stretch nobody kept alive ends one heartbeat
after it was last seen.  Minutes count only within the session's own times.
"""

from datetime import UTC, datetime, time, timedelta

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from sqlalchemy import and_, delete, func, or_, select, update

from plumbing.consumer import consume
from plumbing.db import Database, insert_ignoring_duplicates
from plumbing.errors import Conflict, Forbidden, Invalid, NotFound
from plumbing.events import utcnow
from plumbing.observability import Observability, OpsEndpoints
from plumbing.outbox import OutboxRelay, emit, forget_attendee
from plumbing.pagination import keyset, keyset_page
from plumbing.schemas import load_or_invalid
from plumbing.timer import timer_from_config
from services.registration.events import AttendeeCancelled, AttendeeErased
from services.sessions import ical
from services.sessions.clock import next_status
from services.sessions.events import (
    MessagePosted,
    SessionCancelled,
    SessionEnded,
    SessionScheduled,
    SessionStarted,
    SessionStarting,
    SessionUpdated,
)
from services.sessions.models import (
    AgendaEntry,
    Attendance,
    Message,
    ProgramSession,
    Track,
    Upvote,
)
from services.sessions.schemas import (
    ORGANIZER,
    AgendaChangeSchema,
    AgendaEntrySchema,
    AttendanceSchema,
    AttendeeArgsSchema,
    AttendeeIdSchema,
    CancellationSchema,
    HoldersPageSchema,
    JoinSchema,
    MessageChangesSchema,
    MessageIdSchema,
    MessageSchema,
    MessagesPageSchema,
    NewMessageSchema,
    NewSessionSchema,
    NewTrackSchema,
    OrganizerSessionSchema,
    ReportPageSchema,
    SessionChangesSchema,
    SessionIdSchema,
    SessionSchema,
    SessionsPageSchema,
    TrackSchema,
    time_zone,
)

EVENT_ON_ENTERING = {"starting": SessionStarting, "live": SessionStarted, "ended": SessionEnded}
CLOCK_BATCH_SIZE = 500
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


def attended_minutes(stretches, session, heartbeat, now):
    """Minutes covered by the stretches inside the session's times; overlapping
    stretches (two tabs, a double click) count once."""
    spans = sorted(
        (
            max(stretch.joined_at, session.starts_at),
            min(stretch.left_at or min(stretch.last_seen_at + heartbeat, now), session.ends_at),
        )
        for stretch in stretches
    )
    seconds, covered_until = 0.0, None
    for start, end in spans:
        if covered_until is not None:
            start = max(start, covered_until)
        if end > start:
            seconds += (end - start).total_seconds()
        covered_until = end if covered_until is None else max(covered_until, end)
    return round(seconds / 60, 1)


class SessionsService(OpsEndpoints):
    name = "sessions"

    config = Config()
    db = Database()
    outbox = OutboxRelay()
    observability = Observability()

    # -- tracks ----------------------------------------------------------------------

    @rpc
    def list_tracks(self):
        tracks = self.db.scalars(select(Track).order_by(Track.position))
        return TrackSchema(many=True).dump(tracks)

    @rpc
    def create_track(self, payload):
        fields = load_or_invalid(NewTrackSchema, payload)
        if self.db.get(Track, fields["id"]) is not None:
            raise Conflict("A track with this id exists.", {"id": ["taken"]})
        last = self.db.scalar(select(func.max(Track.position))) or 0
        track = Track(position=last + 1, **fields)
        self.db.add(track)
        return TrackSchema().dump(track)

    def _check_track(self, track_id, field="track"):
        if self.db.get(Track, track_id) is None:
            raise Invalid("The request is not valid.", {field: ["Unknown track."]})

    # -- the program -----------------------------------------------------------------

    @rpc
    def create_session(self, payload):
        fields = load_or_invalid(NewSessionSchema, payload)
        self._check_track(fields["track"])
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
            status="scheduled",
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
        session = self._locked_session(session_id)
        if session.status == "cancelled":
            raise Conflict("The session is cancelled.", {"session_id": ["cancelled"]})
        if "track" in changes:
            self._check_track(changes["track"])
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
        if moved and session.status in ("live", "ended"):
            raise Conflict("A session that has started cannot move.", {"starts_at": ["started"]})
        previous = {
            "previous_starts_at": session.starts_at,
            "previous_ends_at": session.ends_at,
        }
        for name, value in changed.items():
            setattr(session, name, value)
        if moved:
            session.status = "scheduled"
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
        session = self._locked_session(session_id)
        if session.status == "cancelled":
            return OrganizerSessionSchema().dump(session)
        if session.status == "ended":
            raise Conflict("The session has ended.", {"session_id": ["ended"]})
        session.status = "cancelled"
        session.cancel_reason = reason
        session.sequence += 1
        session.updated_at = utcnow()
        emit(self.db, SessionCancelled, {**event_data(session), "reason": reason})
        return OrganizerSessionSchema().dump(session)

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
            self._check_track(filters["track"], "filters")
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

    @rpc
    def get_session(self, session_id):
        return SessionSchema().dump(self._session(session_id))

    @rpc
    def program_ics(self):
        """The whole program, cancelled sessions included (so calendars drop them)."""
        sessions = self.db.scalars(
            select(ProgramSession)
            .order_by(ProgramSession.starts_at, ProgramSession.id)
            .limit(FEED_MAX_SESSIONS)
        )
        return ical.calendar(sessions, "Plenary program", self.config["PUBLIC_URL"])

    def _session(self, session_id):
        session_id = load_or_invalid(SessionIdSchema, {"session_id": session_id})["session_id"]
        session = self.db.get(ProgramSession, session_id)
        if session is None:
            raise NotFound("No such session.")
        return session

    def _locked_session(self, session_id):
        """The session, its row locked until this worker commits (the clock skips it)."""
        session_id = load_or_invalid(SessionIdSchema, {"session_id": session_id})["session_id"]
        session = self.db.scalars(
            select(ProgramSession)
            .where(ProgramSession.id == session_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if session is None:
            raise NotFound("No such session.")
        return session

    # -- agendas ---------------------------------------------------------------------

    @rpc
    def add_to_agenda(self, attendee_id, session_id):
        """Idempotent: adding again answers the first addition's time.  ``overlaps``
        lists the other sessions of the agenda at the same time (a warning only)."""
        args = load_or_invalid(
            AgendaChangeSchema, {"attendee_id": attendee_id, "session_id": session_id}
        )
        session = self._session(args["session_id"])
        if session.status == "cancelled":
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
        overlaps = self.db.scalars(
            self._agenda_query(args["attendee_id"]).where(
                ProgramSession.id != session.id,
                ProgramSession.status != "cancelled",
                ProgramSession.starts_at < session.ends_at,
                ProgramSession.ends_at > session.starts_at,
            )
        ).all()
        return AgendaEntrySchema().dump(
            {"session_id": entry.session_id, "added_at": entry.added_at, "overlaps": overlaps}
        )

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
        return SessionSchema(many=True).dump(self.db.scalars(self._agenda_query(attendee_id)))

    @rpc
    def agenda_ics(self, attendee_id):
        attendee_id = load_or_invalid(AttendeeIdSchema, {"attendee_id": attendee_id})["attendee_id"]
        sessions = self.db.scalars(self._agenda_query(attendee_id))
        return ical.calendar(sessions, "My Plenary agenda", self.config["PUBLIC_URL"])

    def _agenda_query(self, attendee_id):
        return (
            select(ProgramSession)
            .join(AgendaEntry, AgendaEntry.session_id == ProgramSession.id)
            .where(AgendaEntry.attendee_id == attendee_id)
            .order_by(ProgramSession.starts_at, ProgramSession.id)
        )

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

    # -- joining and attendance ------------------------------------------------------

    @property
    def heartbeat(self):
        return timedelta(seconds=float(self.config["ATTENDANCE_HEARTBEAT_SECONDS"]))

    @rpc
    def join_session(self, session_id, attendee):
        """Open (or keep alive) the attendee's stretch; doors open with the reminder
        and close at the end.  A full session refuses newcomers, not those present."""
        args = load_or_invalid(AttendeeArgsSchema, {"session_id": session_id, "attendee": attendee})
        attendee = args["attendee"]
        session = self._session(args["session_id"])
        now = utcnow()
        lead = timedelta(seconds=float(self.config["SESSION_REMINDER_LEAD_SECONDS"]))
        if session.status == "cancelled" or not (session.starts_at - lead <= now < session.ends_at):
            raise Conflict("The session is not open to join now.", {"session_id": ["closed"]})
        if session.capacity is not None:
            # joins of a limited session one at a time (across replicas): capacity holds
            self._locked_session(session.id)
        stretch = self._present_stretch(session.id, attendee["attendee_id"], now)
        if stretch is None:
            if session.capacity is not None:
                self._check_room(session.id, session.capacity, now)
            stretch = Attendance(session_id=session.id, joined_at=now)
            self.db.add(stretch)
        stretch.attendee_id = attendee["attendee_id"]
        stretch.attendee_name = attendee["full_name"]
        stretch.attendee_email = attendee["email"]
        stretch.last_seen_at = now
        return JoinSchema().dump(
            {
                "session_id": session.id,
                "status": session.status,
                "stream_url": session.stream_url,
                "joined_at": stretch.joined_at,
                "heartbeat_seconds": int(self.heartbeat.total_seconds()),
            }
        )

    def _present_stretch(self, session_id, attendee_id, now):
        return self.db.scalars(
            select(Attendance).where(
                Attendance.session_id == session_id,
                Attendance.attendee_id == attendee_id,
                Attendance.left_at.is_(None),
                Attendance.last_seen_at > now - self.heartbeat,
            )
        ).first()

    def _check_room(self, session_id, capacity, now):
        present = self.db.scalar(
            select(func.count(func.distinct(Attendance.attendee_id))).where(
                Attendance.session_id == session_id,
                Attendance.left_at.is_(None),
                Attendance.last_seen_at > now - self.heartbeat,
            )
        )
        if present >= capacity:
            raise Conflict("The session is full.", {"session_id": ["full"]})

    @rpc
    def leave_session(self, session_id, attendee_id):
        """Idempotent: close the attendee's open stretches of this session."""
        args = load_or_invalid(
            AgendaChangeSchema, {"attendee_id": attendee_id, "session_id": session_id}
        )
        self._session(args["session_id"])
        now = utcnow()
        open_stretches = self.db.scalars(
            select(Attendance).where(
                Attendance.session_id == args["session_id"],
                Attendance.attendee_id == args["attendee_id"],
                Attendance.left_at.is_(None),
            )
        )
        for stretch in open_stretches:
            stretch.left_at = min(now, stretch.last_seen_at + self.heartbeat)

    @rpc
    def attendance_report(self, session_id, limit=50, cursor=None):
        """Per attendee, ordered by id: minutes attended inside the session's times."""
        page = load_or_invalid(
            ReportPageSchema, {"session_id": session_id, "limit": limit, "cursor": cursor}
        )
        session = self._session(page["session_id"])
        ids = self.db.scalars(
            keyset(
                select(Attendance.attendee_id)
                .where(Attendance.session_id == session.id)
                .group_by(Attendance.attendee_id),
                [Attendance.attendee_id],
                page["cursor"],
                page["limit"],
            )
        ).all()
        shown = ids[: page["limit"]]
        stretches = self.db.scalars(
            select(Attendance)
            .where(Attendance.session_id == session.id, Attendance.attendee_id.in_(shown))
            .order_by(Attendance.joined_at)
        ).all()
        by_attendee = {}
        for stretch in stretches:
            by_attendee.setdefault(stretch.attendee_id, []).append(stretch)
        now = utcnow()
        rows = {
            attendee_id: {
                "attendee_id": attendee_id,
                "full_name": own[-1].attendee_name,
                "email": own[-1].attendee_email,
                "minutes": attended_minutes(own, session, self.heartbeat, now),
                "first_joined_at": own[0].joined_at,
                "last_seen_at": max(stretch.last_seen_at for stretch in own),
            }
            for attendee_id, own in by_attendee.items()
        }
        return {
            "session_id": session.id,
            **keyset_page(
                ids, page["limit"], lambda a: AttendanceSchema().dump(rows[a]), lambda a: (a,)
            ),
        }

    # -- chat and Q&A ----------------------------------------------------------------

    @rpc
    def post_message(self, session_id, attendee, payload):
        args = load_or_invalid(AttendeeArgsSchema, {"session_id": session_id, "attendee": attendee})
        fields = load_or_invalid(NewMessageSchema, payload)
        session = self._session(args["session_id"])
        if session.status == "cancelled":
            raise Conflict("The session is cancelled.", {"session_id": ["cancelled"]})
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
        args = {"session_id": session_id, "limit": limit, "cursor": cursor}
        page = load_or_invalid(MessagesPageSchema, {**args, **({"kind": kind} if kind else {})})
        session = self._session(page["session_id"])
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
        organizer and for attendees whose email is one of the session's speakers'."""
        fields = load_or_invalid(MessageChangesSchema, changes)
        session = self._session(session_id)
        if not self._is_moderator(session, viewer):
            raise Forbidden("Only the session's speakers and the organizers moderate it.")
        message = self._message(session, message_id)
        now = utcnow()
        if "answered" in fields:
            if message.kind != "question":
                raise Invalid("The request is not valid.", {"answered": ["Not a question."]})
            message.answered_at = (message.answered_at or now) if fields["answered"] else None
        if "hidden" in fields:
            message.hidden_at = (message.hidden_at or now) if fields["hidden"] else None
        return MessageSchema().dump(message)

    @rpc
    def upvote_question(self, session_id, message_id, attendee_id):
        """Idempotent: one upvote per attendee and question."""
        args = load_or_invalid(
            AgendaChangeSchema, {"attendee_id": attendee_id, "session_id": session_id}
        )
        message = self._message(self._session(args["session_id"]), message_id)
        if message.kind != "question" or message.hidden_at is not None:
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
        message_id = load_or_invalid(MessageIdSchema, {"message_id": message_id})["message_id"]
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
        return any(
            speaker.get("email", "").lower() == email.lower() for speaker in session.speakers
        )

    # -- personal data ---------------------------------------------------------------

    @rpc
    def export_attendee(self, attendee_id):
        """Everything this service holds on the attendee (GDPR access)."""
        attendee_id = load_or_invalid(AttendeeIdSchema, {"attendee_id": attendee_id})["attendee_id"]
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
        self._drop_agenda(attendee_id)
        forget_attendee(self.db, attendee_id)  # sent message_posted rows name the author

    @consume(AttendeeCancelled)
    def on_attendee_cancelled(self, event):
        """A cancelled registration keeps its attendance (it happened) but its agenda
        goes: no more reminders or change notices for it."""
        self._drop_agenda(event.data["attendee_id"])

    def _drop_agenda(self, attendee_id):
        self.db.execute(delete(AgendaEntry).where(AgendaEntry.attendee_id == attendee_id))

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
