"""The session clock: when a session moves to its next status.

Lifecycle: ``scheduled -> starting -> live -> ended``. ``starting`` opens the reminder
window (``SESSION_REMINDER_LEAD_SECONDS`` before the start); ``cancelled`` sessions
never move.  ``ClockTimers.tick`` is the timer that applies ``next_status``.
"""

from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from contracts.enums import SESSION_ENDED, SESSION_LIVE, SESSION_SCHEDULED, SESSION_STARTING
from contracts.events.sessions import SessionEnded, SessionStarted, SessionStarting
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.timer import timer_from_config
from services.sessions.models import ProgramSession
from services.sessions.program import event_data

LIFECYCLE = (SESSION_SCHEDULED, SESSION_STARTING, SESSION_LIVE, SESSION_ENDED)
EVENT_ON_ENTERING = {
    SESSION_STARTING: SessionStarting,
    SESSION_LIVE: SessionStarted,
    SESSION_ENDED: SessionEnded,
}
CLOCK_BATCH_SIZE = 500


def next_status(status, starts_at, ends_at, now, lead_seconds):
    """The status a session should be in at ``now``, or None if it stays where it is.

    The target depends on the time alone, so a clock that was down catches up in one
    step: a session enters only the status the time calls for and the events of the
    statuses it skipped are never emitted.  In particular a session whose start has
    passed never gets ``starting`` (no stale reminder): it goes to ``live``, or straight
    to ``ended`` (emitting only ``session_ended``) if its end has passed too.  A reminder
    that is late but still before the start is sent.  Statuses never move backwards.
    """
    if status not in LIFECYCLE:
        return None
    if now >= ends_at:
        target = SESSION_ENDED
    elif now >= starts_at:
        target = SESSION_LIVE
    elif now >= starts_at - timedelta(seconds=lead_seconds):
        target = SESSION_STARTING
    else:
        return None
    return target if LIFECYCLE.index(target) > LIFECYCLE.index(status) else None


class ClockTimers:
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
                        session.status == SESSION_SCHEDULED,
                        session.starts_at <= now + timedelta(seconds=lead),
                    ),
                    and_(session.status == SESSION_STARTING, session.starts_at <= now),
                    and_(session.status == SESSION_LIVE, session.ends_at <= now),
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
