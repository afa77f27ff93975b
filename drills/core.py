"""What every drill shares: its places and processes (cleaned up after), publishing
events as a producer's relay does, and the result line it reports."""

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests
from kombu import Connection, Exchange, Queue
from kombu.exceptions import ChannelError
from sqlalchemy import text

from drills.procs import (
    REPO_ROOT,
    Databases,
    ServiceProcess,
    Vhost,
    base_env,
    patiently,
    run_plenary,
)
from drills.sinks import SmtpSinkProcess, WebhookReceivers
from plumbing.registry import BACKEND_SERVICES

ORGANIZER_TOKEN = "drill-organizer-token"


@dataclass
class Result:
    drill: str
    sent: int = 0
    delivered: int = 0
    lost: int = 0
    doubled: int = 0
    # the messages in flight when a process was killed or its database cut: sent, their
    # outcome not committed, so each may be sent once more (the issue allows that much)
    in_flight: int = 0
    unexpected: int = 0
    seconds: float = 0.0
    notes: list = field(default_factory=list)

    @property
    def passed(self):
        return self.lost == self.unexpected == 0 and self.doubled <= self.in_flight

    def note(self, text):
        self.notes.append(text)


class DrillTimeout(Exception):
    pass


class Drill:
    """One drill's run: a vhost, databases, sinks and service processes of its own."""

    def __init__(self, name, light, workdir, broker=None):
        self.name = name
        self.light = light
        self.dir = Path(workdir) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.run_id = uuid.uuid4().hex[:8]
        self.cleanups = []
        self.broker = broker
        self.vhost = None
        self.dbs = None
        self.smtp = None
        self.env = {"PLENARY_ORGANIZER_TOKEN": ORGANIZER_TOKEN}

    def size(self, full, light):
        return light if self.light else full

    # -- places ----------------------------------------------------------------------

    def setup(self, services, smtp=False, smtp_delay=0.0, db_host_port=None, **env):
        """A vhost, migrated databases for ``services`` and (optionally) an SMTP sink;
        returns the environment every service process of this drill gets."""
        if self.broker is not None:
            self.vhost = Vhost(self.broker.management_url, self.broker.amqp_host_port)
        else:
            self.vhost = Vhost()
        self.vhost.create()
        self.cleanups.append(self.vhost.delete)
        backends = [s for s in services if s in BACKEND_SERVICES]
        self.dbs = Databases(self.run_id).create(backends)
        self.cleanups.append(self.dbs.drop)
        self.env["AMQP_URI"] = self.vhost.amqp_uri
        self.env["RABBITMQ_API_URI"] = self.vhost.api.replace("http://", "http://guest:guest@")
        for service in backends:
            self.env[f"{service.upper()}_DATABASE_URL"] = self.dbs.url(service, db_host_port)
        if smtp:
            self.smtp = SmtpSinkProcess(self.dir / "smtp", delay=smtp_delay).start()
            self.cleanups.append(self.smtp.stop)
            self.env["SMTP_PORT"] = self.smtp.port
        self.env.update(env)
        if backends:
            patiently(run_plenary, ["declare", *backends], self.env)
        return self.env

    def service(self, name, start=True, **env):
        process = ServiceProcess(name, {**self.env, **env}, self.dir)
        self.cleanups.append(process.stop)
        return process.start() if start else process

    def services(self, *names, **env):
        """Service processes started side by side (their start-up is mostly imports)."""
        processes = [self.service(name, start=False, **env) for name in names]
        for process in processes:
            process.start(wait=False)
        for process in processes:
            process.wait_ready()
        return processes

    def receivers(self):
        receivers = WebhookReceivers()
        self.cleanups.append(receivers.stop)
        return receivers

    def engine(self, service):
        engine = self.dbs.engine(service)
        self.cleanups.append(engine.dispose)
        return engine

    def scalar(self, service, sql, **params):
        return self.rows(service, sql, **params)[0][0]

    def rows(self, service, sql, **params):
        engine = self.dbs.engine(service)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).all()
        finally:
            engine.dispose()

    def execute(self, service, sql, **params):
        engine = self.dbs.engine(service)
        try:
            with engine.begin() as conn:
                conn.execute(text(sql), params)
        finally:
            engine.dispose()

    def plenary(self, *args):
        run_plenary(list(args), self.env)

    def _api(self, method, path, **kwargs):
        response = requests.request(
            method, f"{self.vhost.api}/api/{path}", auth=("guest", "guest"), timeout=30, **kwargs
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def queue_depth(self, queue):
        """Messages ready in ``queue`` now, as the broker counts them (a passive declare
        over AMQP: the management API's count lags by seconds)."""
        try:
            with Connection(self.env["AMQP_URI"], connect_timeout=15) as connection:
                channel = connection.default_channel
                return channel.queue_declare(queue, passive=True).message_count
        except ChannelError:  # no such queue (yet)
            return 0

    def settled_depth(self, queue, expected, timeout, steady=1.5):
        """Poll ``queue``'s depth until it is ``expected`` and has not changed for
        ``steady`` seconds (a message on its way through retries would change it), or
        until ``timeout``; returns the last depth read."""
        deadline = time.monotonic() + timeout
        depth, since = None, time.monotonic()
        while True:
            now_depth = self.queue_depth(queue)
            if now_depth != depth:
                depth, since = now_depth, time.monotonic()
            if depth == expected and time.monotonic() - since >= steady:
                return depth
            if time.monotonic() > deadline:
                return depth
            time.sleep(0.25)

    def connections(self):
        """The broker connections of this drill's vhost (management API: a little late)."""
        vhost = quote(self.vhost.name, safe="")
        return self._api("GET", f"vhosts/{vhost}/connections")

    def close_connections(self):
        """Close every broker connection of this drill's vhost; returns how many."""
        connections = self.connections()
        for connection in connections:
            self._api("DELETE", f"connections/{quote(connection['name'], safe='')}")
        return len(connections)

    def close(self):
        for cleanup in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                cleanup()
        self.cleanups.clear()

    # -- talking to the platform ---------------------------------------------------------

    def publisher(self):
        return Publisher(self.env["AMQP_URI"])

    def listen(self, source_service, event_type):
        """A queue of the drill's own bound to an event: declared now, read later."""
        return EventTap(self.env["AMQP_URI"], source_service, event_type, self.run_id)

    def rpc(self, calls):
        """[(service, method, args)] -> their answers, through a nameko RPC client in a
        child process (nameko needs eventlet; the drill process stays plain)."""
        completed = subprocess.run(
            [sys.executable, "-m", "drills.rpc_call"],
            input=json.dumps(calls),
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env=base_env({"AMQP_URI": self.env["AMQP_URI"]}),
            timeout=60,
            check=True,
        )
        return json.loads(completed.stdout)

    def gateway_session(self):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {ORGANIZER_TOKEN}"
        return session


def event_exchange(source_service):
    return Exchange(f"{source_service}.events", type="topic", durable=True, delivery_mode=2)


class Publisher:
    """Publishes envelopes as a producer's outbox relay does (persistent, confirmed)."""

    def __init__(self, amqp_uri):
        self.connection = Connection(
            amqp_uri, connect_timeout=15, transport_options={"confirm_publish": True}
        )
        self.connection.ensure_connection(max_retries=5)
        self.producer = self.connection.Producer()

    def publish(self, schema_cls, data=None, envelope=None, **options):
        from plumbing.events import new_envelope

        envelope = envelope if envelope is not None else new_envelope(schema_cls, data)
        exchange = event_exchange(schema_cls.source_service)
        self.producer.publish(
            envelope,
            exchange=exchange,
            routing_key=schema_cls.event_type,
            serializer=options.pop("serializer", "json"),
            delivery_mode=2,
            declare=[exchange],
            retry=True,
            **options,
        )
        return envelope

    def close(self):
        self.connection.release()


class EventTap:
    def __init__(self, amqp_uri, source_service, event_type, run_id):
        self.amqp_uri = amqp_uri
        self.queue = Queue(
            f"drill-tap-{run_id}-{event_type}",
            exchange=event_exchange(source_service),
            routing_key=event_type,
            durable=True,
        )
        with Connection(amqp_uri) as connection:
            self.queue(connection.default_channel).declare()

    def drain(self, idle_seconds=2.0):
        """Every envelope in the queue (waits until none came for ``idle_seconds``)."""
        envelopes = []
        with Connection(self.amqp_uri) as connection:

            def on_message(body, message):
                envelopes.append(body if isinstance(body, dict) else json.loads(body))
                message.ack()

            with connection.Consumer(self.queue, callbacks=[on_message], accept=["json"]):
                while True:
                    try:
                        connection.drain_events(timeout=idle_seconds)
                    except TimeoutError:
                        break
        return envelopes


def in_thread(function, *args):
    thread = threading.Thread(target=function, args=args, daemon=True)
    thread.start()
    return thread


def eventually(predicate, timeout, interval=0.25):
    """Poll until ``predicate()`` is truthy or time is up; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def env_flag(name):
    return os.environ.get(name, "").lower() in ("1", "true", "yes")
