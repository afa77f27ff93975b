"""`make bench` end to end with tiny counts: every scenario runs against real service
processes and reports its figures (no timing is asserted; the figures are for people)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    # the POST scenarios (registration, leads) made 0 requests in smoke runs on a loaded
    # machine and it is not yet understood why (bench/README.md): opt in until it is
    pytest.mark.skipif(
        os.environ.get("PLENARY_BENCH_SMOKE") != "1", reason="set PLENARY_BENCH_SMOKE=1"
    ),
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
    pytest.mark.skipif(
        os.environ.get("PLENARY_TEST_DATABASE") == "sqlite", reason="the bench runs on PostgreSQL"
    ),
]


def test_every_scenario_reports_its_figures(tmp_path):
    output = tmp_path / "bench.json"
    subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--output", str(output)],
        check=True,
        timeout=600,
        cwd=REPO_ROOT,
    )
    results = json.loads(output.read_text())

    ceilings = results["ceilings"]
    for name in ("constant_route", "empty_rpc", "broker_publish", "db_commits", "db_batch_rows"):
        assert ceilings[name] and all(run["rate"] > 0 for run in ceilings[name])
    for name in ("sessions", "sessions_if_none_match", "exhibitors", "exhibitors_if_none_match"):
        [run] = results["reads"][name]
        assert run["requests"] > 0 and run["non_2xx"] == 0 and run["socket_errors"] == 0
    [registration] = results["registration"]["registrations"]
    assert registration["registered"] > 0
    assert registration["mails_within_30s"] == registration["registered"]
    [fan_out] = results["fan_out"]["fan_out"]
    assert fan_out["feed_items_s"] is not None  # every holder's feed item was written
    assert fan_out["streams_received"] == fan_out["streams"]
    assert fan_out["mail_rate"] > 0
    for variant in ("leads", "leads_10pct_dead"):
        [leads] = results["leads"][variant]
        assert leads["consenting_interactions"] > 0 and leads["non_2xx"] == 0
        assert leads["not_within_drain"] == 0
        assert leads["doubled"] == 0 and leads["bad_signatures"] == 0
