"""The drills of issue 12. Each is ``drill(d, result)``: ``d`` a :class:`Drill` (its
places and processes), ``result`` the line it fills in. ``DRILLS`` maps each name to
(function, time limit in seconds, time limit of the light form)."""

import time
from datetime import UTC, datetime

from contracts.events.registration import AttendeeRegistered
from drills.core import eventually, in_thread
from drills.pgproxy import TcpProxy

WELCOME_KIND = "registration_confirmed"


def registration(n, tag):
    return {
        "attendee_id": f"{tag}-{n}",
        "email": f"{tag}-{n}@drill.test",
        "full_name": f"Member {n}",
        "organization": "Drill Society",
        "ticket_type": "member",
        "consent": {"share_with_exhibitors": True},
        "registered_at": datetime.now(UTC),
    }


def welcome_counts(d):
    rows = d.rows(
        "notifications",
        "SELECT attendee_id, count(*) FROM notifications WHERE kind = :kind GROUP BY attendee_id",
        kind=WELCOME_KIND,
    )
    return dict(rows)


def tally_welcomes(d, result, attendees):
    """Per attendee: one welcome feed item and one mail at the sink is delivered; none
    of either is lost; more than one of either is doubled. Mails to anyone else are
    unexpected."""
    mails, feed = d.smtp.counts(), welcome_counts(d)
    expected = {a["email"]: a["attendee_id"] for a in attendees}
    result.sent = len(attendees)
    for address, attendee_id in expected.items():
        got_mail, got_feed = mails.get(address, 0), feed.get(attendee_id, 0)
        if got_mail and got_feed:
            result.delivered += 1
        else:
            result.lost += 1
        if got_mail > 1 or got_feed > 1:
            result.doubled += 1
    result.unexpected += sum(1 for address in mails if address not in expected)


def all_welcomed(d, attendees):
    def check():
        mails = d.smtp.counts()
        return all(a["email"] in mails for a in attendees) and len(welcome_counts(d)) >= len(
            attendees
        )

    return check


def settle(seconds=2.0):
    """Give a late duplicate the time to show up before counting."""
    time.sleep(seconds)


# -- 1 -------------------------------------------------------------------------------


def kill_consumer(d, result):
    """Two notifications replicas; one is kill -9'd mid-stream and restarted."""
    count = d.size(10_000, 300)
    d.setup(["notifications"], smtp=True)
    replicas = [d.service("notifications"), d.service("notifications")]
    attendees = [registration(n, f"k{d.run_id}") for n in range(count)]
    publisher = d.publisher()

    def publish_all():
        for attendee in attendees:
            publisher.publish(AttendeeRegistered, attendee)

    feeder = in_thread(publish_all)
    eventually(lambda: len(d.smtp.lines()) >= count // 3, 120)
    replicas[0].kill()
    result.note(f"replica killed after {len(d.smtp.lines())} mails")
    replicas[0].start()
    feeder.join()
    publisher.close()
    eventually(all_welcomed(d, attendees), d.size(300, 60))
    settle()
    tally_welcomes(d, result, attendees)


# -- 8 -------------------------------------------------------------------------------


def before_consumer(d, result):
    """Events published after the queues were declared but before the consumer ever
    ran are delivered once it starts."""
    count = d.size(500, 50)
    d.setup(["notifications"], smtp=True)
    attendees = [registration(n, f"b{d.run_id}") for n in range(count)]
    publisher = d.publisher()
    for attendee in attendees:
        publisher.publish(AttendeeRegistered, attendee)
    publisher.close()
    d.service("notifications")
    eventually(all_welcomed(d, attendees), 120)
    settle()
    tally_welcomes(d, result, attendees)


# -- 5 -------------------------------------------------------------------------------

POISON_TRIGGER = """
CREATE FUNCTION drill_poison() RETURNS trigger AS $$
BEGIN
  IF NEW.attendee_id LIKE 'poison%' THEN RAISE EXCEPTION 'drill: a bug meets this row'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER drill_poison BEFORE INSERT ON notifications
  FOR EACH ROW EXECUTE FUNCTION drill_poison();
"""
WELCOME_QUEUE = "evt-registration-attendee_registered--notifications.on_attendee_registered"


def poison_event(d, result):
    """A bug makes one event's handler fail (a trigger the drill installs), another
    message is not JSON at all: both parked after bounded retries while the queue keeps
    flowing; after the fix (the trigger dropped) a replay delivers the poison once."""
    count = d.size(300, 40)
    d.setup(["notifications"], smtp=True)
    d.execute("notifications", POISON_TRIGGER)
    d.service("notifications")
    attendees = [registration(n, f"p{d.run_id}") for n in range(count)]
    poison = registration(0, f"poison{d.run_id}")
    publisher = d.publisher()
    for n, attendee in enumerate(attendees):
        if n == count // 4:
            publisher.publish(AttendeeRegistered, poison)
            publisher.publish(
                AttendeeRegistered,
                envelope=b"{not json",
                serializer=None,
                content_type="application/json",
                content_encoding="utf-8",
            )
        publisher.publish(AttendeeRegistered, attendee)
    publisher.close()
    dlq = WELCOME_QUEUE + ".dlq"
    flowed = eventually(all_welcomed(d, attendees), 120)
    parked = eventually(lambda: d.queue_depth(dlq) >= 2, 60)
    if not flowed:
        result.note("the queue did not keep flowing past the poison")
    if not parked:
        result.unexpected += 1
        result.note(f"{d.queue_depth(dlq)} message(s) parked, expected 2")
    d.execute("notifications", "DROP TRIGGER drill_poison ON notifications")
    d.plenary("dlq", "replay", dlq)
    attendees.append(poison)
    eventually(all_welcomed(d, attendees), 60)
    settle()
    tally_welcomes(d, result, attendees)
    if d.queue_depth(dlq) != 1:  # the message that is not JSON is parked again
        result.unexpected += 1
        result.note(f"{d.queue_depth(dlq)} message(s) parked after the replay, expected 1")


# -- 9 -------------------------------------------------------------------------------


def connection_closed(d, result):
    """The consumer's broker connection is closed while its handlers are mid-way (held
    on a table lock the drill takes): the messages come again, the effect happens once."""
    count = d.size(40, 20)
    d.setup(["notifications"], smtp=True)
    d.service("notifications")
    attendees = [registration(n, f"c{d.run_id}") for n in range(count)]
    engine = d.engine("notifications")
    with engine.connect() as lock:
        lock.exec_driver_sql("LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE")
        publisher = d.publisher()
        for attendee in attendees:
            publisher.publish(AttendeeRegistered, attendee)
        publisher.close()
        time.sleep(2)  # the handlers of the prefetched messages wait on the lock
        closed = d.close_connections()
        result.note(f"closed {closed} broker connection(s) mid-handler")
        time.sleep(1)
        lock.rollback()
    eventually(all_welcomed(d, attendees), 90)
    settle()
    tally_welcomes(d, result, attendees)


# -- 3 -------------------------------------------------------------------------------


def database_outage(d, result):
    """PostgreSQL unreachable for 20 s (the proxy between services and database is cut)
    while events flow; then back: every event handled, every mail sent, once."""
    count, outage = d.size(1_500, 200), d.size(20, 5)
    proxy = TcpProxy().start()
    d.cleanups.append(proxy.stop)
    delays = d.size("1000,5000,30000", "500,2000,8000")  # outlasts the outage
    d.setup(
        ["notifications"], smtp=True, db_host_port=proxy.host_port, EVENT_RETRY_DELAYS_MS=delays
    )
    d.service("notifications")
    attendees = [registration(n, f"o{d.run_id}") for n in range(count)]
    publisher = d.publisher()

    def publish_all():
        for attendee in attendees:
            publisher.publish(AttendeeRegistered, attendee)
            time.sleep(outage * 2 / count)  # spread over twice the outage

    feeder = in_thread(publish_all)
    time.sleep(outage / 2)
    proxy.cut()
    time.sleep(outage)
    proxy.restore()
    feeder.join()
    publisher.close()
    eventually(all_welcomed(d, attendees), d.size(120, 60))
    settle()
    tally_welcomes(d, result, attendees)


# -- 10 ------------------------------------------------------------------------------


def smtp_outage(d, result):
    """SMTP down 30 s, then answering 4xx, then a 5xx for one recipient: every other
    mail delivered once, the refused one parked failed with the reason."""
    count, down, deferring = d.size(300, 40), d.size(30, 5), d.size(10, 3)
    retry_delays = ",".join(["1"] * 3 + ["2"] * 40)  # outlasts the outage and the 4xx
    d.setup(["notifications"], smtp=True, EMAIL_RETRY_DELAYS_SECONDS=retry_delays)
    d.smtp.stop()
    d.service("notifications")
    attendees = [registration(n, f"s{d.run_id}") for n in range(count)]
    victim = registration(0, f"refused{d.run_id}")
    publisher = d.publisher()
    for attendee in [*attendees, victim]:
        publisher.publish(AttendeeRegistered, attendee)
    publisher.close()
    time.sleep(down)
    d.smtp.set_mode("4xx")
    d.smtp.start()
    time.sleep(deferring)
    d.smtp.set_mode(f"5xx:{victim['email']}")
    eventually(all_welcomed(d, attendees), d.size(120, 60))

    def victim_parked():
        return d.rows(
            "notifications",
            "SELECT status, last_error FROM outgoing_emails WHERE to_address = :address",
            address=victim["email"],
        )

    parked = eventually(lambda: [r for r in victim_parked() if r.status == "failed"], 30)
    settle()
    tally_welcomes(d, result, attendees)
    result.sent += 1
    if parked and "550" in (parked[0].last_error or ""):
        result.delivered += 1  # parked, with the reason: where it belongs
    else:
        result.lost += 1
        result.note(f"the refused mail is not parked: {victim_parked()}")
    if d.smtp.counts().get(victim["email"]):
        result.unexpected += 1


DRILLS = {
    "kill-9 consumer": (kill_consumer, 400, 120),
    "before consumer": (before_consumer, 200, 90),
    "poison event": (poison_event, 240, 120),
    "connection closed": (connection_closed, 200, 120),
    "database outage": (database_outage, 300, 120),
    "smtp outage": (smtp_outage, 300, 150),
}
