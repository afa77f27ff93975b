"""A notifications process killed with SIGKILL mid-way through sending re-sends at most
the message in flight on each of its SMTP sessions, with the same Message-ID (issue 12,
defect 2). The service runs
as its own ``plenary run notifications`` process, as in production."""

import collections
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from drills.procs import ServiceProcess, run_plenary, wait_until
from drills.sinks import SmtpSinkProcess
from services.notifications.models import OutgoingEmail

MAILS = 40


@pytest.fixture
def sink(tmp_path):
    sink = SmtpSinkProcess(tmp_path / "smtp", delay=0.05).start()
    yield sink
    sink.stop()


def add_mails(db, count):
    now = datetime.now(UTC)
    db.add_all(
        OutgoingEmail(
            to_address=f"member{n}@example.org",
            subject="Welcome",
            text_body="Hello\n",
            html_body="<p>Hello</p>",
            next_attempt_at=now,
            created_at=now,
            dedupe_key=f"crash:{n}",
        )
        for n in range(count)
    )
    db.commit()


def notifications(rabbit_config, database_url, sink, tmp_path, lease_seconds=3):
    env = {
        "AMQP_URI": rabbit_config["AMQP_URI"],
        "NOTIFICATIONS_DATABASE_URL": database_url("notifications"),
        "SMTP_PORT": sink.port,
        "OUTGOING_POLL_INTERVAL": "0.2",
        # the mail in flight at the kill (and those leased with it) go again after this
        "EMAIL_LEASE_SECONDS": str(lease_seconds),
        "SMTP_TIMEOUT_SECONDS": "1",
    }
    run_plenary(["declare", "notifications"], env)
    return ServiceProcess("notifications", env, tmp_path)


def assert_at_most_doubles(sink, in_flight):
    doubled = {r: n for r, n in sink.counts().items() if n > 1}
    assert len(doubled) <= in_flight, f"{len(doubled)} recipients mailed twice"
    ids = collections.defaultdict(set)
    for recipient, message_id in sink.lines():
        ids[recipient].add(message_id)
    assert all(len(message_ids) == 1 for message_ids in ids.values())


def test_kill_9_mid_batch_resends_at_most_the_mail_in_flight(
    rabbit_config, database_url, db_session, sink, tmp_path
):
    add_mails(db_session("notifications"), MAILS)
    service = notifications(rabbit_config, database_url, sink, tmp_path).start()
    try:
        wait_until(lambda: len(sink.lines()) >= 10, 30, "ten mails accepted")
        service.kill()
        service.start()
        wait_until(lambda: len(sink.counts()) == MAILS, 60, "every recipient reached")
        time.sleep(1)
    finally:
        service.stop()
    assert_at_most_doubles(sink, 1)  # 40 mails: one lease, so one SMTP session


def test_kill_9_inside_a_leased_batch_sends_its_unsent_rows_once(
    rabbit_config, database_url, db_session, sink, tmp_path
):
    """Many rows leased by one commit: killed mid-batch, the rows leased but not sent
    wait out the lease untried, then go once; only those in flight may go twice: one on
    each SMTP session, and 120 mails are three leases (50, 50, 20), so three sessions."""
    mails = 120  # more than one lease's batch
    db = db_session("notifications")
    add_mails(db, mails)
    # a lease long enough to outlast fifteen sends on a loaded machine: with 3 s, the
    # batch's lease had run out before the kill once (0 rows found leased)
    service = notifications(rabbit_config, database_url, sink, tmp_path, lease_seconds=15)
    service.start()
    try:
        wait_until(lambda: len(sink.lines()) >= 15, 30, "fifteen mails accepted")
        service.kill()
        db.rollback()
        leased_untried = db.scalar(
            select(func.count())
            .select_from(OutgoingEmail)
            .where(
                OutgoingEmail.status == "pending",
                OutgoingEmail.attempts == 0,
                OutgoingEmail.next_attempt_at > datetime.now(UTC),
            )
        )
        assert leased_untried >= 10, "the kill did not land inside a leased batch"
        service.start()
        wait_until(lambda: len(sink.counts()) == mails, 60, "every recipient reached")
        time.sleep(1)
    finally:
        service.stop()
    assert_at_most_doubles(sink, 3)
    db.rollback()
    statuses = collections.Counter(db.scalars(select(OutgoingEmail.status)))
    assert statuses == {"sent": mails}
