"""`make test` on a machine without a service says so in one line per missing service,
with the command that fixes it, before any test runs."""

import subprocess
import sys
from pathlib import Path

from plumbing.testing import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_pytest(*args):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *args, "tests/test_preflight.py"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_broker_and_management_plugin_are_named_with_their_fix():
    closed = free_port()  # nothing listens there
    result = run_pytest(
        f"--amqp-uri=amqp://guest:guest@127.0.0.1:{closed}/",
        f"--rabbit-ctl-uri=http://guest:guest@127.0.0.1:{closed}",
        "--collect-only",
    )
    assert result.returncode == 4, result.stdout + result.stderr
    output = result.stdout + result.stderr
    lines = [line for line in output.splitlines() if "missing:" in line]
    assert any(
        f"RabbitMQ (AMQP 127.0.0.1:{closed}) -> run: rabbitmq-server -detached" in line
        for line in lines
    ), output
    assert any("rabbitmq-plugins enable rabbitmq_management" in line for line in lines), output
    assert "collected" not in output  # stopped before collecting a single test


def test_the_machine_running_this_suite_passes_the_preflight():
    result = run_pytest("--collect-only")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "missing:" not in result.stdout
