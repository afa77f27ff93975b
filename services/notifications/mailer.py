"""Sending due emails: many leased per commit, each outcome committed on its own.

A batch of due rows is leased in one statement and one commit (their next attempt
moves to the end of the lease, so no other replica takes them meanwhile). Then each is
handed to SMTP and its outcome committed before the next one is handed over. While a
backlog lasts, up to SMTP_CONNECTIONS batches go at once, each on its own SMTP session
and database connection. So a crash at any point re-sends at most the one message on
each session that SMTP may have accepted without its outcome being committed; the
leased rows not yet sent go out once the lease ends, for the first time. A message is
handed over only while the lease outlasts its send (cut at the SMTP timeout) and the
commit after, so no other replica can take it mid-send. A database away when a sent
message's outcome is due is waited for (the process knows the message went), so an
outage re-sends nothing either.
"""

import contextlib
import itertools
import logging
import smtplib
import time
from datetime import timedelta

import eventlet
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import DBAPIError

from plumbing.config import number_list
from plumbing.db import create_db_engine, shared_engine
from plumbing.events import utcnow
from plumbing.observability import metrics
from services.notifications import emails
from services.notifications.models import FAILED, PENDING, SENT, OutgoingEmail

log = logging.getLogger(__name__)

# emails one lease (one commit) covers
EMAIL_BATCH_SIZE = 50
# leases one timer tick takes at most while they come back full (then the next tick)
BATCHES_PER_TICK = 20
PARKED_REPORT_SECONDS = 30
# a sent email's outcome is retried this long while the database does not answer
OUTCOME_PATIENCE_SECONDS = 600
OUTCOME_RETRY_DELAYS = (0.2, 0.5, 1, 2, 5)
MAX_ERROR_LENGTH = 500
LEASED_COLUMNS = (
    OutgoingEmail.id,
    OutgoingEmail.to_address,
    OutgoingEmail.subject,
    OutgoingEmail.text_body,
    OutgoingEmail.html_body,
    OutgoingEmail.secret,
    OutgoingEmail.attempts,
    OutgoingEmail.created_at,
)


_engines = {}


def mail_engine(url, connections=1):
    """The email loop's own small pool, whose connections commit each statement on its
    own: an outcome is one round trip (a Session's is BEGIN, UPDATE, COMMIT and a ping at
    check-out). Set at connect: switching a pooled connection over after its ping would
    leave the ping's transaction open under it."""
    if url not in _engines:
        if url.startswith("sqlite"):
            # the process's one SQLite connection (plumbing.db: a second one would wait on
            # SQLite's lock, not the green pool), each statement committed on its own
            autocommitting = {"isolation_level": "AUTOCOMMIT"}
            _engines[url] = shared_engine(url).execution_options(**autocommitting)
        else:
            # one connection for each SMTP session (``connections``: SMTP_CONNECTIONS)
            _engines[url] = create_db_engine(
                url, pool_size=connections, isolation_level="AUTOCOMMIT"
            )
    return _engines[url]


def autocommit(engine):
    """A connection of ``engine`` (a mail_engine: each statement commits on its own)."""
    return engine.connect()


def lease_due_emails(db, limit, lease_seconds):
    """Up to ``limit`` due emails (rows of LEASED_COLUMNS, oldest first), leased by one
    UPDATE ... RETURNING that commits on its own; rows another replica is leasing are
    skipped."""
    now = utcnow()
    due = (
        select(OutgoingEmail.id)
        .where(OutgoingEmail.status == PENDING, OutgoingEmail.next_attempt_at <= now)
        .order_by(OutgoingEmail.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    leased = db.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=now + timedelta(seconds=lease_seconds))
        .returning(*LEASED_COLUMNS)
    ).all()
    return sorted(leased, key=lambda email: (email.created_at, email.id))


def record(db, email_id, **values):
    db.execute(update(OutgoingEmail).where(OutgoingEmail.id == email_id).values(**values))


# a sent email's outcome, the mail loop's most frequent statement: built once (building
# an UPDATE and its cache key took as much CPU as running it)
RECORD_SENT = (
    update(OutgoingEmail)
    .where(OutgoingEmail.id == bindparam("email_id"))
    .values(
        status=SENT,
        next_attempt_at=None,
        attempts=bindparam("attempts"),
        last_error=None,
        secret=None,  # mailed: no stored row keeps the code
        sent_at=bindparam("sent_at"),
    )
)


def record_sent(db, email, keep_trying_until):
    """SMTP has the message: if the database does not answer, it is asked again on new
    connections (until ``keep_trying_until``) rather than leave the row due to be sent
    once more; then the batch ends with the error (its connection is gone)."""
    sent = {"email_id": email.id, "attempts": email.attempts + 1}
    try:
        db.execute(RECORD_SENT, {**sent, "sent_at": utcnow()})
    except (DBAPIError, OSError):
        keep_recording(db.engine, sent, keep_trying_until)
        raise
    finally:
        metrics.emails_sent.labels(SENT).inc()


def keep_recording(engine, sent, keep_trying_until):
    delays = itertools.chain(OUTCOME_RETRY_DELAYS, itertools.repeat(OUTCOME_RETRY_DELAYS[-1]))
    while True:
        log.warning("email %s sent, its outcome not recorded yet: trying again", sent["email_id"])
        eventlet.sleep(next(delays))
        try:
            with autocommit(engine) as db:
                db.execute(RECORD_SENT, {**sent, "sent_at": utcnow()})
            return
        except (DBAPIError, OSError):
            if time.monotonic() > keep_trying_until:
                raise


def record_failed(db, batch, exc, permanent, retry_delays):
    """Each of ``batch`` retries after the next of ``retry_delays``, or is parked when
    they are spent or the failure is ``permanent``."""
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    for email in batch:
        attempts = email.attempts + 1
        if permanent or attempts > len(retry_delays):
            # parked: a replay after the code's minutes would be useless
            values = {"status": FAILED, "next_attempt_at": None, "secret": None}
            log.error("parked email %s after %d attempt(s): %s", email.id, attempts, error)
            metrics.emails_sent.labels(FAILED).inc()
        else:
            retry_at = utcnow() + timedelta(seconds=retry_delays[attempts - 1])
            values = {"next_attempt_at": retry_at}
            metrics.emails_sent.labels("retrying").inc()
        record(db, email.id, attempts=attempts, last_error=error, **values)


def release(db, batch):
    """Leased emails not handed to SMTP: due again now (no attempt counted)."""
    if batch:
        db.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id.in_([email.id for email in batch]))
            .where(OutgoingEmail.status == PENDING)
            .values(next_attempt_at=utcnow())
        )


def answered_about_message(exc):
    """An SMTP answer about this message (smtplib has reset the transaction), not a
    connection that broke or is closing (421): the next one may use it."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code != 421


def send_one(db, smtp, email, mail_from, timeout, retry_delays):
    """Hand one leased email to SMTP (the whole send cut at ``timeout``) and commit its
    outcome; False if the connection cannot be used for the next one."""
    try:
        message = emails.build_message(email, mail_from)
    except (ValueError, TypeError, LookupError) as exc:  # e.g. a line break in a header
        record_failed(db, [email], exc, True, retry_delays)
        return True
    try:
        with eventlet.Timeout(timeout, TimeoutError(f"the send took over {timeout} s")):
            message.send(smtp)
    except (OSError, smtplib.SMTPException) as exc:  # TimeoutError is an OSError
        permanent = emails.is_permanent(exc)
        if not permanent:  # a timeout may come after SMTP took it: it may go twice
            log.warning("email %s not sent (attempt %d): %r", email.id, email.attempts + 1, exc)
        record_failed(db, [email], exc, permanent, retry_delays)
        return answered_about_message(exc)
    record_sent(db, email, time.monotonic() + OUTCOME_PATIENCE_SECONDS)
    return True


def send_batch(db, config, batch, lease_ends):
    """Send a leased batch one message at a time; what the lease (or the connection)
    cannot cover any more is released for the next tick."""
    retry_delays = number_list(config, "EMAIL_RETRY_DELAYS_SECONDS")
    timeout = float(config["SMTP_TIMEOUT_SECONDS"])
    try:
        with eventlet.Timeout(timeout, TimeoutError(f"no SMTP session within {timeout} s")):
            smtp = emails.connect(config)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("%d email(s) not sent, no SMTP session: %r", len(batch), exc)
        record_failed(db, batch, exc, False, retry_delays)  # each of them backs off
        return
    try:
        for n, email in enumerate(batch):
            # the send and then the commit of its outcome, both inside the lease
            if lease_ends - time.monotonic() < 2 * timeout:
                release(db, batch[n:])
                return
            if not send_one(db, smtp, email, config["MAIL_FROM"], timeout, retry_delays):
                release(db, batch[n + 1 :])
                return
    finally:
        with (
            contextlib.suppress(OSError, smtplib.SMTPException),
            eventlet.Timeout(timeout, TimeoutError()),
        ):
            smtp.quit()


def send_due_emails(engine, config):
    """Lease and send batches while they come back full (BATCHES_PER_TICK at most), on
    up to SMTP_CONNECTIONS SMTP sessions at once: a lease that came back full starts
    another session beside it, so a quiet tick costs one lease and a fan-out's backlog
    is not bound to one session's round trips."""
    lease_seconds = float(config["EMAIL_LEASE_SECONDS"])
    if lease_seconds < 3 * float(config["SMTP_TIMEOUT_SECONDS"]):
        raise ValueError("EMAIL_LEASE_SECONDS must be at least 3 x SMTP_TIMEOUT_SECONDS")
    batches = itertools.count()
    sessions = []

    def send_while_full():
        while next(batches) < BATCHES_PER_TICK:
            leased_at = time.monotonic()
            with autocommit(engine) as db:
                batch = lease_due_emails(db, EMAIL_BATCH_SIZE, lease_seconds)
                if len(batch) == EMAIL_BATCH_SIZE and len(sessions) < smtp_sessions(engine, config):
                    sessions.append(eventlet.spawn(send_while_full))
                if batch:
                    send_batch(db, config, batch, leased_at + lease_seconds)
            if len(batch) < EMAIL_BATCH_SIZE:
                return

    sessions.append(eventlet.spawn(send_while_full))
    wait_all(sessions)


def smtp_sessions(engine, config):
    """SMTP_CONNECTIONS, or 1 on SQLite (the process has one connection to it)."""
    if engine.dialect.name == "sqlite":
        return 1
    return int(config["SMTP_CONNECTIONS"])


def wait_all(threads):
    """Wait for every one of ``threads`` (the list may grow meanwhile); then raise the
    first error any of them raised."""
    errors = []
    for thread in threads:  # a list iterator sees what is appended while it runs
        try:
            thread.wait()
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise errors[0]


_parked_reported_at = float("-inf")  # per process: workers are new instances


def report_parked_emails(db):
    """Set the parked-mail gauge, at most every PARKED_REPORT_SECONDS."""
    global _parked_reported_at
    now = time.monotonic()
    if now - _parked_reported_at < PARKED_REPORT_SECONDS:
        return
    _parked_reported_at = now
    parked = db.scalar(
        select(func.count()).select_from(OutgoingEmail).where(OutgoingEmail.status == FAILED)
    )
    metrics.emails_parked.set(parked)
    db.commit()
