"""Smoke test of `make run`: the platform starts, seeds, serves a registration and stops.

It runs scripts/run_local.py for real: the real local RabbitMQ (default vhost), the fixed
development ports 8000-8004 and 1025, and SQLite files in a temporary directory.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from plumbing.registry import BACKEND_SERVICES, OPS_PORTS

REPO_ROOT = Path(__file__).resolve().parent.parent
GATEWAY_URL = f"http://127.0.0.1:{OPS_PORTS['gateway']}"
FIXED_PORTS = (*OPS_PORTS.values(), 1025)
TRACKS = {"reinspire", "rebuild", "reengage", "reconnect"}
STARTUP_TIMEOUT_SECONDS = 120
EXIT_TIMEOUT_SECONDS = 20


def is_listening(port):
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def fixed_ports_free():
    busy = [port for port in FIXED_PORTS if is_listening(port)]
    if busy:
        pytest.skip(f"the `make run` smoke test needs ports {FIXED_PORTS}; in use: {busy}")


@pytest.fixture
def run_local(tmp_path, fixed_ports_free):
    """scripts/run_local.py as a subprocess, killed with its children if the test fails."""
    env = dict(os.environ, PLENARY_ORGANIZER_TOKEN="smoke-test-organizer-token")
    for service in BACKEND_SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = f"sqlite:///{tmp_path}/{service}.db"
    log_path = tmp_path / "run_local.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "scripts/run_local.py"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    process.log_path = log_path
    process.seen_children = []
    yield process
    if process.poll() is None:
        process.seen_children += child_pids(process.pid)
        process.kill()
        process.wait()
    for pid in process.seen_children:
        if is_running(pid):
            os.kill(pid, signal.SIGKILL)


def child_pids(parent_pid):
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == parent_pid:
            pids.append(int(stat.parent.name))
    return pids


def command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    except OSError:
        return []


def is_running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def log_tail(process):
    return "\n".join(process.log_path.read_text(errors="replace").splitlines()[-60:])


def wait_until_started(process):
    """Until run_local.py says it is up, which it does after seeding the demo data."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while "Ctrl-C to stop" not in process.log_path.read_text(errors="replace"):
        if process.poll() is not None:
            pytest.fail(f"run_local.py exited with {process.returncode}:\n{log_tail(process)}")
        if time.monotonic() > deadline:
            pytest.fail(f"not started after {STARTUP_TIMEOUT_SECONDS} s:\n{log_tail(process)}")
        time.sleep(0.5)


def test_smoke_make_run_starts_seeds_serves_and_stops_cleanly(run_local):
    wait_until_started(run_local)
    sessions = requests.get(f"{GATEWAY_URL}/v1/sessions", timeout=10).json()["items"]
    assert {session["track"] for session in sessions} == TRACKS
    assert requests.get(f"{GATEWAY_URL}/v1/exhibitors", timeout=10).json()["items"]

    response = requests.post(
        f"{GATEWAY_URL}/v1/registrations",
        json={
            "email": f"smoke-{uuid.uuid4().hex[:8]}@example.org",
            "full_name": "Smoke Test",
            "organization": "Plenary CI",
            "consent": {"share_with_exhibitors": True},
        },
        timeout=10,
    )
    assert response.status_code == 202, response.text
    assert "access_token" not in response.json()  # it comes with the mailed code

    children = run_local.seen_children = child_pids(run_local.pid)
    service_runs = [pid for pid in children if command_line(pid)[-2:-1] == [b"run"]]
    assert len(service_runs) == len(BACKEND_SERVICES) + 1, log_tail(run_local)

    run_local.send_signal(signal.SIGINT)
    assert run_local.wait(timeout=EXIT_TIMEOUT_SECONDS) == 0, log_tail(run_local)
    assert [pid for pid in children if is_running(pid)] == []
