"""The light form of every drill (``python -m drills --light``: small counts, short
outages) as part of the suite: the same processes, faults and counting as
``make drills``, and the same verdict."""

import subprocess
import sys

from drills.procs import REPO_ROOT


def test_every_drill_in_its_light_form_loses_doubles_and_surprises_nothing():
    completed = subprocess.run(
        [sys.executable, "-m", "drills", "--light"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr[-4000:]
    rows = [line for line in completed.stdout.splitlines() if " | " in line][1:]
    assert len(rows) == 11, completed.stdout
