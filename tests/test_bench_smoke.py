"""`make bench` end to end with tiny counts: every scenario runs against real service
processes and reports its figures (no timing is asserted; the figures are for people).

Every scenario must have made requests: wrk counts only the answers that arrive within
its duration, so the smoke uses a few clients (an earlier smoke at 64 clients for 1 s
counted 0 POSTs while 64 registrations were written)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
    pytest.mark.skipif(
        os.environ.get("PLENARY_TEST_DATABASE") == "sqlite", reason="the bench runs on PostgreSQL"
    ),
]


def test_every_scenario_reports_its_figures(tmp_path):
    output = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-12000:]
    results = json.loads(output.read_text())
    # the printed table puts every figure beside the same run's ceilings
    for ceiling in ("nameko @http constant", "nameko empty RPC", "PostgreSQL single-row"):
        assert f"ceiling: {ceiling}" in run.stdout

    ceilings = results["ceilings"]
    for name in (
        "constant_route",
        "empty_rpc",
        "empty_events",
        "broker_publish",
        "db_commits",
        "db_batch_rows",
    ):
        assert ceilings[name] and all(run["rate"] > 0 for run in ceilings[name])
    # what an RPC, a registration and a lead cost the whole machine, beside the goals' budget
    assert all(run["machine_cpu_ms_per_call"] > 0 for run in ceilings["empty_rpc"])
    assert ceilings["empty_events"] and all(
        run["rate"] > 0 and run["machine_cpu_ms_per_event"] > 0 for run in ceilings["empty_events"]
    )
    assert "nameko's own part: 1 HTTP request, 1 RPC, 3 events consumed" in run.stdout
    assert "machine CPU per registration, its mails included" in run.stdout
    assert f"({os.cpu_count()} cores at 200/s)" in run.stdout
    for name in ("sessions", "sessions_if_none_match", "exhibitors", "exhibitors_if_none_match"):
        [run] = results["reads"][name]
        assert run["requests"] > 0 and run["non_2xx"] == 0 and run["socket_errors"] == 0
    [registration] = results["registration"]["registrations"]
    assert registration["requests"] > 0 and registration["non_2xx"] == 0
    assert registration["registered"] >= registration["requests"]
    assert registration["mails_within_30s"] == registration["registered"]
    assert registration["machine_cpu_ms_per_registration"] > 0
    [fan_out] = results["fan_out"]["fan_out"]
    assert fan_out["feed_items_s"] is not None  # every holder's feed item was written
    assert fan_out["streams_received"] == fan_out["streams"]
    assert fan_out["mail_rate"] > 0
    for variant in ("leads", "leads_10pct_dead"):
        [leads] = results["leads"][variant]
        assert leads["requests"] > 0 and leads["non_2xx"] == 0
        assert leads["machine_cpu_ms_per_request"] > 0
        assert leads["not_within_drain"] == 0
        assert leads["doubled"] == 0 and leads["bad_signatures"] == 0


def test_the_seeding_asks_again_after_a_503_and_gives_up_after_three():
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    import requests

    from bench.scenarios import patiently

    answers = []

    class Flaky(BaseHTTPRequestHandler):
        def do_POST(self):
            status = 503 if len(answers) < int(self.path.strip("/")) else 201
            answers.append(status)
            self.send_response(status)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        attempts = []
        answer = patiently(lambda attempt: attempts.append(attempt) or requests.post(f"{url}/2"))
        assert answer.status_code == 201 and attempts == [0, 1, 2]
        answers.clear()
        with pytest.raises(RuntimeError, match="503"):
            patiently(lambda _: requests.post(f"{url}/3"))
        assert answers == [503, 503, 503]
    finally:
        server.shutdown()


def test_replica_counts_default_to_one_and_refuse_what_is_not_a_count():
    from bench.__main__ import replica_counts

    assert replica_counts("notifications=2, expo=3") == {
        "registration": 1,
        "sessions": 1,
        "expo": 3,
        "notifications": 2,
    }
    assert set(replica_counts("").values()) == {1}
    for wrong in ("gateway=2", "expo=0", "expo=two", "expo"):
        with pytest.raises(ValueError, match="--replicas"):
            replica_counts(wrong)
