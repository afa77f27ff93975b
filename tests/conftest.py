"""The whole platform in one test process: every service and the gateway in nameko
containers on the real RabbitMQ (a vhost per test) and PostgreSQL, an SMTP sink in a
subprocess, and an HTTP client for the gateway."""

import mailbox
import subprocess
import sys

import pytest
import requests

from plumbing.testing import free_port, wait_for_port

ORGANIZER_TOKEN = "organizer-test-token"
BACKENDS = ("registration", "sessions", "expo", "notifications")


@pytest.fixture
def smtp_sink(tmp_path):
    """A real SMTP server (aiosmtpd) writing every message to a Maildir."""
    port = free_port()
    maildir = tmp_path / "mail"
    process = subprocess.Popen(
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    yield {"port": port, "mailbox": lambda: mailbox.Maildir(str(maildir), create=True)}
    process.terminate()
    process.wait(timeout=10)


class Api:
    """requests against the gateway, with bearer helpers."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.http = requests.Session()

    def request(self, method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(
            method, self.base_url + path, headers=headers, timeout=15, **kwargs
        )

    def get(self, path, token=None, **kwargs):
        return self.request("GET", path, token, **kwargs)

    def post(self, path, token=None, **kwargs):
        return self.request("POST", path, token, **kwargs)

    def put(self, path, token=None, **kwargs):
        return self.request("PUT", path, token, **kwargs)

    def delete(self, path, token=None, **kwargs):
        return self.request("DELETE", path, token, **kwargs)


@pytest.fixture
def platform(start_service, smtp_sink):
    """Start every backend and the gateway; returns an :class:`Api` on the gateway."""

    def start(*backends, **overrides):
        settings = {
            "SMTP_PORT": smtp_sink["port"],
            "PLENARY_ORGANIZER_TOKEN": ORGANIZER_TOKEN,
            **overrides,
        }
        for backend in backends or BACKENDS:
            start_service(backend, **settings)
        gateway = start_service("gateway", **settings)
        return Api(f"http://{gateway.config['WEB_SERVER_ADDRESS']}")

    return start


class WebhookReceiver:
    """A real HTTP server recording every request; answers ``statuses`` in turn, then 204."""

    def __init__(self):
        import http.server
        import threading

        self.requests = []
        self.statuses = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
