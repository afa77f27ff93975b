"""Test fixtures shared by every test in the repo.

Integration tests talk to the real RabbitMQ (a fresh vhost per test, from nameko's
``rabbit_config`` fixture) and the real PostgreSQL (one database per service per test
run, migrated with Alembic, emptied before each test).  ``PLENARY_TEST_DATABASE=sqlite``
swaps PostgreSQL for SQLite files when you want to run without it.  The last fixtures
build what a service talks to, from ``plumbing.testing``: RPC proxies, ``publish`` (events
sent as their producer's outbox relay sends them), a real SMTP sink and webhook receivers.
"""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()  # first: nameko's pytest plugin no longer does it

import importlib  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import uuid  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import pytest  # noqa: E402
from nameko.standalone.rpc import ServiceRpcProxy  # noqa: E402
from sqlalchemy import MetaData, create_engine, text  # noqa: E402

from plumbing import acks  # noqa: E402
from plumbing.config import defaults  # noqa: E402
from plumbing.db import create_db_engine  # noqa: E402
from plumbing.events import new_envelope  # noqa: E402
from plumbing.migrations import upgrade  # noqa: E402
from plumbing.testing import SmtpSink, WebhookReceiver, free_port, publish_event  # noqa: E402

acks.install()  # as `plenary run` does: a lost connection under an ack kills no container

POSTGRES_ADMIN_URL = os.environ.get(
    "PLENARY_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


# what the tests need on this machine, and the command that provides each
def prerequisites(config):
    amqp = urlsplit(config.getoption("RABBIT_AMQP_URI"))
    management = urlsplit(config.getoption("RABBIT_API_URI"))
    postgres = urlsplit(POSTGRES_ADMIN_URL)
    return [
        (
            f"RabbitMQ (AMQP {amqp.hostname}:{amqp.port or 5672})",
            (amqp.hostname, amqp.port or 5672),
            "rabbitmq-server -detached",
        ),
        (
            f"RabbitMQ management API ({management.hostname}:{management.port or 15672})",
            (management.hostname, management.port or 15672),
            "rabbitmq-plugins enable rabbitmq_management",
        ),
        (
            f"PostgreSQL ({postgres.hostname}:{postgres.port or 5432})",
            (postgres.hostname, postgres.port or 5432),
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
        ),
        ("Redis (127.0.0.1:6379)", ("127.0.0.1", 6379), "redis-server --daemonize yes"),
        ("Chromium (/usr/bin/chromium)", "/usr/bin/chromium", "apt-get install -y chromium"),
    ]


def missing_prerequisites(config):
    sqlite = os.environ.get("PLENARY_TEST_DATABASE") == "sqlite"
    missing = []
    for name, where, fix in prerequisites(config):
        if sqlite and name.startswith("PostgreSQL"):
            continue
        present = os.path.exists(where) if isinstance(where, str) else _listening(where)
        if not present:
            missing.append(f"missing: {name} -> run: {fix}")
    return missing


def _listening(address):
    try:
        socket.create_connection(address, timeout=2).close()
    except OSError:
        return False
    return True


def pytest_sessionstart(session):
    """Stop before the first test, with one line per missing service and its fix."""
    missing = missing_prerequisites(session.config)
    if missing:
        pytest.exit("\n".join(missing), returncode=4)


class TestDatabases:
    """Creates and migrates one database per service the first time a test asks."""

    def __init__(self, tmp_dir):
        self.run_id = uuid.uuid4().hex[:8]
        self.tmp_dir = tmp_dir
        self.backend = os.environ.get("PLENARY_TEST_DATABASE", "postgresql")
        self.urls = {}
        self.engines = {}
        self.tables = {}
        self.seed_rows = {}  # rows the migrations insert (e.g. default tracks), restored

    def url(self, service):
        if service not in self.urls:
            self.urls[service] = self._create(service)
            upgrade(service, self.urls[service])
            self.engines[service] = create_db_engine(self.urls[service], pool_size=2)
            self.tables[service] = _reflect_tables(self.engines[service])
            self.seed_rows[service] = _rows_by_table(self.engines[service], self.tables[service])
        return self.urls[service]

    def _create(self, service):
        if self.backend == "sqlite":
            return f"sqlite:///{self.tmp_dir}/{service}-{self.run_id}.db"
        name = f"plenary_test_{self.run_id}_{service}"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def empty(self):
        """Back to the state right after migration: no rows but the migrations' own."""
        for service, engine in self.engines.items():
            tables = self.tables[service]
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    quoted = ", ".join(f'"{t.name}"' for t in tables)
                    conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
                else:
                    for table in reversed(tables):
                        conn.execute(table.delete())
                for table in tables:
                    rows = self.seed_rows[service].get(table.name)
                    if rows:
                        conn.execute(table.insert(), rows)

    def drop_all(self):
        for engine in self.engines.values():
            engine.dispose()
        if self.backend == "sqlite":
            return
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for url in self.urls.values():
                name = url.rsplit("/", 1)[1]
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reflect_tables(engine):
    metadata = MetaData()
    metadata.reflect(engine)
    return [t for t in metadata.sorted_tables if t.name != "alembic_version"]


def _rows_by_table(engine, tables):
    with engine.connect() as conn:
        return {
            table.name: [dict(row._mapping) for row in conn.execute(table.select())]
            for table in tables
        }


@pytest.fixture(scope="session")
def test_databases(tmp_path_factory):
    databases = TestDatabases(tmp_path_factory.mktemp("db"))
    yield databases
    databases.drop_all()


@pytest.fixture
def database_url(test_databases):
    """``database_url("expo")`` -> URL of an empty, migrated database for that service."""
    test_databases.empty()
    return test_databases.url


@pytest.fixture
def db_session(database_url):
    """``db_session("expo")`` -> a Session on that service's test database."""
    from sqlalchemy.orm import Session

    sessions = []

    def make(service):
        session = Session(
            create_db_engine(database_url(service), pool_size=1), expire_on_commit=False
        )
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()
        session.get_bind().dispose()


FAST_SETTINGS = {
    "EVENT_RETRY_DELAYS_MS": "100,200",
    "OUTBOX_POLL_INTERVAL": 0.05,
    "OUTGOING_POLL_INTERVAL": 0.1,
    "SESSION_CLOCK_INTERVAL": 0.2,
    "WEBHOOK_RETRY_DELAYS_SECONDS": "0.2,0.4,0.8",
    "WEBHOOK_TIMEOUT_SECONDS": 2,
    "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
    "FANOUT_BATCH_SIZE": 1000,
    "STREAM_KEEPALIVE_SECONDS": 1,
    "LOG_FORMAT": "text",
    # high, so only the tests that check 429 (they set them low) are throttled
    "RATE_LIMIT_REGISTRATION": "100000/minute",
    "RATE_LIMIT_LOGIN_LINK": "100000/minute",
    "RATE_LIMIT_AUTH_TOKEN": "100000/minute",
}


@pytest.fixture
def service_config(rabbit_config, database_url):
    """``service_config("expo", SMTP_PORT=...)`` -> nameko config for a test container."""

    def make(service, **overrides):
        config = defaults(service)
        config.update({key: value for key, value in FAST_SETTINGS.items() if key in config})
        config.update(
            {
                "SERVICE_NAME": service,
                "AMQP_URI": rabbit_config["AMQP_URI"],
                "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
                "max_workers": 10,
            }
        )
        if service != "gateway":
            config["DATABASE_URL"] = database_url(service)
        config.update(overrides)
        return config

    return make


@pytest.fixture
def start_service(container_factory, service_config):
    """Declare a service's queues, then run it in a container; returns the container."""
    from plumbing.registry import load_service
    from plumbing.topology import declare

    def start(service, **overrides):
        config = service_config(service, **overrides)
        service_cls = load_service(service)
        declare(config, [service_cls])
        container = container_factory(service_cls, config)
        container.start()
        return container

    return start


def import_models(service):
    return importlib.import_module(f"services.{service}.models")


@pytest.fixture
def rpc_proxy(rabbit_config):
    """``rpc_proxy("expo")`` -> an RPC proxy to that service, closed after the test."""
    proxies = []

    def connect(service):
        proxy = ServiceRpcProxy(service, rabbit_config)
        proxies.append(proxy)
        return proxy.start()

    yield connect
    for proxy in proxies:
        proxy.stop()


@pytest.fixture
def publish(rabbit_config):
    """``publish(EventSchema, data)``: send a new event as its producer's outbox relay
    would; returns the envelope. ``publish(EventSchema, envelope=...)`` sends that body as
    it is: a redelivery, or a malformed message (``options`` go to kombu)."""

    def publish(schema_cls, data=None, envelope=None, **options):
        if envelope is None:
            envelope = new_envelope(schema_cls, data)
        publish_event(
            rabbit_config["AMQP_URI"],
            schema_cls.source_service,
            schema_cls.event_type,
            envelope,
            **options,
        )
        return envelope

    return publish


@pytest.fixture
def smtp_sink(tmp_path):
    """A running SmtpSink: give its ``port`` to the services as SMTP_PORT."""
    sink = SmtpSink(tmp_path / "maildir").start()
    yield sink
    sink.stop()


@pytest.fixture
def webhook_receiver():
    """``webhook_receiver(statuses=(), delay=0)`` -> a running WebhookReceiver."""
    receivers = []

    def start(**answers):
        receivers.append(WebhookReceiver(**answers))
        return receivers[-1]

    yield start
    for receiver in receivers:
        receiver.stop()
