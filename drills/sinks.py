"""What the drills count at: the SMTP sink process and webhook receivers."""

import collections
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from drills.procs import free_port, wait_for_port


class SmtpSinkProcess:
    """``python -m drills.smtp_sink`` on a port of its own; ``counts()`` per recipient."""

    def __init__(self, directory, delay=0.0):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log = self.directory / "accepted.log"
        self.mode_file = self.directory / "mode"
        self.delay = delay
        self.port = free_port()
        self.process = None
        self.set_mode("ok")

    def start(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "drills.smtp_sink",
                "--port",
                str(self.port),
                "--log",
                str(self.log),
                "--mode-file",
                str(self.mode_file),
                "--delay",
                str(self.delay),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def set_mode(self, mode):
        self.mode_file.write_text(mode)

    def lines(self):
        if not self.log.exists():
            return []
        return [line.split("\t") for line in self.log.read_text().splitlines() if line]

    def counts(self):
        """{recipient: how many mails SMTP accepted for them}."""
        return collections.Counter(recipient for recipient, _ in self.lines())


class WebhookReceivers:
    """One HTTP server; each path is a receiver whose answers the drill sets:
    ``answer(path, status, delay=0, headers=None)``. It counts successful (2xx) requests
    per ``webhook-id`` and remembers every request (arrival time, status answered)."""

    def __init__(self, port=0):
        self.lock = threading.Lock()
        self.answers = {}
        self.scripts = collections.defaultdict(list)
        self.requests = collections.defaultdict(list)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}/{path}"

    def answer(self, path, status, delay=0.0, headers=None):
        """Answer every request to ``path`` so (once the scripted answers are used up)."""
        with self.lock:
            self.answers[path] = (status, delay, headers or {})

    def script(self, path, *answers):
        """The next requests to ``path`` get these (status, delay, headers) in turn."""
        with self.lock:
            self.scripts[path].extend(answers)

    def delivered(self, path, timeout=float("inf")):
        """{webhook-id: 2xx answers given in time} for ``path``."""
        with self.lock:
            return collections.Counter(
                r["id"]
                for r in self.requests[path]
                if 200 <= r["status"] < 300 and r["delay"] < timeout
            )

    def seen(self, path):
        with self.lock:
            return list(self.requests[path])

    def _handler_class(self):
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = self.path.lstrip("/")
                with receivers.lock:
                    if receivers.scripts[path]:
                        status, delay, headers = receivers.scripts[path].pop(0)
                    else:
                        status, delay, headers = receivers.answers.get(path, (200, 0.0, {}))
                    receivers.requests[path].append(
                        {
                            "id": self.headers.get("webhook-id"),
                            "headers": dict(self.headers.items()),
                            "delay": delay,
                            "timestamp": self.headers.get("webhook-timestamp"),
                            "signature": self.headers.get("webhook-signature"),
                            "body": body,
                            "status": status,
                            "at": time.monotonic(),
                        }
                    )
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
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


def payload(request):
    return json.loads(request["body"])
