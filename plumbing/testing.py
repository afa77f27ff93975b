"""Helpers the test suites share: polling, ports, an SMTP sink, a webhook receiver,
publishing events and reading what services committed. Not used at run time."""

import json
import mailbox
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import eventlet
from kombu import Connection, Queue
from nameko.constants import PERSISTENT
from sqlalchemy import func, select

from plumbing.outbox import event_exchange, outbox_table


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=10.0):
    wait_until(lambda: _listening(port), timeout, what=f"port {port} to listen")


def _listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def wait_until(predicate, timeout=10.0, interval=0.05, what="condition"):
    """Poll ``predicate`` until it returns something truthy; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        eventlet.sleep(interval)


class SmtpSink:
    """A real SMTP server (aiosmtpd in a subprocess) storing what it receives in a
    Maildir. ``stop()`` and ``start()`` again on the same port to play an outage."""

    def __init__(self, maildir, port=None):
        self.maildir = maildir
        self.port = port or free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{self.port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(self.maildir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def messages(self):
        if not self.maildir.exists():
            return []
        return list(mailbox.Maildir(self.maildir))

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class WebhookReceiver:
    """A real HTTP server recording every POST (lower-cased headers, body bytes, path).
    It answers the queued ``statuses`` in turn, then 200, each after ``delay`` seconds."""

    def __init__(self, statuses=(), delay=0.0):
        self.statuses = list(statuses)
        self.delay = delay
        self.requests = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/plenary"

    def _handler_class(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(
                        {
                            "headers": {
                                name.lower(): value for name, value in self.headers.items()
                            },
                            "body": body,
                            "path": self.path,
                        }
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        return Handler

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class LoginCodeTap:
    """Hears registration's ``login_link_requested`` events (they carry the code; no
    stored row keeps it) on a queue of its own, as a mailbox would: for tests that sign
    in without running notifications and an SMTP sink. Create it before registering."""

    def __init__(self, amqp_uri):
        self.connection = Connection(amqp_uri)
        exchange = event_exchange("registration")
        queue = Queue(
            f"test-login-codes-{time.monotonic_ns()}",
            exchange,
            routing_key="login_link_requested",
            auto_delete=True,
        )
        self.queue = self.connection.SimpleQueue(queue)
        self.codes = {}  # lower-cased email -> codes heard, oldest first

    def code_for(self, email, timeout=15.0):
        """The newest code mailed to ``email`` not handed out yet."""

        def heard():
            try:
                message = self.queue.get(block=True, timeout=0.2)
            except self.queue.Empty:
                message = None
            if message is not None:
                data = message.payload["data"]
                self.codes.setdefault(data["email"].lower(), []).append(data["code"])
                message.ack()
            codes = self.codes.get(email.lower())
            return codes.pop() if codes else None

        return wait_until(heard, timeout, interval=0, what=f"a login code for {email}")

    def close(self):
        self.queue.close()
        self.connection.release()


def publish_event(amqp_uri, source_service, event_type, body, **options):
    """Publish ``body`` to ``source_service``'s event exchange as its outbox relay does;
    ``options`` go to kombu (e.g. a content type for a body that is not JSON)."""
    exchange = event_exchange(source_service)
    with Connection(amqp_uri) as connection:
        connection.Producer().publish(
            body,
            exchange=exchange,
            routing_key=event_type,
            delivery_mode=PERSISTENT,
            declare=[exchange],
            **options,
        )


def count_rows(session, model_or_table, *where):
    """How many rows the services have committed (a fresh snapshot each call)."""
    session.rollback()
    return session.scalar(select(func.count()).select_from(model_or_table).where(*where))


def outbox_envelopes(session, event_type=None):
    """The envelopes a service has put in its outbox so far, oldest first."""
    query = select(outbox_table.c.envelope).order_by(outbox_table.c.seq)
    if event_type is not None:
        query = query.where(outbox_table.c.event_type == event_type)
    session.rollback()  # a fresh snapshot of what the service committed
    return [json.loads(envelope) for envelope in session.scalars(query)]
