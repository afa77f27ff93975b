"""The session clock: when a session moves to its next status.

Lifecycle: ``scheduled -> starting -> live -> ended``. ``starting`` opens the reminder
window (``SESSION_REMINDER_LEAD_SECONDS`` before the start); ``cancelled`` sessions
never move.
"""

from datetime import timedelta

LIFECYCLE = ("scheduled", "starting", "live", "ended")


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
        target = "ended"
    elif now >= starts_at:
        target = "live"
    elif now >= starts_at - timedelta(seconds=lead_seconds):
        target = "starting"
    else:
        return None
    return target if LIFECYCLE.index(target) > LIFECYCLE.index(status) else None
