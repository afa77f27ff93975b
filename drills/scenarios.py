"""The drills of issue 12. Each is ``drill(d, result)``: ``d`` a :class:`Drill` (its
places and processes), ``result`` the line it fills in. ``DRILLS`` maps each name to
(function, time limit in seconds, time limit of the light form)."""

import time
from datetime import UTC, datetime

from contracts.events.registration import AttendeeRegistered
from drills.core import eventually, in_thread

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


DRILLS = {
    "kill-9 consumer": (kill_consumer, 400, 120),
    "before consumer": (before_consumer, 200, 90),
}
