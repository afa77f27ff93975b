"""Fixtures of the notifications tests: the service, a real SMTP sink, real HTTP
receivers, and a way to publish other services' events."""

import mailbox
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy

from plumbing.events import new_envelope


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout=10.0, interval=0.05):
    """Poll ``check`` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"gave up waiting for {check.__name__}"
        time.sleep(interval)


@pytest.fixture
def notifications(start_service, rabbit_config):
    """``notifications(**config)`` -> an RPC proxy to a started notifications service."""
    proxies = []

    def start(**overrides):
        start_service("notifications", **overrides)
        proxy = ServiceRpcProxy("notifications", rabbit_config)
        proxies.append(proxy)
        return proxy.start()

    yield start
    for proxy in proxies:
        proxy.stop()


@pytest.fixture
def publish(rabbit_config):
    """``publish(EventSchema, data)`` or ``publish(EventSchema, envelope=...)``: send an
    event as its producer's outbox relay would; returns the envelope."""
    dispatch = event_dispatcher(rabbit_config)

    def publish(schema_cls, data=None, envelope=None):
        envelope = envelope or new_envelope(schema_cls, data)
        dispatch(schema_cls.source_service, schema_cls.event_type, envelope)
        return envelope

    return publish


class SmtpSink:
    """aiosmtpd in a subprocess, storing what it receives in a Maildir."""

    def __init__(self, port, maildir):
        self.port = port
        self.maildir = maildir
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(maildir),
            ],
        )
        wait_for(self.accepts_connections)

    def accepts_connections(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
        except OSError:
            return False
        return True

    def messages(self):
        if not self.maildir.exists():
            return []
        return list(mailbox.Maildir(self.maildir))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def smtp_sink(tmp_path):
    """``smtp_sink(port=None)`` -> a running SmtpSink (on ``port`` if given)."""
    sinks = []

    def start(port=None):
        sink = SmtpSink(port or free_port(), tmp_path / f"maildir-{len(sinks)}")
        sinks.append(sink)
        return sink

    yield start
    for sink in sinks:
        sink.stop()


class Receiver:
    """A webhook receiver: records every request, answers the queued status codes
    (then 200), optionally after a delay."""

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
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
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


@pytest.fixture
def receiver():
    """``receiver(statuses=(), delay=0)`` -> a running Receiver."""
    receivers = []

    def start(**kwargs):
        receivers.append(Receiver(**kwargs))
        return receivers[-1]

    yield start
    for started in receivers:
        started.stop()
