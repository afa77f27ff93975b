"""SQLAlchemy 2 for nameko: one engine per container, one session per worker.

Service code uses ``self.db`` as a plain Session.  The worker's transaction commits
when the entrypoint method returns and rolls back when it raises.  The commit has to
happen *before* nameko replies to an RPC or acks a message (nameko does both before it
calls ``worker_result``), so ``worker_setup`` wraps the entrypoint method itself.
"""

import functools
import os
import time
from datetime import UTC

from nameko.extensions import DependencyProvider
from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

POOL_RECYCLE_SECONDS = 1800  # below common server/proxy idle timeouts
PING_AFTER_IDLE_SECONDS = 10  # a connection idle longer is pinged before use
OVERFLOW_CONNECTIONS = 10  # past pool_size, opened for a burst and closed after it

# The plumbing tables (outbox, processed events) live in every service's database.
plumbing_metadata = MetaData()


class UtcDateTime(TypeDecorator):
    """A timezone-aware datetime, stored in UTC, read back aware on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Plenary stores aware UTC datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def normalize_url(url):
    """PostgreSQL through psycopg2 (C, made green by psycogreen: its socket waits go
    through eventlet's hub). A URL naming a driver (``postgresql+pg8000://``, the pure-
    Python one used before) keeps it."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def make_psycopg2_green():
    """psycopg2 waits through eventlet (idempotent; every connection of the process)."""
    import psycogreen.eventlet

    psycogreen.eventlet.patch_psycopg()


_engines = {}


def shared_engine(url, pool_size=10):
    """One engine per database in a process: the workers, the outbox relay and any
    background loop of a service share its connection pool (sized by its first caller:
    a service's extensions all call ``service_engine``)."""
    key = normalize_url(url).render_as_string(hide_password=False)
    if key not in _engines:
        _engines[key] = create_db_engine(url, pool_size)
    return _engines[key]


def service_engine(config):
    """The service's shared engine: a connection kept for each worker (MAX_WORKERS) and
    two more for its background loops (the outbox relay, a timer's green threads)."""
    return shared_engine(config["DATABASE_URL"], int(config.get("max_workers", 10)) + 2)


def create_db_engine(url, pool_size=10, **options):
    """An engine for ``url`` (``options`` go to create_engine, PostgreSQL only)."""
    url = normalize_url(url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
        # One connection, handed out by a (green) queue: SQLite has a single writer,
        # and its own busy-wait would sleep the whole eventlet hub, stalling the very
        # worker that holds the lock.  Waiting for the pool instead is cooperative.
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            connect_args={"check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.get_driver_name() == "psycopg2":
        make_psycopg2_green()
    # SQLAlchemy closes an overflow connection as soon as it is checked in: a pool too
    # small for the steady load opens a PostgreSQL backend per checkout, a pool too
    # large holds connections that many replicas on one server run out of (100 here).
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=OVERFLOW_CONNECTIONS,
        pool_recycle=POOL_RECYCLE_SECONDS,
        **options,
    )
    # No pool_pre_ping: it costs a round trip (SELECT 1) on every checkout, a quarter of
    # a registration's first statement. A connection idle for a while is pinged instead;
    # a busy one that the server dropped fails its statement, SQLAlchemy then discards
    # the whole pool, and the worker's error is retried like any other (events, RPCs).
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    if url.get_driver_name() == "psycopg2":
        event.listen(engine, "do_execute", _send_deferred)
        event.listen(engine, "checkin", _drop_deferred)
    return engine


def _note_checkin(_dbapi_connection, record):
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy):
    """SQLAlchemy's pessimistic check, for connections idle longer than PING_AFTER_IDLE:
    a DisconnectionError makes the pool retry the checkout with a fresh connection."""
    idle = time.monotonic() - record.info.get("checked_in_at", time.monotonic())
    if idle < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except Exception as exc:
        raise DisconnectionError(f"an idle connection is gone: {exc}") from exc


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# -- statements sent together ------------------------------------------------------------

DEFERRED = "plenary_deferred"  # an execution option, and the connection's buffer of them


def send_together(session, statements):
    """Execute ``statements`` (Core statements, or ``(statement, parameters)`` pairs, in
    order, in the session's transaction) in one round trip on psycopg2; returns the last
    one's result (the others' are empty).

    psycopg2 binds parameters on the client, so each statement but the last is rendered
    with its own (``cursor.mogrify``, the driver's quoting) instead of sent, and the last
    goes out with them, ``;``-separated: PostgreSQL runs them in order, as one round trip,
    and answers the last. Use it for statements whose results are not needed (inserts of
    rows whose ids are known): an error in any fails the transaction, reported on the
    last. On SQLite (in process: no round trips) and other drivers, one by one. Pending
    ORM changes are flushed first."""
    session.flush()
    connection = session.connection()
    pairs = [item if isinstance(item, tuple) else (item, None) for item in statements]
    if connection.dialect.driver != "psycopg2" or len(pairs) < 2:
        results = [session.execute(statement, parameters) for statement, parameters in pairs]
        return results[-1] if results else None
    try:
        with session.no_autoflush:
            for statement, parameters in pairs[:-1]:
                session.execute(statement, parameters, execution_options={DEFERRED: "keep"})
            last, parameters = pairs[-1]
            return session.execute(last, parameters, execution_options={DEFERRED: "send"})
    finally:
        connection.info.pop(DEFERRED, None)


def _send_deferred(cursor, statement, parameters, context):
    """psycopg2's ``do_execute`` for send_together: keeps the statements it defers, and
    sends them with its last."""
    deferred = context.execution_options.get(DEFERRED)
    if deferred is None:
        return False
    kept = context.connection.info.setdefault(DEFERRED, [])
    kept.append(cursor.mogrify(statement, parameters))
    if deferred == "keep":
        return True
    del context.connection.info[DEFERRED]
    cursor.execute(b";\n".join(kept))
    return True


def _drop_deferred(_dbapi_connection, record):
    record.info.pop(DEFERRED, None)  # never carried into another checkout


def upsertable_insert(session, table):
    """An INSERT that has ``on_conflict_do_nothing``/``_do_update`` on PostgreSQL and SQLite."""
    return _dialect_insert(session.get_bind().dialect.name)(table)


def _dialect_insert(dialect_name):
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


def insert_ignoring_duplicates(session, table, rows, unique_columns):
    """INSERT ... ON CONFLICT DO NOTHING; returns how many rows were inserted. One row
    (every consumed event's dedupe record) goes as parameters of a statement built once
    per table: building one with the values in it, and its cache key, cost more CPU than
    running it."""
    if not rows:
        return 0
    if len(rows) == 1:
        dialect = session.get_bind().dialect.name
        statement = _ignoring_duplicates(dialect, table, tuple(unique_columns))
        return session.execute(statement, rows[0]).rowcount
    statement = (
        upsertable_insert(session, table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=unique_columns)
    )
    return session.execute(statement).rowcount


@functools.cache
def _ignoring_duplicates(dialect_name, table, unique_columns):
    insert = _dialect_insert(dialect_name)(table)
    return insert.on_conflict_do_nothing(index_elements=list(unique_columns))


class Database(DependencyProvider):
    """Injects a SQLAlchemy Session; commits on success, rolls back on error."""

    def setup(self):
        config = self.container.config
        self.engine = service_engine(config)
        self.make_session = sessionmaker(self.engine, expire_on_commit=False)
        self.sessions = {}

    def get_dependency(self, worker_ctx):
        session = self.make_session()
        self.sessions[worker_ctx] = session
        return session

    def worker_setup(self, worker_ctx):
        session = self.sessions[worker_ctx]
        name = worker_ctx.entrypoint.method_name
        method = getattr(worker_ctx.service, name)
        # an event handler claims its event id in this same transaction (idempotency)
        claim = getattr(worker_ctx.entrypoint, "claim_delivery", None)

        @functools.wraps(method)
        def committing(*args, **kwargs):
            try:
                if claim is not None and not claim(session, worker_ctx):
                    session.rollback()
                    return None
                result = method(*args, **kwargs)
                session.commit()
                return result
            except BaseException:
                session.rollback()
                raise

        setattr(worker_ctx.service, name, committing)

    def worker_teardown(self, worker_ctx):
        session = self.sessions.pop(worker_ctx, None)
        if session is not None:
            session.close()
