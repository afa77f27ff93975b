"""Fan-out at scale: a session's agenda holders and announcements to every attendee are
split into notification_batch events on their own queue; each recipient gets one feed
item however often the trigger or a batch is delivered."""

import time
from datetime import UTC, datetime, timedelta

from kombu import Connection
from nameko.rpc import rpc
from sqlalchemy import event, func, select, text
from sqlalchemy.engine.interfaces import ExecuteStyle

from contracts.errors import NotFound
from contracts.events.sessions import SessionCancelled, SessionStarting, SessionUpdated
from plumbing.replica import AttendeeReplica, ErasedAttendee
from plumbing.testing import count_rows, outbox_envelopes, wait_until
from plumbing.topology import dead_letter_queue_name, work_queue_name
from services.notifications import emails, fanout
from services.notifications.models import Notification, OutgoingEmail, Preferences

SESSION = {
    "session_id": "ses-big",
    "title": "Reconnect: the keynote",
    "track": "reconnect",
    "kind": "keynote",
    "starts_at": datetime(2026, 5, 4, 14, 0, tzinfo=UTC),
    "ends_at": datetime(2026, 5, 4, 15, 0, tzinfo=UTC),
}


def holders_service(attendee_ids):
    class FakeSessions:
        """Stands in for sessions: agenda_holders pages over ``attendee_ids``."""

        name = "sessions"

        @rpc
        def agenda_holders(self, session_id, cursor=None, limit=1000):
            if session_id != SESSION["session_id"]:
                raise NotFound("No such session.")
            start = int(cursor or 0)
            more = start + limit < len(attendee_ids)
            return {
                "attendee_ids": attendee_ids[start : start + limit],
                "next_cursor": str(start + limit) if more else None,
            }

    return FakeSessions


def per_attendee_counts(db, kind):
    db.rollback()
    return db.execute(
        select(func.count(), func.count(func.distinct(Notification.attendee_id))).where(
            Notification.kind == kind
        )
    ).one()


def test_twenty_thousand_agenda_holders_each_get_the_reminder_once(
    notifications, publish, container_factory, rabbit_config, db_session
):
    holders = [f"att-{number:05d}" for number in range(20_000)]
    container_factory(holders_service(holders), dict(rabbit_config)).start()
    service = notifications()
    db = db_session("notifications")

    started = time.monotonic()
    envelope = publish(SessionStarting, SESSION)
    publish(SessionStarting, envelope=envelope)  # the trigger delivered twice
    publish(SessionStarting, SESSION)  # and the same fact announced twice

    wait_until(
        lambda: per_attendee_counts(db, "session_starting")[0] >= len(holders),
        timeout=90,
        interval=0.5,
        what="every holder's reminder",
    )
    print(f"\n20,000 reminders in {time.monotonic() - started:.1f} s")
    # the 20 batches of the second announcement find every item already there
    wait_until(lambda: len(outbox_envelopes(db, "notification_batch")) == 40, timeout=30)
    time.sleep(1)  # let any late batch land, so a duplicate would show below
    assert per_attendee_counts(db, "session_starting") == (len(holders), len(holders))
    [item] = service.list_notifications("att-19999")["items"]
    assert item["title"] == "Starting soon: Reconnect: the keynote"
    batches = outbox_envelopes(db, "notification_batch")
    assert {len(batch["data"]["attendee_ids"]) for batch in batches} == {1000}


def test_moved_and_cancelled_sessions_tell_holders_by_feed_and_email(
    notifications, publish, container_factory, rabbit_config, db_session, smtp_sink
):
    holders = ["att-ada", "att-bob", "att-cy"]
    container_factory(holders_service(holders), dict(rabbit_config)).start()
    service = notifications(SMTP_PORT=smtp_sink.port)
    db = db_session("notifications")
    now = datetime.now(UTC)
    for attendee_id in holders[:2]:  # att-cy never registered here: feed only
        db.add(
            AttendeeReplica(
                attendee_id=attendee_id,
                email=f"{attendee_id}@example.org",
                full_name=attendee_id.upper(),
                active=True,
                updated_at=now,
            )
        )
    db.commit()
    service.update_preferences("att-bob", {"channels": {"session_moved": {"email": False}}})

    moved = {
        **SESSION,
        "starts_at": SESSION["starts_at"] + timedelta(hours=1),
        "ends_at": SESSION["ends_at"] + timedelta(hours=1),
        "changed": ["starts_at", "ends_at"],
        "moved": True,
        "previous_starts_at": SESSION["starts_at"],
        "previous_ends_at": SESSION["ends_at"],
        "sequence": 1,
    }
    publish(SessionUpdated, {**moved, "moved": False, "changed": ["title"], "sequence": 2})
    publish(SessionUpdated, moved)
    publish(SessionCancelled, {**SESSION, "reason": "The speaker is ill."})

    wait_until(lambda: count_rows(db, Notification) == 6)
    feed = service.list_notifications("att-cy")["items"]
    assert sorted(item["kind"] for item in feed) == ["session_cancelled", "session_moved"]
    moved_item = next(item for item in feed if item["kind"] == "session_moved")
    assert "15:00" in moved_item["body"] and "was 2026-05-04 14:00" in moved_item["body"]
    # ada: moved + cancelled; bob: cancelled only (moved by email switched off)
    messages = wait_until(lambda: len(smtp_sink.messages()) == 3 and smtp_sink.messages())
    assert sorted((m["To"], m["Subject"].split(":")[0]) for m in messages) == [
        ("att-ada@example.org", "Cancelled"),
        ("att-ada@example.org", "Moved"),
        ("att-bob@example.org", "Cancelled"),
    ]
    assert count_rows(db, OutgoingEmail) == 3


def test_an_announcement_reaches_every_active_attendee_once(notifications, db_session, smtp_sink):
    service = notifications(SMTP_PORT=smtp_sink.port, FANOUT_BATCH_SIZE=2)
    db = db_session("notifications")
    now = datetime.now(UTC)
    for number in range(5):
        db.add(
            AttendeeReplica(
                attendee_id=f"att-{number}",
                email=f"a{number}@example.org",
                full_name=f"A{number}",
                active=number != 4,  # att-4 cancelled
                updated_at=now,
            )
        )
    db.commit()
    service.update_preferences("att-0", {"channels": {"announcement": {"email": False}}})

    answer = service.announce({"title": " Hall B is open ", "body": "Come and see."})

    assert answer["recipients"] == 4 and answer["title"] == "Hall B is open"
    wait_until(lambda: count_rows(db, Notification) == 4)
    assert len(outbox_envelopes(db, "notification_batch")) == 2
    assert service.list_notifications("att-4")["items"] == []
    [item] = service.list_notifications("att-3")["items"]
    assert item["data"] == {"announcement_id": answer["id"]}
    messages = wait_until(lambda: len(smtp_sink.messages()) == 3 and smtp_sink.messages())
    assert sorted(m["To"] for m in messages) == [
        "a1@example.org",
        "a2@example.org",
        "a3@example.org",
    ]


def test_reminder_emails_follow_each_attendees_lead_time(
    notifications, publish, container_factory, rabbit_config, db_session
):
    container_factory(holders_service(["att-ada", "att-bob"]), dict(rabbit_config)).start()
    # no email tick during the test: it would lease att-bob's mail (due at once) and move
    # its next attempt before the check below reads it
    service = notifications(OUTGOING_POLL_INTERVAL=3600)
    db = db_session("notifications")
    now = datetime.now(UTC)
    for attendee_id in ("att-ada", "att-bob"):
        db.add(
            AttendeeReplica(
                attendee_id=attendee_id,
                email=f"{attendee_id}@example.org",
                full_name=attendee_id,
                active=True,
                updated_at=now,
            )
        )
    db.commit()
    service.update_preferences("att-ada", {"reminder_minutes_before": 5})
    soon = {**SESSION, "starts_at": now + timedelta(hours=1), "ends_at": now + timedelta(hours=2)}

    publish(SessionStarting, soon)

    wait_until(lambda: count_rows(db, OutgoingEmail) == 2)
    db.rollback()
    due = {e.attendee_id: e.next_attempt_at for e in db.scalars(select(OutgoingEmail))}
    assert due["att-ada"] == soon["starts_at"] - timedelta(minutes=5)
    assert due["att-bob"] <= datetime.now(UTC)  # no lead time of its own: at once


BAD_RECIPIENT_TRIGGER = """
CREATE FUNCTION refuse_att_bad() RETURNS trigger AS $$
BEGIN
  IF NEW.attendee_id = 'att-bad' THEN RAISE EXCEPTION 'a bug meets this row'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_att_bad BEFORE INSERT ON notifications
  FOR EACH ROW EXECUTE FUNCTION refuse_att_bad();
"""


def queue_depth(amqp_uri, name):
    with Connection(amqp_uri) as connection:
        return connection.default_channel.queue_declare(name, passive=True).message_count


def add_replicas(db, attendees):
    now = datetime.now(UTC)
    for attendee_id, email in attendees:
        db.add(
            AttendeeReplica(
                attendee_id=attendee_id,
                email=email,
                full_name=attendee_id.upper(),
                active=True,
                updated_at=now,
            )
        )
    db.commit()


def test_a_batch_that_keeps_failing_is_parked_and_the_other_batches_go_once(
    notifications, db_session, smtp_sink, rabbit_config
):
    """The fan-out audit: each batch is its own message with its own retries, so a
    recipient whose row a bug refuses parks only the batch it is in."""
    db = db_session("notifications")
    attendees = [(f"att-{n}", f"a{n}@example.org") for n in range(5)]
    add_replicas(db, [*attendees, ("att-bad", "bad@example.org")])
    db.execute(text(BAD_RECIPIENT_TRIGGER))
    db.commit()
    service = notifications(SMTP_PORT=smtp_sink.port, FANOUT_BATCH_SIZE=2)

    service.announce({"title": "Hall B is open", "body": "Come and see."})

    batch_queue = work_queue_name(
        "notifications", "notification_batch", "notifications", "on_notification_batch"
    )
    dead_letters = dead_letter_queue_name(batch_queue)
    wait_until(lambda: queue_depth(rabbit_config["AMQP_URI"], dead_letters) == 1, timeout=20)
    # the batches run in attendee order: att-bad shares its batch with att-4
    delivered = {a for a, _ in attendees} - {"att-4"}
    wait_until(lambda: len(smtp_sink.messages()) == len(delivered), timeout=20)
    time.sleep(1)  # a repeated batch would show now
    db.rollback()
    feed = dict(
        db.execute(
            select(Notification.attendee_id, func.count()).group_by(Notification.attendee_id)
        ).all()
    )
    assert feed == dict.fromkeys(delivered, 1)
    assert sorted(m["To"] for m in smtp_sink.messages()) == sorted(
        email for a, email in attendees if a in delivered
    )
    assert queue_depth(rabbit_config["AMQP_URI"], batch_queue) == 0


def test_a_recipient_whose_address_cannot_be_mailed_holds_up_nobody(
    notifications, db_session, smtp_sink
):
    """An old replica row with a line separator in the address: its mail is parked with
    the reason, the batch and every other mail in it go once."""
    db = db_session("notifications")
    attendees = [(f"att-{n}", f"a{n}@example.org") for n in range(4)]
    add_replicas(db, [*attendees, ("att-odd", "odd\u2028@example.org")])
    service = notifications(SMTP_PORT=smtp_sink.port, FANOUT_BATCH_SIZE=10)

    service.announce({"title": "Hall B is open", "body": "Come and see."})

    wait_until(lambda: len(smtp_sink.messages()) == len(attendees), timeout=20)

    def odd_mail():
        db.rollback()
        return db.scalars(
            select(OutgoingEmail).where(OutgoingEmail.attendee_id == "att-odd")
        ).one_or_none()

    parked = wait_until(lambda: (mail := odd_mail()) and mail.status == "failed" and mail)
    assert "U+2028" in parked.last_error
    time.sleep(1)
    assert sorted(m["To"] for m in smtp_sink.messages()) == [email for _, email in attendees]
    assert count_rows(db, Notification) == len(attendees) + 1


EXECUTEMANY = ExecuteStyle.EXECUTEMANY


class Live:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


def test_a_batch_renders_its_email_once_and_costs_five_statements(db_session, monkeypatch):
    """However many recipients: the template rendered once (and once more for the first
    recipient, to check the shortcut), each row's bodies as if rendered for its recipient
    (names HTML-escaped in the HTML body), and five statements, none row by row."""
    db = db_session("notifications")
    now = datetime.now(UTC)
    names = [f'Ada <{n}> & "Bob" O\'Neil' if n % 7 == 0 else f"Person {n}" for n in range(300)]
    ids = [f"att-{n:03d}" for n in range(300)]
    for n, (attendee_id, name) in enumerate(zip(ids, names, strict=True)):
        db.add(
            AttendeeReplica(
                attendee_id=attendee_id,
                email=f"{attendee_id}@example.org",
                full_name=name,
                active=n != 3,  # cancelled: feed only
                updated_at=now,
            )
        )
    db.add(
        Preferences(
            attendee_id="att-005",
            channels={"session_starting": {"email": False}},
            reminder_minutes_before=None,
            updated_at=now,
        )
    )
    db.commit()
    renders, real_render = [], emails.render

    def counted(name, **context):
        renders.append(name)
        return real_render(name, **context)

    monkeypatch.setattr(emails, "render", counted)
    statements = []

    def note(_conn, _cursor, statement, _parameters, context, _executemany):
        # the DBAPI's executemany is a round trip per row on psycopg2: none here (many
        # rows go as SQLAlchemy's insertmanyvalues, multi-row INSERTs)
        style = context.execute_style
        statements.append(" ".join(statement.split()[:3]) + ("" if style != EXECUTEMANY else "*"))

    event.listen(db.get_bind(), "before_cursor_execute", note)
    live = Live()
    try:
        fanout.notify(
            db,
            live,
            ids,
            "session_starting",
            "Starting soon: <Keynote>",
            "The keynote & more starts at 14:00 UTC.",
            {"session_id": "ses-big"},
            "session_starting:ses-big:1",
            SESSION["starts_at"],
        )
        db.commit()
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", note)
    assert renders == ["notification", "notification"]
    assert statements == [
        "SELECT erased_attendees.attendee_id FROM",
        "SELECT notification_preferences.attendee_id, notification_preferences.channels,",
        "INSERT INTO notifications",
        "SELECT attendee_replica.attendee_id, attendee_replica.email,",
        "INSERT INTO outgoing_emails",
    ]
    assert count_rows(db, Notification) == 300
    [message] = live.sent
    assert len(message["recipients"]) == 300
    rows = db.scalars(select(OutgoingEmail).order_by(OutgoingEmail.attendee_id)).all()
    assert [row.attendee_id for row in rows] == [a for a in ids if a not in ("att-003", "att-005")]
    context = {
        "kind": "session_starting",
        "title": "Starting soon: <Keynote>",
        "body": "The keynote & more starts at 14:00 UTC.",
    }
    for row in rows:
        name = names[int(row.attendee_id[4:])]
        assert (row.subject, row.text_body, row.html_body) == real_render(
            "notification", **context, full_name=name
        )
    assert "Ada &lt;0&gt; &amp; &#34;Bob&#34; O&#39;Neil" in rows[0].html_body
    assert 'Ada <0> & "Bob" O\'Neil' in rows[0].text_body


def test_an_erased_agenda_holder_is_left_out_of_the_batches(
    notifications, publish, container_factory, rabbit_config, db_session
):
    """sessions may still list an attendee this service has erased: no batch stores the id."""
    container_factory(holders_service(["att-ada", "att-gone"]), dict(rabbit_config)).start()
    notifications()
    db = db_session("notifications")
    db.add(ErasedAttendee(attendee_id="att-gone", erased_at=datetime.now(UTC)))
    db.commit()

    publish(SessionCancelled, {**SESSION, "reason": "The speaker is ill."})

    [batch] = wait_until(lambda: outbox_envelopes(db, "notification_batch"))
    assert batch["data"]["attendee_ids"] == ["att-ada"]
