"""Three drills in their light form (``python -m drills --light``: small counts, short
outages) as part of the suite, on a RabbitMQ node of the run's own (a minute in all, and
apart from the shared broker's load): the same processes, faults and counting as
``make drills``, which runs all eleven in full. Left out here: the poison
drill (its dead-letter count comes from the management API, which lags), the ones that
restart a broker or kill -9 under a thousand requests, and those that take minutes."""

import subprocess
import sys

from drills.procs import REPO_ROOT

SMOKE = ("before consumer", "connection closed", "database outage")


def run_light(names):
    return subprocess.run(
        [sys.executable, "-m", "drills", "--light", "--only", *names],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )


def table_rows(stdout):
    rows = [line.split(" | ") for line in stdout.splitlines() if " | " in line]
    header = [cell.strip() for cell in rows[0]]
    return {
        row[0].strip(): dict(zip(header, (c.strip() for c in row), strict=True)) for row in rows[1:]
    }


def test_the_light_drills_lose_nothing_and_double_nothing():
    completed = run_light(SMOKE)
    assert completed.returncode == 0, completed.stdout + completed.stderr[-4000:]
    rows = table_rows(completed.stdout)
    assert set(rows) == set(SMOKE), completed.stdout
    for name, row in rows.items():
        assert row["lost"] == row["unexpected"] == "0", (name, completed.stdout)
        assert int(row["doubled"]) <= int(row["in flight"]), (name, completed.stdout)
        assert int(row["delivered"]) == int(row["sent"]) > 0, (name, completed.stdout)
    # none of these cuts a send short: a mail SMTP accepted while the database was away
    # is recorded once it is back, so none may double
    for name, row in rows.items():
        assert row["in flight"] == row["doubled"] == "0", (name, completed.stdout)
