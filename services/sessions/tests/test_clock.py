"""The clock: sessions move scheduled -> starting -> live -> ended, each step once."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from sqlalchemy import select, text

from plumbing.events import utcnow
from plumbing.testing import wait_until
from services.sessions.clock import next_status
from services.sessions.models import ProgramSession
from services.sessions.service import SessionsService
from services.sessions.tests.conftest import ONE_HOUR, add_session, outbox_events

START = datetime(2030, 5, 4, 10, 0, tzinfo=UTC)
END = START + ONE_HOUR
LEAD = 900


@pytest.mark.parametrize(
    "status, now, expected",
    [
        ("scheduled", START - timedelta(seconds=901), None),
        ("scheduled", START - timedelta(seconds=900), "starting"),
        ("scheduled", START, "live"),  # start passed: no stale reminder
        ("scheduled", END, "ended"),  # all of it passed: straight to ended
        ("starting", START - timedelta(seconds=1), None),
        ("starting", START, "live"),
        ("starting", END + ONE_HOUR, "ended"),
        ("live", END - timedelta(seconds=1), None),
        ("live", END, "ended"),
        ("live", START - timedelta(seconds=600), None),  # never backwards
        ("ended", END + ONE_HOUR, None),
        ("cancelled", START, None),
    ],
)
def test_next_status(status, now, expected):
    assert next_status(status, START, END, now, LEAD) == expected


def events_by_session(db):
    found = {}
    for event_type, data in outbox_events(db):
        found.setdefault(data["session_id"], []).append(event_type)
    return found


def statuses(db):
    rows = db.execute(select(ProgramSession.id, ProgramSession.status)).all()
    db.rollback()
    return dict(rows)


def test_two_replicas_fire_each_transition_once(db, service_config, container_factory):
    settings = {"SESSION_CLOCK_INTERVAL": 0.1, "SESSION_REMINDER_LEAD_SECONDS": 0.5}
    for _ in range(2):  # same database and vhost; only the ops port differs
        container_factory(SessionsService, service_config("sessions", **settings)).start()
    ids = [
        add_session(db, timedelta(seconds=1), timedelta(seconds=0.5), title=f"T{i}")
        for i in range(12)
    ]

    wait_until(lambda: set(statuses(db).values()) == {"ended"})

    events = events_by_session(db)
    assert set(events) == set(ids)
    for session_id in ids:
        assert events[session_id] == ["session_starting", "session_started", "session_ended"]


def test_catch_up_after_downtime_sends_no_stale_reminder(db, start_service):
    already_live = add_session(db, -timedelta(minutes=10), ONE_HOUR)
    already_over = add_session(db, -2 * ONE_HOUR, ONE_HOUR)
    reminder_due = add_session(db, timedelta(seconds=30), ONE_HOUR)
    far_ahead = add_session(db, timedelta(days=1), ONE_HOUR)
    start_service("sessions", SESSION_CLOCK_INTERVAL=0.1, SESSION_REMINDER_LEAD_SECONDS=60)

    expected = {
        already_live: "live",
        already_over: "ended",
        reminder_due: "starting",
        far_ahead: "scheduled",
    }
    wait_until(lambda: statuses(db) == expected)

    assert events_by_session(db) == {
        already_live: ["session_started"],
        already_over: ["session_ended"],
        reminder_due: ["session_starting"],
    }
    assert Counter(t for t, _ in outbox_events(db)) == Counter(
        {"session_started": 1, "session_ended": 1, "session_starting": 1}
    )


def test_a_clock_stopped_across_a_transition_catches_up_once(db, start_service):
    settings = {"SESSION_CLOCK_INTERVAL": 0.1, "SESSION_REMINDER_LEAD_SECONDS": 60}
    first = start_service("sessions", **settings)
    session_id = add_session(db, timedelta(seconds=2), ONE_HOUR)
    wait_until(lambda: statuses(db) == {session_id: "starting"})
    first.stop()

    starts_at = db.get(ProgramSession, session_id).starts_at
    db.rollback()
    wait_until(lambda: utcnow() > starts_at, what="the start to pass while the clock is down")
    assert statuses(db) == {session_id: "starting"}

    start_service("sessions", **settings)
    wait_until(lambda: statuses(db) == {session_id: "live"})
    assert events_by_session(db) == {session_id: ["session_starting", "session_started"]}


def test_a_moved_session_is_announced_again_for_its_new_time(db, start_service, rpc_proxy):
    start_service("sessions", SESSION_CLOCK_INTERVAL=0.1, SESSION_REMINDER_LEAD_SECONDS=60)
    session_id = add_session(db, timedelta(seconds=30), ONE_HOUR)
    wait_until(lambda: statuses(db) == {session_id: "starting"})
    later = utcnow() + timedelta(days=1)
    rpc_proxy("sessions").update_session(
        session_id,
        {"starts_at": later.isoformat(), "ends_at": (later + ONE_HOUR).isoformat()},
    )
    assert statuses(db) == {session_id: "scheduled"}
    assert events_by_session(db) == {session_id: ["session_starting", "session_updated"]}


def refuse_events_about(session_id):
    """A bug that meets one session's event (the outbox insert fails for it alone)."""
    return f"""
CREATE FUNCTION refuse_one_session() RETURNS trigger AS $$
BEGIN
  IF NEW.envelope LIKE '%{session_id}%' THEN RAISE EXCEPTION 'a bug meets this row'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_one_session BEFORE INSERT ON outbox
  FOR EACH ROW EXECUTE FUNCTION refuse_one_session();
"""


def test_a_session_whose_event_fails_holds_up_and_repeats_no_other(db, start_service):
    """The clock's batch audit: the failing session is first in the batch (the earliest
    start); it stays behind, tick after tick, while the others move once each; after
    the fix it catches up once."""
    bad = add_session(db, -timedelta(minutes=20), ONE_HOUR, title="Broken")
    others = [add_session(db, -timedelta(minutes=10), ONE_HOUR, title=f"T{n}") for n in range(5)]
    db.execute(text(refuse_events_about(bad)))
    db.commit()
    start_service("sessions", SESSION_CLOCK_INTERVAL=0.1, SESSION_REMINDER_LEAD_SECONDS=60)

    wait_until(lambda: all(statuses(db)[s] == "live" for s in others))
    eventlet.sleep(1)  # ten more ticks: the failing one is tried again, nothing repeats
    assert statuses(db)[bad] == "scheduled"
    assert events_by_session(db) == {s: ["session_started"] for s in others}

    db.execute(text("DROP TRIGGER refuse_one_session ON outbox"))
    db.commit()
    wait_until(lambda: statuses(db)[bad] == "live")
    eventlet.sleep(0.5)
    assert events_by_session(db) == {s: ["session_started"] for s in [bad, *others]}
