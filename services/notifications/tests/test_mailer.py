"""The email loop leases a batch of due rows per commit and commits each outcome on its
own (mailer.py): commits per mail, replicas leasing apart, and what a batch does with
the rows it could not send."""

import collections
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from drills.sinks import SmtpSinkProcess
from plumbing.testing import free_port
from services.notifications import mailer
from services.notifications.models import OutgoingEmail
from services.notifications.settings import SETTINGS


@pytest.fixture
def trouble_sink(tmp_path):
    """An SMTP server that can defer (4xx) or refuse (5xx) chosen recipients."""
    sink = SmtpSinkProcess(tmp_path / "smtp").start()
    yield sink
    sink.stop()


def pending(n, subject="Welcome", due=None):
    now = datetime.now(UTC)
    return OutgoingEmail(
        id=f"mail-{n:04d}",
        to_address=f"member{n}@example.org",
        subject=subject,
        text_body="Hello\n",
        html_body="<p>Hello</p>",
        next_attempt_at=due or now,
        created_at=now + timedelta(microseconds=n),
        dedupe_key=f"mailer:{n}",
    )


def config(port, **overrides):
    return {**SETTINGS, "SMTP_PORT": port, **overrides}


def engine(session):
    """The email loop's engine on ``session``'s database."""
    url = session.get_bind().url.render_as_string(hide_password=False)
    return mailer.mail_engine(url, connections=4)


def statements_of(engine):
    """How many statements of each kind ``engine`` runs from now on."""
    counter = collections.Counter()

    def count(conn, cursor, statement, *args):
        counter.update([statement.split(None, 1)[0].upper()])

    event.listen(engine, "before_cursor_execute", count)
    return counter


def rows(db):
    db.rollback()
    return {e.id: e for e in db.scalars(select(OutgoingEmail))}


def test_a_batch_costs_one_statement_for_its_lease_and_one_per_outcome(db_session, smtp_sink):
    db = db_session("notifications")
    db.add_all(pending(n) for n in range(120))
    db.commit()
    statements = statements_of(engine(db))

    mailer.send_due_emails(engine(db), config(smtp_sink.port, SMTP_CONNECTIONS=1))

    assert collections.Counter(m["To"] for m in smtp_sink.messages()) == collections.Counter(
        f"member{n}@example.org" for n in range(120)
    )
    assert {e.status for e in rows(db).values()} == {"sent"}
    # three leases (50, 50, 20) and 120 outcomes, each committing on its own: no BEGIN,
    # no COMMIT, one round trip a mail where a Session took four
    assert statements == {"UPDATE": 3 + 120}


def test_a_backlog_goes_out_on_several_smtp_sessions_at_once_each_mail_once(
    db_session, smtp_sink, monkeypatch
):
    db = db_session("notifications")
    if engine(db).dialect.name == "sqlite":
        pytest.skip("one SMTP session on SQLite: the process has one connection to it")
    db.add_all(pending(n) for n in range(300))
    db.commit()
    sessions = {"open": 0, "most": 0}
    connect = mailer.emails.connect

    def counted_connect(config):
        smtp = connect(config)
        sessions["open"] += 1
        sessions["most"] = max(sessions["most"], sessions["open"])
        quit_ = smtp.quit

        def counted_quit():
            sessions["open"] -= 1
            return quit_()

        smtp.quit = counted_quit
        return smtp

    monkeypatch.setattr(mailer.emails, "connect", counted_connect)
    mailer.send_due_emails(engine(db), config(smtp_sink.port, SMTP_CONNECTIONS=4))

    assert collections.Counter(m["To"] for m in smtp_sink.messages()) == collections.Counter(
        f"member{n}@example.org" for n in range(300)
    )
    assert {e.status for e in rows(db).values()} == {"sent"}
    # each full lease started one more session beside it, up to SMTP_CONNECTIONS: four
    # are open within three leases' round trips, long before a batch of 50 is sent
    assert sessions["most"] == 4 and sessions["open"] == 0

    statements = statements_of(engine(db))
    mailer.send_due_emails(engine(db), config(smtp_sink.port, SMTP_CONNECTIONS=4))
    assert statements == {"UPDATE": 1}  # nothing due: one lease, no session


def test_replicas_lease_apart(db_session):
    first, second = db_session("notifications"), db_session("notifications")
    first.add_all(pending(n) for n in range(30))
    first.commit()

    with mailer.autocommit(engine(first)) as one, mailer.autocommit(engine(second)) as two:
        a = mailer.lease_due_emails(one, 20, lease_seconds=60)
        b = mailer.lease_due_emails(two, 20, lease_seconds=60)
        c = mailer.lease_due_emails(two, 20, lease_seconds=60)

    assert len(a) == 20 and len(b) == 10 and c == []
    assert not {e.id for e in a} & {e.id for e in b}
    assert [e.id for e in a] == [f"mail-{n:04d}" for n in range(20)]  # oldest first
    leased = rows(first)
    assert all(
        e.next_attempt_at > datetime.now(UTC) + timedelta(seconds=50) for e in leased.values()
    )
    assert all(e.attempts == 0 and e.status == "pending" for e in leased.values())


def test_a_refused_connection_backs_off_every_leased_mail(db_session):
    db = db_session("notifications")
    db.add_all(pending(n) for n in range(5))
    db.commit()

    mailer.send_due_emails(engine(db), config(free_port(), EMAIL_RETRY_DELAYS_SECONDS="30,60"))

    for email in rows(db).values():
        assert email.status == "pending" and email.attempts == 1
        assert "Connection" in email.last_error or "refused" in email.last_error
        assert email.next_attempt_at > datetime.now(UTC) + timedelta(seconds=20)


def test_what_the_lease_cannot_cover_is_released_untried(db_session, smtp_sink):
    """A send may start only with two SMTP timeouts of the lease left: a lease that is
    already too short sends nothing and puts the rows back, with no attempt counted."""
    db = db_session("notifications")
    db.add_all(pending(n) for n in range(5))
    db.commit()
    with mailer.autocommit(engine(db)) as conn:
        batch = mailer.lease_due_emails(conn, 50, lease_seconds=60)
        mailer.send_batch(conn, config(smtp_sink.port, SMTP_TIMEOUT_SECONDS=5), batch, 0)

    assert smtp_sink.messages() == []
    for email in rows(db).values():
        assert email.status == "pending" and email.attempts == 0
        assert email.next_attempt_at <= datetime.now(UTC)


def test_an_unbuildable_mail_is_parked_and_the_rest_go_once(db_session, smtp_sink):
    db = db_session("notifications")
    db.add_all(pending(n) for n in range(4))
    db.add(pending(4, subject="Keynote\u2028moved"))
    db.add_all(pending(n) for n in range(5, 9))
    db.commit()

    mailer.send_due_emails(engine(db), config(smtp_sink.port))
    mailer.send_due_emails(engine(db), config(smtp_sink.port))

    sent = collections.Counter(m["To"] for m in smtp_sink.messages())
    assert sent == collections.Counter(f"member{n}@example.org" for n in range(9) if n != 4)
    parked = rows(db)["mail-0004"]
    assert parked.status == "failed" and "U+2028" in parked.last_error
    assert parked.next_attempt_at is None and parked.attempts == 1


def test_a_5xx_recipient_is_parked_a_4xx_backs_off_and_the_batch_goes_on(db_session, trouble_sink):
    db = db_session("notifications")
    db.add_all(pending(n) for n in range(6))
    db.commit()
    trouble_sink.set_mode("5xx:member2@example.org")

    mailer.send_due_emails(engine(db), config(trouble_sink.port))

    assert trouble_sink.counts() == {f"member{n}@example.org": 1 for n in range(6) if n != 2}
    refused = rows(db)["mail-0002"]
    assert refused.status == "failed" and "550" in refused.last_error

    db.add_all(pending(n) for n in range(6, 9))
    db.commit()
    trouble_sink.set_mode("4xx")
    retrying = config(trouble_sink.port, EMAIL_RETRY_DELAYS_SECONDS="30")
    mailer.send_due_emails(engine(db), retrying)

    for n in range(6, 9):
        deferred = rows(db)[f"mail-{n:04d}"]
        assert deferred.status == "pending" and deferred.attempts == 1
        assert "451" in deferred.last_error
    assert sum(trouble_sink.counts().values()) == 5


class Away:
    """Stands in for mailer.autocommit: the database is away for the first
    ``failures`` connections' statements."""

    def __init__(self, failures):
        self.failures = failures
        self.connect = mailer.autocommit

    def __call__(self, engine):
        return Flaky(self, self.connect(engine))


class Flaky:
    def __init__(self, away, connection):
        self.away, self.connection, self.engine = away, connection, connection.engine

    def execute(self, *args, **kwargs):
        if self.away.failures:
            self.away.failures -= 1
            raise OperationalError("UPDATE", {}, ConnectionRefusedError("the database is away"))
        return self.connection.execute(*args, **kwargs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.connection.close()


def test_a_sent_mail_waits_for_the_database_to_record_it(db_session, monkeypatch):
    """The outcome of a mail SMTP accepted is recorded once the database answers again,
    so the row is never left due to go a second time; then the batch ends."""
    monkeypatch.setattr(mailer, "OUTCOME_RETRY_DELAYS", (0.01,))
    db = db_session("notifications")
    db.add(pending(1))
    db.commit()
    with mailer.autocommit(engine(db)) as conn:
        [email] = mailer.lease_due_emails(conn, 1, lease_seconds=60)
    away = Away(failures=4)
    monkeypatch.setattr(mailer, "autocommit", away)

    with pytest.raises(OperationalError), away(engine(db)) as conn:
        mailer.record_sent(conn, email, time.monotonic() + 5)

    sent = rows(db)["mail-0001"]
    assert away.failures == 0
    assert sent.status == "sent" and sent.attempts == 1 and sent.next_attempt_at is None


def test_a_database_away_too_long_leaves_the_outcome_unrecorded(db_session, monkeypatch):
    monkeypatch.setattr(mailer, "OUTCOME_RETRY_DELAYS", (0.01,))
    db = db_session("notifications")
    db.add(pending(1))
    db.commit()
    with mailer.autocommit(engine(db)) as conn:
        [email] = mailer.lease_due_emails(conn, 1, lease_seconds=60)
    away = Away(failures=10_000)
    monkeypatch.setattr(mailer, "autocommit", away)

    with pytest.raises(OperationalError), away(engine(db)) as conn:
        mailer.record_sent(conn, email, time.monotonic() + 0.1)

    assert rows(db)["mail-0001"].status == "pending"  # it will go again after the lease
