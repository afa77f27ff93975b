"""``plenary run gateway --processes 2``: two gateway processes answer on one port, one
killed is restarted while the other keeps answering, they share one stream-ticket
secret, and SIGTERM stops them all."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from plumbing.supervisor import child_environment
from plumbing.testing import free_port, wait_until

ROOT = Path(__file__).resolve().parents[1]


def children(pid):
    """Pids of the live processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[1]) == pid and stat[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def environ_of(pid):
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def gone(pid):
    """The process has exited (its sockets are closed), reaped or not."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except OSError:
        return True


def listening(pid, port):
    """``pid`` holds a socket listening on ``port`` (its own, under SO_REUSEPORT)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(fields[9])
    try:
        links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
    except OSError:
        return False
    return any(link == f"socket:[{inode}]" for link in links for inode in inodes)


def answers(port, count=20):
    """How many of ``count`` requests, each on a new connection, were answered 200."""
    ok = 0
    for _ in range(count):
        with contextlib.suppress(requests.RequestException):
            ok += requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    return ok


@pytest.fixture
def gateway(rabbit_config, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "AMQP_URI": rabbit_config["AMQP_URI"],
        "GATEWAY_HTTP_PORT": str(port),
        "GATEWAY_PROCESSES": "2",
        "LOG_FORMAT": "text",
        "STREAM_TICKET_SECRET": "",
        "WEB_DIST_DIR": str(tmp_path),
    }
    log = open(tmp_path / "gateway.log", "wb")  # noqa: SIM115 (lives with the process)
    parent = subprocess.Popen(
        [sys.executable, "-m", "plumbing.cli", "run", "gateway"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: len(children(parent.pid)) == 2, 30, what="two children")
        wait_until(
            lambda: all(listening(pid, port) for pid in children(parent.pid)),
            60,
            what="both listening",
        )
        yield parent, port
    finally:
        if parent.poll() is None:
            parent.kill()
            for pid in children(parent.pid):
                os.kill(pid, signal.SIGKILL)
            parent.wait()
        log.close()


def test_two_processes_answer_one_killed_is_restarted_and_sigterm_stops_all(gateway):
    parent, port = gateway
    first, second = children(parent.pid)
    # one secret for both: a stream ticket issued by one is good at the other
    secrets = {environ_of(pid)["STREAM_TICKET_SECRET"] for pid in (first, second)}
    assert len(secrets) == 1 and len(secrets.pop()) == 64

    os.kill(first, signal.SIGKILL)
    wait_until(lambda: gone(first), 5, what="the kill")
    assert answers(port) == 20  # the other answers alone meanwhile
    wait_until(lambda: len(set(children(parent.pid)) - {second}) == 1, 30, what="a restart")
    (replacement,) = set(children(parent.pid)) - {second}
    wait_until(lambda: listening(replacement, port), 60, what="the replacement listening")

    os.kill(second, signal.SIGKILL)  # now the replacement answers alone
    wait_until(lambda: gone(second), 5, what="the kill")
    assert answers(port) == 20
    wait_until(lambda: len(children(parent.pid)) == 2, 30, what="the second restart")

    started = time.monotonic()
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=40) == 0
    assert time.monotonic() - started < 35
    assert children(parent.pid) == [] and gone(replacement)


def test_the_children_share_a_given_secret_or_one_made_for_them():
    assert child_environment("gateway", {"STREAM_TICKET_SECRET": "given"}) == {
        "STREAM_TICKET_SECRET": "given"
    }
    made = child_environment("gateway", {})["STREAM_TICKET_SECRET"]
    assert len(made) == 64 and made != child_environment("gateway", {})["STREAM_TICKET_SECRET"]
    assert "STREAM_TICKET_SECRET" not in child_environment("registration", {})
