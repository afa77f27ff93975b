"""Transactional outbox: an event commits with the state change that caused it.

``emit(session, EventSchema, data)`` adds a row to the service's ``outbox`` table in
the worker's transaction.  ``OutboxRelay`` (one per service container) publishes
unsent rows to the service's nameko event exchange with publisher confirms, then marks
them sent.  A crash between publish and mark re-publishes: consumers de-duplicate by
event id, so delivery is at-least-once and the effect exactly-once.  Sent rows are kept
a week for operators, with the event's ``secret_fields`` (a login code) blanked in the
transaction that marks them sent.
"""

import json
import logging
import time
from datetime import timedelta

import eventlet
from kombu import Connection, Exchange
from nameko.constants import PERSISTENT
from nameko.extensions import DependencyProvider
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    String,
    Text,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy import Table as SqlTable
from sqlalchemy.orm import Session

from plumbing.db import UtcDateTime, plumbing_metadata, service_engine
from plumbing.events import SECRET_FIELDS, new_envelope, redacted, utcnow
from plumbing.observability import current_correlation_id, metrics

log = logging.getLogger(__name__)

outbox_table = SqlTable(
    "outbox",
    plumbing_metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("event_type", String(100), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("correlation_id", String(64)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("published_at", UtcDateTime(), index=True),
)

SENT_ROWS_KEPT_SECONDS = 7 * 24 * 3600
PRUNE_EVERY_SECONDS = 3600
# the backlog gauge needs a COUNT: not on every wake-up (one per commit that emitted)
REPORT_BACKLOG_EVERY_SECONDS = 10
# a session's ``info`` key: its transaction wrote outbox rows
EMITTED = "plenary_outbox_emitted"


def emit(session, schema_cls, data):
    """Record an event in the current transaction; returns its envelope."""
    return emit_many(session, [(schema_cls, data)])[0]


def emit_many(session, events):
    """Record ``[(EventSchema, data), ...]`` in the current transaction with one INSERT,
    in that order; returns their envelopes."""
    statement, envelopes = outbox_insert(session, events)
    session.execute(statement)
    return envelopes


def outbox_insert(session, events):
    """(the INSERT that records ``[(EventSchema, data), ...]``, their envelopes), for a
    caller that executes it in ``session`` with others (``plumbing.db.send_together``)."""
    session.info[EMITTED] = True
    envelopes = [new_envelope(schema_cls, data) for schema_cls, data in events]
    correlation_id, now = current_correlation_id(), utcnow()
    statement = outbox_table.insert().values(
        [
            {
                "event_id": envelope["id"],
                "event_type": envelope["type"],
                "envelope": json.dumps(envelope),
                "correlation_id": correlation_id,
                "created_at": now,
            }
            for envelope in envelopes
        ]
    )
    return statement, envelopes


def event_exchange(service_name):
    # the same declaration nameko's EventDispatcher/EventHandler use
    return Exchange(f"{service_name}.events", type="topic", durable=True, delivery_mode=PERSISTENT)


class OutboxRelay(DependencyProvider):
    """Publishes this service's outbox. Safe with many replicas: rows are claimed
    with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite has one writer anyway)."""

    def setup(self):
        config = self.container.config
        self.service_name = self.container.service_name
        self.amqp_uri = config["AMQP_URI"]
        self.poll_interval = float(config.get("OUTBOX_POLL_INTERVAL", 0.5))
        self.batch_size = int(config.get("OUTBOX_BATCH_SIZE", 200))
        self.engine = service_engine(config)
        self.exchange = event_exchange(self.service_name)
        self.wakeup = eventlet.event.Event()
        self.running = False
        self.last_run = {}  # housekeeping task -> when it last ran (monotonic)
        # rows that are not JSON (written around emit): logged once, then left out, so
        # however many there are they never hold up the rows after them
        self.unpublishable = set()
        event.listen(Session, "after_commit", self.after_commit)

    def after_commit(self, session):
        """Any session of this service's database whose transaction emitted: publish its
        events now, not at the next poll (a worker's, and a background loop's too)."""
        if session.get_bind() is self.engine and session.info.pop(EMITTED, False):
            self.nudge()

    def stop_listening(self):
        if event.contains(Session, "after_commit", self.after_commit):
            event.remove(Session, "after_commit", self.after_commit)

    def start(self):
        self.running = True
        self.thread = self.container.spawn_managed_thread(self.run, identifier="outbox_relay")

    def stop(self):
        self.stop_listening()
        self.running = False
        self.nudge()
        thread = getattr(self, "thread", None)
        if thread is not None:
            thread.wait()

    def kill(self):
        self.stop_listening()
        self.running = False
        thread = getattr(self, "thread", None)
        if thread is not None:
            thread.kill()

    def nudge(self):
        if not self.wakeup.ready():
            self.wakeup.send(True)

    def run(self):
        backoff = self.poll_interval
        connection = None
        while self.running:
            try:
                if connection is None:
                    connection = Connection(
                        self.amqp_uri, transport_options={"confirm_publish": True}
                    )
                    connection.ensure_connection(max_retries=1)
                sent = self.relay_batch(connection.Producer())
                if self.due("prune", PRUNE_EVERY_SECONDS):
                    self.prune_sent_rows()
                backoff = self.poll_interval
                if sent >= self.batch_size:
                    continue
            except Exception as exc:  # broker or database unavailable: keep rows, retry
                log.warning("outbox relay for %s failed: %s", self.service_name, exc)
                if connection is not None:
                    connection.release()
                    connection = None
                backoff = min(backoff * 2, 10.0)
            if self.due("report_backlog", REPORT_BACKLOG_EVERY_SECONDS):
                self.report_backlog()
            self.sleep(backoff)
        if connection is not None:
            connection.release()

    def due(self, task, every_seconds):
        now = time.monotonic()
        if now - self.last_run.get(task, float("-inf")) < every_seconds:
            return False
        self.last_run[task] = now
        return True

    def report_backlog(self):
        try:
            with self.engine.connect() as conn:
                pending = pending_count(conn)
        except Exception:  # the database is down: the relay's own warning says so
            return
        metrics.outbox_pending.labels(self.service_name).set(pending)

    def sleep(self, seconds):
        with eventlet.Timeout(seconds, False):
            self.wakeup.wait()
        self.wakeup = eventlet.event.Event()

    def relay_batch(self, producer):
        unpublished = outbox_table.c.published_at.is_(None)
        if self.unpublishable:
            unpublished &= outbox_table.c.seq.not_in(self.unpublishable)
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(
                    outbox_table.c.seq,
                    outbox_table.c.event_type,
                    outbox_table.c.envelope,
                    outbox_table.c.correlation_id,
                )
                .where(unpublished)
                .order_by(outbox_table.c.seq)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            published = []
            try:
                for row in rows:
                    try:
                        body = json.loads(row.envelope)
                    except ValueError:  # one bad row must not hold up the rest
                        log.error("outbox row %s of %s is not JSON", row.seq, self.service_name)
                        self.unpublishable.add(row.seq)
                        continue
                    self.publish(producer, row, body)
                    published.append(row.seq)
            finally:
                # mark what the broker confirmed even if a later publish failed
                if published:
                    conn.execute(
                        update(outbox_table)
                        .where(outbox_table.c.seq.in_(published))
                        .values(published_at=utcnow())
                    )
                    redact_secrets(conn, [row for row in rows if row.seq in set(published)])
        for row in rows:
            metrics.events_published.labels(self.service_name, row.event_type).inc()
        return len(rows)

    def publish(self, producer, row, body):
        headers = {}
        if row.correlation_id:
            headers["nameko.correlation_id"] = row.correlation_id
        producer.publish(
            body,
            exchange=self.exchange,
            routing_key=row.event_type,
            serializer="json",
            delivery_mode=PERSISTENT,
            headers=headers,
            declare=[self.exchange],
            retry=False,
        )

    def prune_sent_rows(self):
        cutoff = utcnow() - timedelta(seconds=SENT_ROWS_KEPT_SECONDS)
        with self.engine.begin() as conn:
            conn.execute(delete(outbox_table).where(outbox_table.c.published_at < cutoff))


def redact_secrets(conn, rows):
    """Published rows keep no secret: their secret fields are blanked."""
    for row in rows:
        if row.event_type not in SECRET_FIELDS:
            continue
        envelope = json.dumps(redacted(json.loads(row.envelope)))
        conn.execute(
            update(outbox_table).where(outbox_table.c.seq == row.seq).values(envelope=envelope)
        )


def pending_count(connection):
    """Rows not yet published (``connection``: a Session or a Connection)."""
    return connection.scalar(
        select(func.count()).select_from(outbox_table).where(outbox_table.c.published_at.is_(None))
    )


def forget_attendee(session, attendee_id):
    """GDPR erasure: delete the outbox rows that mention ``attendee_id``, sent (kept for
    days, with personal data) or not (news about someone who is gone). A row the relay
    is publishing is locked: the delete waits for it, then removes the sent row. A
    service whose events also carry other people's news takes the attendee out of those
    first (see notifications' unsent batches)."""
    session.execute(
        delete(outbox_table).where(outbox_table.c.envelope.contains(attendee_id, autoescape=True))
    )
