"""`make run`: the whole platform on this machine, with demo data (the development profile).

Checks that RabbitMQ is up, starts an SMTP sink (mails land in the Maildir var/mail),
migrates the databases, declares the queues, starts every service as its own
`plenary run <service>` process, waits until all of them are ready, seeds demo data and
prints where everything is.  Ctrl-C (or SIGTERM) stops every process it started.

Settings come from the environment like everywhere else (see plumbing/config.py and each
service's settings.py); this script only adds development defaults: text logs, webhooks to
loopback allowed, the SMTP sink, and a fresh organizer token unless PLENARY_ORGANIZER_TOKEN
is set.
"""

import collections
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
from seed_demo import (
    SeedError,
    maildir_login_codes,
    seed,
)  # scripts/ is on sys.path: this file runs as a script

from plumbing.config import SHARED_SETTINGS
from plumbing.registry import BACKEND_SERVICES, OPS_PORTS

REPO_ROOT = Path(__file__).resolve().parent.parent
PLENARY = str(Path(sys.executable).with_name("plenary"))
MAILDIR = REPO_ROOT / "var" / "mail"
GATEWAY_URL = f"http://127.0.0.1:{OPS_PORTS['gateway']}"
STARTUP_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 15
LOG_TAIL_LINES = 40
DEVELOPMENT_DEFAULTS = {
    "LOG_FORMAT": "text",
    "WEBHOOK_ALLOW_PRIVATE_URLS": "true",  # exhibitors' test receivers run on loopback
    "SMTP_PORT": "1025",
    "PYTHONUNBUFFERED": "1",  # children's lines show up as they are written
    # the demo data registers two dozen attendees from this one address
    "RATE_LIMIT_REGISTRATION": "60/minute;300/hour",
    # ...and signs each of them in with the code mailed to them
    "RATE_LIMIT_AUTH_TOKEN": "60/minute;300/hour",
    # the Vite dev server (`cd web && npm run dev`) calls the gateway cross-origin
    "CORS_ALLOWED_ORIGINS": "http://127.0.0.1:5173,http://localhost:5173",
}

_output_lock = threading.Lock()


def say(line):
    with _output_lock:
        print(line, flush=True)


class RunFailed(Exception):
    """The platform could not start or a process of it died: stop everything, exit 1."""

    def __init__(self, message, child=None):
        super().__init__(message)
        self.child = child

    def report(self):
        if self.child is None:
            return str(self)
        tail = "\n".join(self.child.recent_lines) or "(no output)"
        return f"{self}\n--- last lines of {self.child.name} ---\n{tail}"


class Child:
    """A process of ours whose output is echoed line by line, prefixed with its name."""

    name_width = max(len(name) for name in OPS_PORTS)

    def __init__(self, name, command, env):
        self.name = name
        self.recent_lines = collections.deque(maxlen=LOG_TAIL_LINES)
        # Its own process group, so a Ctrl-C in the terminal reaches only this script,
        # which then stops each child exactly once (see stop()).
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            process_group=0,
        )
        self.echo = threading.Thread(target=self._echo_output, daemon=True)
        self.echo.start()

    def _echo_output(self):
        for line in self.process.stdout:
            line = line.rstrip("\n")
            self.recent_lines.append(line)
            say(f"{self.name:<{self.name_width}} | {line}")

    def exit_status(self):
        return self.process.poll()


def main():
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    env = child_environment()
    require_rabbitmq(env.get("AMQP_URI", SHARED_SETTINGS["AMQP_URI"]))
    smtp_port = int(env["SMTP_PORT"])
    require_free_ports([*OPS_PORTS.values(), smtp_port])
    children = []
    status = 0
    try:
        children.append(Child("smtp", smtp_sink_command(smtp_port), env))
        run_plenary("migrate", env)
        run_plenary("declare", env)
        names = (*BACKEND_SERVICES, "gateway")
        services = [Child(name, [PLENARY, "run", name], env) for name in names]
        children.extend(services)
        wait_until_ready(services, children)
        seed_demo_data(env["PLENARY_ORGANIZER_TOKEN"])
        print_summary(env["PLENARY_ORGANIZER_TOKEN"])
        watch(children)
    except KeyboardInterrupt:
        pass
    except RunFailed as failure:
        say(failure.report())
        status, reason = 1, failure
    finally:
        stop(children)
    if status:
        say(f"stopped because {reason}")  # last, after the children's shutdown lines
    return status


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops the platform exactly like Ctrl-C


def child_environment():
    env = {**DEVELOPMENT_DEFAULTS, **os.environ}
    if not env.get("PLENARY_ORGANIZER_TOKEN"):
        env["PLENARY_ORGANIZER_TOKEN"] = secrets.token_urlsafe(24)
    return env


def require_rabbitmq(amqp_uri):
    address = urlsplit(amqp_uri)
    host, port = address.hostname or "127.0.0.1", address.port or 5672
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError:
        sys.exit(
            f"RabbitMQ is not reachable at {host}:{port}. Start it with:\n"
            f"    rabbitmq-server -detached"
        )


def require_free_ports(ports):
    # A leftover process on a port would answer the readiness checks in our place.
    busy = [port for port in ports if _is_listening(port)]
    if busy:
        sys.exit(
            f"port(s) {', '.join(map(str, busy))} already in use: is Plenary already "
            f"running? Stop it first."
        )


def _is_listening(port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def smtp_sink_command(port):
    MAILDIR.parent.mkdir(parents=True, exist_ok=True)  # aiosmtpd creates only the last level
    return [
        sys.executable,
        "-m",
        "aiosmtpd",
        "-n",
        "-l",
        f"127.0.0.1:{port}",
        "-c",
        "aiosmtpd.handlers.Mailbox",
        str(MAILDIR),
    ]


def run_plenary(command, env):
    finished = subprocess.run(
        [PLENARY, command],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        process_group=0,
    )
    output = (finished.stdout + finished.stderr).rstrip()
    if finished.returncode != 0:
        raise RunFailed(
            f"`plenary {command}` failed (exit status {finished.returncode}):\n{output}"
        )
    for line in output.splitlines():
        say(f"{command:<{Child.name_width}} | {line}")


def wait_until_ready(services, children):
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    waiting = list(services)
    while True:
        require_alive(children, "while starting")
        waiting = [child for child in waiting if not _is_ready(child.name)]
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise RunFailed(
                f"{waiting[0].name} not ready after {STARTUP_TIMEOUT_SECONDS}"
                f" s (GET /readyz on port {OPS_PORTS[waiting[0].name]})",
                waiting[0],
            )
        time.sleep(0.5)


def _is_ready(service):
    try:
        response = requests.get(f"http://127.0.0.1:{OPS_PORTS[service]}/readyz", timeout=2)
    except requests.RequestException:
        return False
    return response.status_code == 200


def seed_demo_data(organizer_token):
    try:
        seed(GATEWAY_URL, organizer_token, log=say, login_code=maildir_login_codes(MAILDIR))
    except (SeedError, requests.RequestException) as exc:
        raise RunFailed(f"seeding the demo data failed: {exc}") from exc


def print_summary(organizer_token):
    metrics = "\n".join(
        f"    {name:<{Child.name_width}} http://127.0.0.1:{port}/metrics"
        for name, port in OPS_PORTS.items()
    )
    say(f"""
Plenary is running.
  web app          {GATEWAY_URL}/
                   (attendees register there; exhibitor and organizer portals
                   at /exhibitor and /organizer)
  API              {GATEWAY_URL}/v1
  API reference    {GATEWAY_URL}/docs
  OpenAPI          {GATEWAY_URL}/v1/openapi.json
  metrics
{metrics}
  mail (Maildir)   {MAILDIR}
  organizer token  {organizer_token}
                   (Authorization: Bearer <token> on organizer endpoints)
  exhibitor keys   the "demo data: exhibitor ... id=... api_key=pex_..." lines above
Ctrl-C to stop.
""")


def watch(children):
    while True:
        require_alive(children, "unexpectedly; stopping everything")
        time.sleep(1)


def require_alive(children, when):
    for child in children:
        if child.exit_status() is not None:
            raise RunFailed(f"{child.name} exited with status {child.exit_status()} {when}", child)


def stop(children):
    """SIGTERM every child, SIGKILL those still running after STOP_TIMEOUT_SECONDS."""
    # A second Ctrl-C must not cut the shutdown short and leave children behind.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    running = [child for child in children if child.exit_status() is None]
    if running:
        say("stopping...")
    for child in running:
        child.process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for child in running:
        try:
            child.process.wait(timeout=max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{child.name} did not stop within {STOP_TIMEOUT_SECONDS} s: killing it")
            child.process.kill()
            child.process.wait()
    for child in children:
        child.echo.join(timeout=2)
    say("stopped.")


if __name__ == "__main__":
    sys.exit(main())
