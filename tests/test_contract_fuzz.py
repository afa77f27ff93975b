"""The published contract holds under a fuzzer: schemathesis (pinned) runs the
``/v1/openapi.json`` it is served against the real gateway and services, as each kind
of caller, and finds no failure and no server error.

Bounded for CI (the three roles in about five minutes on two cores): a fixed seed, a few
examples per operation, two workers. The organizer's run has every phase: coverage (every
boundary and every enum value of each operation: the ~600 time zones alone are ~2,500
requests), fuzzing and stateful (the documented links; the organizer can create what
they lead to). The attendee's and the exhibitor's runs are the fuzzing phase only, with
twice the examples: coverage would repeat the organizer's cases for the public
operations at twice its time, and in the runs that found the failures fixed in issue 13
fuzzing found every one of theirs. ``PLENARY_FUZZ_EXAMPLES`` and ``PLENARY_FUZZ_PHASES``
widen a run by hand, e.g. before a release (``PLENARY_FUZZ_PHASES=coverage,fuzzing`` for
the attendee and the exhibitor).
"""

import os
import subprocess
import sys
from pathlib import Path

import eventlet
import pytest

from tests.conftest import ORGANIZER_TOKEN

SEED = 20261202
EXAMPLES = int(os.environ.get("PLENARY_FUZZ_EXAMPLES", "4"))
PHASES = {
    "organizer": os.environ.get("PLENARY_FUZZ_PHASES", "coverage,fuzzing,stateful"),
    "attendee": os.environ.get("PLENARY_FUZZ_PHASES", "fuzzing"),
    "exhibitor": os.environ.get("PLENARY_FUZZ_PHASES", "fuzzing"),
}
# the roles without the coverage phase draw more examples in the fuzzing one
EXAMPLES_BY_ROLE = {"organizer": EXAMPLES, "attendee": 2 * EXAMPLES, "exhibitor": 2 * EXAMPLES}
ST = Path(sys.executable).with_name("st")
REPO_ROOT = Path(__file__).resolve().parents[1]

# Operations a role's run leaves out, each with its reason. Nothing else is excluded.
EXCLUDED = {
    # the attendee's own token would be revoked (logout, cancellation, erasure) in the
    # middle of the run, and every later case would only see 401
    "attendee": [
        "POST /v1/auth/logout",
        "DELETE /v1/me",
        "POST /v1/me/cancellation",
    ],
    # the exhibitor's key would be replaced in the middle of the run (every later case 401)
    "exhibitor": ["POST /v1/exhibitors/{exhibitor_id}/api-key"],
    "organizer": [],
}
# the server-sent event stream never ends on its own: the fuzzer would wait on it
ALWAYS_EXCLUDED = ["GET /v1/me/notifications/stream"]


def seed_world(api):
    """One attendee, one exhibitor with a product, one session: ids for the paths."""
    # registration answers 202 and mails a login code; the token comes from that code
    attendee = api.sign_up(
        {
            "email": "fuzz@example.org",
            "full_name": "Fuzz Tester",
            "consent": {"share_with_exhibitors": True},
        }
    )
    exhibitor = api.post(
        "/v1/exhibitors",
        token=ORGANIZER_TOKEN,
        json={"name": "Fuzz Co", "description": "", "tier": "silver", "products": []},
    )
    assert exhibitor.status_code == 201, exhibitor.text
    return {
        "attendee": attendee["access_token"],
        "exhibitor": exhibitor.json()["api_key"],
        "organizer": ORGANIZER_TOKEN,
        "exhibitor_id": exhibitor.json()["id"],
        "attendee_id": attendee["attendee_id"],
    }


def config_file(tmp_path, world):
    """Known ids for the path parameters, so cases reach past the 404."""
    path = tmp_path / "schemathesis.toml"
    path.write_text(
        "[parameters]\n"
        f'"path.exhibitor_id" = "{world["exhibitor_id"]}"\n'
        "[checks.not_a_server_error]\n"
        'expected-statuses = ["2xx", "3xx", "4xx"]\n'
    )
    return path


def run_schemathesis(base_url, role, token, config, report_dir):
    command = [
        str(ST),
        "--config-file",
        str(config),
        "run",
        f"{base_url}/v1/openapi.json",
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--phases",
        PHASES[role],
        "--max-examples",
        str(EXAMPLES_BY_ROLE[role]),
        "--seed",
        str(SEED),
        # two workers (the hooks serialize the fuzzer's AST parsing: see fuzz_hooks)
        "--workers",
        "2",
        "--request-timeout",
        "20",
        "--no-color",
        "--report",
        os.environ.get("PLENARY_FUZZ_REPORTS", "junit"),
        "--report-dir",
        str(report_dir),
    ]
    for label in EXCLUDED[role] + ALWAYS_EXCLUDED:
        command += ["--exclude-name", label]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.fuzz_hooks",
        "PYTHONPATH": str(REPO_ROOT),
        "NO_COLOR": "1",
    }
    output = report_dir / "schemathesis.txt"
    # the platform serves from this process's green threads: wait without blocking them
    # (and into a file: a full pipe would stall the fuzzer)
    with output.open("w") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, cwd=report_dir, env=env
        )
        while process.poll() is None:
            eventlet.sleep(0.5)
    return process.returncode, output.read_text()


def failures_of(output):
    """The run's failures, one line each (the whole report is in the test's tmp_path)."""
    lines, operation = [], None
    for line in output.splitlines():
        if line.startswith("___") and line.endswith("___"):
            operation = line.strip("_ ")
        elif line.startswith("- ST") or line.startswith("[") and operation:
            lines.append(f"{operation}: {line.strip()[:300]}")
    return "\n".join(lines) or output[-5000:]


@pytest.mark.parametrize("role", ["organizer", "attendee", "exhibitor"])
def test_schemathesis_finds_no_failure(platform, tmp_path, role):
    api = platform()
    world = seed_world(api)
    returncode, output = run_schemathesis(
        api.base_url, role, world[role], config_file(tmp_path, world), tmp_path
    )
    assert returncode == 0, failures_of(output)
