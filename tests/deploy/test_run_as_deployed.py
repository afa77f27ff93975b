"""The services run the way the image runs them: the Dockerfile's ENTRYPOINT with the
command of docker-compose.yml (the same as the Kubernetes args), configured only by the
variables compose gives each one, against the local PostgreSQL and a RabbitMQ node of the
test's own (drills/broker.py). Only the addresses of rabbitmq, postgres and mailpit are
pointed at their local counterparts.

Why a node of its own: as deployed, the services declare quorum queues (QUEUE_TYPE), some
150 of them. On the machine's shared node, long used by the suite's vhosts, that froze the
whole node (no AMQP handshake for anyone, nothing logged) until the test's vhost was
deleted, so this test failed and every test beside it stalled; a fresh node takes them in
seconds."""

import os
import signal
import socket
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import create_engine, text

from drills.broker import BrokerNode
from plumbing.registry import BACKEND_SERVICES, SERVICES
from plumbing.testing import SmtpSink, wait_until
from tests.deploy.manifests import (
    REPO_ROOT,
    compose,
    compose_environment,
    image_command,
    one,
    rendered,
)

POSTGRES_ADMIN_URL = os.environ.get(
    "PLENARY_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
ORGANIZER_TOKEN = "deploy-test-organizer-token"
START_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 40  # the pods' terminationGracePeriodSeconds is 45


def listening(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def probe(docs, service, kind):
    """(port, path) of a Deployment's probe, the named port resolved."""
    (container,) = one(docs, "Deployment", service)["spec"]["template"]["spec"]["containers"]
    get = container[kind]["httpGet"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    return ports[get["port"]], get["path"]


def localize(environment, amqp_uri, database, smtp_port):
    """Point compose's rabbitmq, postgres and mailpit at the local ones; nothing else."""
    local = dict(environment)
    for name, value in environment.items():
        if name == "AMQP_URI":
            assert urlsplit(value).hostname == "rabbitmq"
            local[name] = amqp_uri
        elif name.endswith("DATABASE_URL"):
            url = urlsplit(value)
            assert url.hostname == "postgres"
            admin = urlsplit(POSTGRES_ADMIN_URL)
            path = f"/{database(url.path.lstrip('/'))}"
            local[name] = urlunsplit((url.scheme, admin.netloc, path, "", ""))
        elif name == "SMTP_HOST":
            assert value == "mailpit"
            local[name] = "127.0.0.1"
        elif name == "SMTP_PORT":
            local[name] = str(smtp_port)
    return local


class LocalInfrastructure:
    """Empty databases named as in compose, a RabbitMQ vhost and an SMTP sink."""

    def __init__(self, amqp_uri, tmp_path):
        self.amqp_uri = amqp_uri
        self.run_id = uuid.uuid4().hex[:8]
        self.admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.databases = {}
        self.smtp = SmtpSink(tmp_path / "mail").start()

    def database(self, compose_name):
        if compose_name not in self.databases:
            name = f"plenary_deploy_{self.run_id}_{compose_name}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            self.databases[compose_name] = name
        return self.databases[compose_name]

    def close(self):
        self.smtp.stop()
        with self.admin.connect() as conn:
            for name in self.databases.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture
def infrastructure(tmp_path):
    if os.environ.get("PLENARY_TEST_DATABASE") == "sqlite":
        pytest.skip("runs the services against PostgreSQL, as deployed")
    busy = [port for port in range(8000, 8006) if listening(port)]
    if busy:
        pytest.skip(f"the services' fixed ops ports are in use: {busy}")
    broker = BrokerNode().start()
    local = LocalInfrastructure(f"amqp://guest:guest@{broker.amqp_host_port}/", tmp_path)
    yield local
    local.close()
    broker.stop()


class Containers:
    """`plenary` processes with only the variables a container would have."""

    def __init__(self, infrastructure, workdir):
        self.infrastructure = infrastructure
        self.workdir = workdir
        self.processes = {}
        # the image's ENV PATH puts its virtualenv first; here that is .venv
        venv_bin = str(REPO_ROOT / ".venv" / "bin")
        self.base_env = {"PATH": f"{venv_bin}:{os.environ['PATH']}", "PYTHONUNBUFFERED": "1"}

    def environment(self, service):
        compose_env = compose_environment(service, {"PLENARY_ORGANIZER_TOKEN": ORGANIZER_TOKEN})
        infrastructure = self.infrastructure
        local_env = localize(
            compose_env, infrastructure.amqp_uri, infrastructure.database, infrastructure.smtp.port
        )
        return {**self.base_env, **local_env}

    def run_once(self, service, argv):
        return subprocess.run(
            argv,
            cwd=self.workdir,
            env=self.environment(service),
            capture_output=True,
            text=True,
            timeout=300,
        )

    def start(self, service, argv):
        log = open(self.workdir / f"{service}.log", "w")  # noqa: SIM115  closed by the process
        self.processes[service] = subprocess.Popen(
            argv,
            cwd=self.workdir,
            env=self.environment(service),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def log(self, service):
        return (self.workdir / f"{service}.log").read_text(errors="replace")[-3000:]

    def kill_all(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture
def containers(infrastructure, tmp_path):
    started = Containers(infrastructure, tmp_path)
    yield started
    started.kill_all()


def wait_for_status(url, status, containers, service):
    def answered():
        process = containers.processes[service]
        assert process.poll() is None, f"{service} exited:\n{containers.log(service)}"
        try:
            return requests.get(url, timeout=3).status_code == status
        except (requests.ConnectionError, requests.Timeout):
            return False  # as the kubelet counts it: a failed probe, tried again

    wait_until(answered, START_TIMEOUT_SECONDS, interval=0.5, what=f"{url} -> {status}")


def test_the_image_command_runs_every_service_with_the_deployed_configuration(containers):
    services = compose()["services"]
    docs = rendered("production")

    migrate = services["migrate"]["entrypoint"]  # the one-shot step before the services
    result = containers.run_once("migrate", migrate)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [f"declared queues of {s}" in result.stdout for s in BACKEND_SERVICES] == [True] * len(
        BACKEND_SERVICES
    )

    for service in (*BACKEND_SERVICES, "gateway"):
        command = services[service]["command"]
        (container,) = one(docs, "Deployment", service)["spec"]["template"]["spec"]["containers"]
        assert container["args"] == command, f"{service}: compose and Kubernetes disagree"
        containers.start(service, image_command(command))

    for service in SERVICES:
        for kind, status in (("readinessProbe", 200), ("livenessProbe", 200)):
            port, path = probe(docs, service, kind)
            wait_for_status(f"http://127.0.0.1:{port}{path}", status, containers, service)
        healthcheck = services[service]["healthcheck"]["test"]
        assert healthcheck[0] == "CMD"
        assert containers.run_once(service, healthcheck[1:]).returncode == 0, service

    gateway_port, _ = probe(docs, "gateway", "readinessProbe")
    response = requests.get(f"http://127.0.0.1:{gateway_port}/v1/sessions", timeout=15)
    assert response.status_code == 200, response.text
    assert "items" in response.json()

    # SIGTERM, as the kubelet and `docker compose down` send it: nameko drains and exits 0
    for service in ("gateway", *BACKEND_SERVICES):
        containers.processes[service].send_signal(signal.SIGTERM)
    for service, process in containers.processes.items():
        code = process.wait(timeout=STOP_TIMEOUT_SECONDS)
        assert code == 0, f"{service} exited {code}:\n{containers.log(service)}"


def test_localize_only_moves_addresses():
    """The one liberty the test above takes with compose's variables."""
    environment = compose_environment("notifications", {})
    localized = localize(environment, "amqp://guest:guest@127.0.0.1/v", "db_{}".format, 2525)
    assert localized["AMQP_URI"] == "amqp://guest:guest@127.0.0.1/v"
    assert localized["DATABASE_URL"].startswith("postgresql://")
    assert localized["DATABASE_URL"].endswith("@127.0.0.1:5432/db_plenary_notifications")
    assert (localized["SMTP_HOST"], localized["SMTP_PORT"]) == ("127.0.0.1", "2525")
    moved = {"AMQP_URI", "DATABASE_URL", "SMTP_HOST", "SMTP_PORT"}
    assert {k: v for k, v in localized.items() if k not in moved} == {
        k: v for k, v in environment.items() if k not in moved
    }
