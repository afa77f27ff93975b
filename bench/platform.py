"""The platform under test: a RabbitMQ node of the bench's own (the shared node's
load from other work on this machine would be measured too, and creating a vhost on it
can take a minute), one PostgreSQL database per service (created like conftest's
TestDatabases, dropped afterwards), and every service as its own ``plenary run
<service>`` process, as in production."""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from plumbing.migrations import upgrade
from plumbing.testing import free_port, wait_for_port

ADMIN_DB = os.environ.get(
    "PLENARY_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("registration", "sessions", "expo", "notifications")
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
ORGANIZER_TOKEN = "bench-organizer-token"


class Platform:
    """Everything one bench run creates; ``close()`` removes all of it."""

    def __init__(self, log_dir):
        self.run_id = uuid.uuid4().hex[:8]
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.broker = Broker(self.run_id)
        self.amqp_uri = self.broker.amqp_uri
        self.db_urls = {}
        self.processes = {}
        self.ports = {}
        self.admin = create_engine(ADMIN_DB, isolation_level="AUTOCOMMIT")

    def create(self):
        broker = threading.Thread(target=self.broker.start)  # while the databases migrate
        broker.start()
        for service in BACKENDS:
            name = f"plenary_bench_{self.run_id}_{service}"
            self.db_urls[service] = ADMIN_DB.rsplit("/", 1)[0] + f"/{name}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            upgrade(service, self.db_urls[service])
        broker.join()
        if not self.broker.started:
            raise RuntimeError("the bench's RabbitMQ node did not start")
        self.plenary("declare")
        return self

    def close(self, grace=10):
        # all at once, then killed after ``grace``: a service draining its workers
        # (a held SSE stream, a webhook to a hanging receiver) can take its own 20 s
        for process, _ in self.processes.values():
            process.terminate()
        deadline = time.monotonic() + grace
        for service in list(self.processes):
            self.stop(service, max(0.1, deadline - time.monotonic()))
        with self.admin.connect() as conn:
            for url in self.db_urls.values():
                name = url.rsplit("/", 1)[1]
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()
        self.broker.stop()

    def env(self, **overrides):
        env = {
            **os.environ,
            "AMQP_URI": self.amqp_uri,
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "text",
            "PLENARY_ORGANIZER_TOKEN": ORGANIZER_TOKEN,
            "WEBHOOK_ALLOW_PRIVATE_URLS": "true",  # the receivers run on loopback
            # the load comes from one address: the per-IP limits would refuse it
            "RATE_LIMIT_REGISTRATION": "100000000/minute",
            "RATE_LIMIT_LOGIN_LINK": "100000000/minute",
            "RATE_LIMIT_AUTH_TOKEN": "100000000/minute",
            "STREAM_MAX_CONNECTIONS": "5000",
            # this checkout's code, not the one the venv has installed (editable)
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        for service, url in self.db_urls.items():
            env[f"{service.upper()}_DATABASE_URL"] = url
        env.update({key: str(value) for key, value in overrides.items()})
        return env

    def plenary(self, *args):
        subprocess.run([str(BIN / "plenary"), *args], env=self.env(), check=True, timeout=120)

    def start(self, service, name=None, port=None, **settings):
        """Start ``plenary run <service>`` (as ``name``, on ``port`` if given: eventlet
        listens with SO_REUSEPORT, so processes of one service may share a port);
        returns its ops (or, gateway, API) port."""
        name = name or service
        port = port or free_port()
        env = self.env(**settings, **{f"{service.upper()}_HTTP_PORT": port})
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (lives with the process)
        self.processes[name] = (
            subprocess.Popen(
                [str(BIN / "plenary"), "run", service], env=env, stdout=log, stderr=log
            ),
            log,
        )
        self.ports[name] = port
        return port

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        for service, port in self.ports.items():
            while not healthy(port, "/healthz" if service.startswith("gateway") else "/readyz"):
                process = self.processes[service][0]
                if process.poll() is not None:
                    raise RuntimeError(f"{service} exited; see {self.log_dir}/{service}.log")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} not ready within {timeout} s")
                time.sleep(0.2)

    def log_tails(self, lines=40):
        tails = []
        for log in sorted(self.log_dir.glob("*.log")):
            last = log.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"--- the last {len(last)} lines of {log}\n" + "\n".join(last))
        return "\n".join(tails)

    def stop(self, service, timeout=20):
        process, log = self.processes.pop(service)
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        self.ports.pop(service, None)

    def pids(self):
        """Each service's process; a supervised one's children instead (``gateway.2``...)."""
        pids = {}
        for service, (process, _) in self.processes.items():
            workers = children(process.pid)
            if not workers:
                pids[service] = process.pid
            for n, pid in enumerate(workers):
                pids[service if n == 0 else f"{service}.{n + 1}"] = pid
        return pids

    def url(self, path=""):
        return f"http://127.0.0.1:{self.ports['gateway']}{path}"

    def engine(self, service):
        return create_engine(self.db_urls[service], pool_size=2)


class Broker:
    """A RabbitMQ node of our own on free ports, its data in ``directory`` (the recipe
    of STACK.md's drill node); ``stop()`` ends it."""

    def __init__(self, run_id):
        self.directory = None
        self.node = f"bench{run_id}@localhost"
        self.port = free_port()
        self.amqp_uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self.started = False

    def start(self, timeout=90):
        self.directory = Path(tempfile.mkdtemp(prefix="plenary-bench-broker-"))
        self.directory.chmod(0o777)  # rabbitmq-server drops to the rabbitmq user when root
        (self.directory / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
        )
        (self.directory / "enabled_plugins").write_text("[].\n")
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq"),
            "RABBITMQ_PID_FILE": str(self.directory / "pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
        }
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env, check=True, timeout=60)
        self.started = True
        wait_for_port(self.port, timeout)

    def stop(self):
        if self.started:
            subprocess.run(
                ["rabbitmqctl", "-n", self.node, "stop"],
                env=self.env,
                timeout=60,
                capture_output=True,
            )
            self.started = False
            shutil.rmtree(self.directory, ignore_errors=True)


def children(pid):
    """Pids of the live processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid and stat[0] not in "ZX":
                found.append(int(entry.name))
    return sorted(found)


def healthy(port, path="/healthz"):
    try:
        return requests.get(f"http://127.0.0.1:{port}{path}", timeout=2).ok
    except requests.RequestException:
        return False


@contextlib.contextmanager
def cpu_meter(pids):
    """Seconds of CPU each process used inside the block: ``meter["gateway"]``."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    used = {}
    yield used
    for name, pid in pids.items():
        used[name] = round(cpu_seconds(pid) - before[name], 2)


@contextlib.contextmanager
def machine_meter():
    """Seconds of CPU the whole machine used inside the block (every process: the
    platform, PostgreSQL, RabbitMQ, the load generator and the sinks):
    ``meter["seconds"]``, over ``meter["elapsed"]`` seconds."""
    before, started = machine_busy_seconds(), time.monotonic()
    used = {}
    yield used
    used["seconds"] = round(machine_busy_seconds() - before, 2)
    used["elapsed"] = round(time.monotonic() - started, 2)


def idle_cores(seconds=3.0):
    """Cores the machine keeps busy while nothing is asked of it (the services' timers,
    PostgreSQL and RabbitMQ housekeeping), over ``seconds``."""
    with machine_meter() as machine:
        time.sleep(seconds)
    return machine["seconds"] / machine["elapsed"]


def machine_busy_seconds():
    """CPU seconds spent busy on every core since boot (/proc/stat: all but idle and iowait)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
