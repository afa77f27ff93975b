"""Joining sessions and attendance.

Attendance is measured in stretches: a join opens one (or keeps the open one alive),
the client joins again at least every ``ATTENDANCE_HEARTBEAT_SECONDS`` while it plays
the stream, and a leave closes it.  A stretch nobody kept alive ends one heartbeat
after it was last seen.  Minutes count only within the session's own times.
"""

from datetime import timedelta

from nameko.rpc import rpc
from sqlalchemy import func, select

from contracts.enums import SESSION_CANCELLED
from contracts.errors import Conflict
from contracts.rpc.sessions import (
    AttendanceSchema,
    AttendeeSessionArgs,
    JoinSchema,
    ReportPageArgs,
    SessionActorArgs,
)
from plumbing.events import utcnow
from plumbing.pagination import keyset, keyset_page
from plumbing.schemas import load_or_invalid
from services.sessions.lookup import find_session, lock_session
from services.sessions.models import Attendance


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


class AttendanceRpcs:
    @property
    def heartbeat(self):
        return timedelta(seconds=float(self.config["ATTENDANCE_HEARTBEAT_SECONDS"]))

    @rpc
    def join_session(self, session_id, attendee):
        """Open (or keep alive) the attendee's stretch; doors open with the reminder
        and close at the end.  A full session refuses newcomers, not those present."""
        args = load_or_invalid(SessionActorArgs, {"session_id": session_id, "attendee": attendee})
        attendee = args["attendee"]
        session = find_session(self.db, args["session_id"])
        now = utcnow()
        lead = timedelta(seconds=float(self.config["SESSION_REMINDER_LEAD_SECONDS"]))
        doors_open = session.starts_at - lead <= now < session.ends_at
        if session.status == SESSION_CANCELLED or not doors_open:
            raise Conflict("The session is not open to join now.", {"session_id": ["closed"]})
        if session.capacity is not None:
            # joins of a limited session one at a time (across replicas): capacity holds
            lock_session(self.db, session.id)
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
            AttendeeSessionArgs, {"attendee_id": attendee_id, "session_id": session_id}
        )
        find_session(self.db, args["session_id"])
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
            ReportPageArgs, {"session_id": session_id, "limit": limit, "cursor": cursor}
        )
        session = find_session(self.db, page["session_id"])
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
