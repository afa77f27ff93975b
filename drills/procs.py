"""Processes and places a drill owns: service processes, a vhost, per-run databases."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import requests
from sqlalchemy import create_engine, text

REPO_ROOT = Path(__file__).resolve().parent.parent
PLENARY = str(Path(sys.executable).with_name("plenary"))
POSTGRES_ADMIN_URL = os.environ.get(
    "PLENARY_DRILL_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
RABBIT_API = os.environ.get("PLENARY_DRILL_RABBIT_API", "http://127.0.0.1:15672")
RABBIT_HOST_PORT = os.environ.get("PLENARY_DRILL_RABBIT", "127.0.0.1:5672")

# settings that make a drill take seconds, not hours (retry delays, poll intervals)
FAST_SETTINGS = {
    "LOG_FORMAT": "text",
    "LOG_LEVEL": "WARNING",
    "EVENT_RETRY_DELAYS_MS": "200,500",
    "OUTBOX_POLL_INTERVAL": "0.1",
    "OUTGOING_POLL_INTERVAL": "0.2",
    "SESSION_CLOCK_INTERVAL": "0.2",
    "EMAIL_RETRY_DELAYS_SECONDS": "0.5,1,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2",
    "WEBHOOK_RETRY_DELAYS_SECONDS": "0.5,1,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2",
    "EMAIL_LEASE_SECONDS": "6",
    "SMTP_TIMEOUT_SECONDS": "2",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
    "RPC_TIMEOUT_SECONDS": "5",
    "RATE_LIMIT_REGISTRATION": "1000000/minute",
    "RATE_LIMIT_LOGIN_LINK": "1000000/minute",
    "RATE_LIMIT_AUTH_TOKEN": "1000000/minute",
    "PYTHONUNBUFFERED": "1",
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def wait_until(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not within {timeout} s")
        time.sleep(interval)


def wait_for_port(port, timeout=15):
    wait_until(lambda: listening(port), timeout, f"port {port} listening")


class Vhost:
    """A RabbitMQ vhost of the drill's own (queues of other runs stay apart)."""

    def __init__(self, api=RABBIT_API, host_port=RABBIT_HOST_PORT, name=None):
        self.api = api
        self.host_port = host_port
        self.name = name or f"drill-{uuid.uuid4().hex[:8]}"

    @property
    def amqp_uri(self):
        return f"pyamqp://guest:guest@{self.host_port}/{quote(self.name, safe='')}"

    def _url(self, path):
        return f"{self.api}/api/{path}"

    def create(self):
        vhost = quote(self.name, safe="")
        patiently(self._put, f"vhosts/{vhost}")
        patiently(
            self._put,
            f"permissions/{vhost}/guest",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        )
        return self

    def _put(self, path, **kwargs):
        response = requests.put(self._url(path), auth=("guest", "guest"), timeout=30, **kwargs)
        response.raise_for_status()

    def delete(self):
        with contextlib.suppress(requests.RequestException):
            vhost = quote(self.name, safe="")
            requests.delete(self._url(f"vhosts/{vhost}"), auth=("guest", "guest"), timeout=10)


class Databases:
    """One PostgreSQL database per service for this run, migrated; dropped after. Each
    is a copy of a template migrated once per run of the drills (``TEMPLATES``): a copy
    takes a moment, running the migrations in a new process each time took seconds."""

    def __init__(self, run_id, admin_url=POSTGRES_ADMIN_URL):
        self.run_id = run_id
        self.admin_url = admin_url
        self.urls = {}

    def url(self, service, host_port=None):
        base = self.admin_url.rsplit("/", 1)[0]
        if host_port is not None:  # through a proxy
            base = base.rsplit("@", 1)[0] + "@" + host_port
        return f"{base}/plenary_drill_{self.run_id}_{service}"

    def create(self, services):
        TEMPLATES.ensure(services)
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for service in services:
                name = self.url(service).rsplit("/", 1)[1]
                template = TEMPLATES.name(service)
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
                self.urls[service] = self.url(service)
        admin.dispose()
        return self

    def engine(self, service):
        return create_engine(self.urls[service], pool_size=2)

    def drop(self):
        drop_databases(self.admin_url, [url.rsplit("/", 1)[1] for url in self.urls.values()])


def drop_databases(admin_url, names):
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Templates:
    """Per service, a database migrated once for the whole run (``drop()`` at its end)."""

    def __init__(self, admin_url=POSTGRES_ADMIN_URL):
        self.admin_url = admin_url
        self.prefix = f"plenary_drill_template_{uuid.uuid4().hex[:8]}"
        self.made = set()

    def name(self, service):
        return f"{self.prefix}_{service}"

    def ensure(self, services):
        missing = [s for s in services if s not in self.made]
        if not missing:
            return
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for service in missing:
                conn.execute(text(f'CREATE DATABASE "{self.name(service)}"'))
        admin.dispose()
        self.made.update(missing)
        base = self.admin_url.rsplit("/", 1)[0]
        env = {f"{s.upper()}_DATABASE_URL": f"{base}/{self.name(s)}" for s in missing}
        patiently(run_plenary, ["migrate", *missing], env)

    def drop(self):
        drop_databases(self.admin_url, [self.name(s) for s in self.made])
        self.made.clear()


TEMPLATES = Templates()


def base_env(extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLENARY_", "AMQP"))}
    env.update(FAST_SETTINGS)
    # the checkout's code, whichever checkout the venv's editable install points at
    # (a worktree sharing another's venv would otherwise drill the other's code)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update({key: str(value) for key, value in extra.items()})
    return env


def patiently(function, *args, attempts=3, **kwargs):
    """The shared broker is busy at times (other people's test runs): try again."""
    for attempt in range(attempts):
        try:
            return function(*args, **kwargs)
        except (requests.RequestException, RuntimeError):
            if attempt == attempts - 1:
                raise
            time.sleep(2)


def run_plenary(args, extra_env, timeout=120):
    completed = subprocess.run(
        [PLENARY, *args],
        cwd=REPO_ROOT,
        env=base_env(extra_env),
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.splitlines()[-5:])
        raise RuntimeError(f"plenary {' '.join(args)} failed:\n{tail}")
    return completed.stdout


class ServiceProcess:
    """``plenary run <service>`` as a child process, with an ops port of its own."""

    def __init__(self, service, env, log_dir):
        self.service = service
        self.env = dict(env)
        self.port = free_port()
        self.env["HTTP_PORT"] = str(self.port)
        self.log_path = Path(log_dir) / f"{service}-{self.port}.log"
        self.process = None

    def start(self, wait=True):
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 (closed in reap)
        self.process = subprocess.Popen(
            [PLENARY, "run", self.service],
            cwd=REPO_ROOT,
            env=base_env(self.env),
            stdin=subprocess.DEVNULL,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        if wait:
            self.wait_ready()
        return self

    def ready(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.service} exited: see {self.log_path}")
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/readyz", timeout=1).ok
        except requests.RequestException:
            return False

    def wait_ready(self, timeout=60):
        wait_until(self.ready, timeout, f"{self.service} ready")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def kill(self):
        """``kill -9``: no cleanup, no acks, no last commit."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.reap()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.reap()

    def reap(self):
        if self.process is not None:
            self.process.wait(timeout=15)
            self.process = None
            self.log_file.close()
