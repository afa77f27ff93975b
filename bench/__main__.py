"""``make bench`` (``python -m bench [--smoke] [--profile]``): issue 16's four scenarios
on PostgreSQL, every service its own ``plenary run`` process, load from wrk (another
process), beside ceilings measured in the same run.

1. program and hall reads at 64 clients (plain and with If-None-Match);
2. registration at 64 clients, and the confirmation mails at an SMTP sink;
3. fan-out: a keynote's 20,000 agenda holders, 1,000 of them on a live stream;
4. leads: consenting interactions from 64 clients across 200 exhibitors whose webhook
   endpoints are local receivers, and again with 10% of them hanging.

Each figure: warm-up, then ``repetitions`` runs; median and min-max. Results go to
``bench/results/latest.json``. ``--smoke`` runs everything with tiny counts (the test
suite does); ``--profile`` samples every service with py-spy during the first
measured run of each scenario (``bench/results/profile-*.txt``).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench import ceilings, report, scenarios, seed
from bench.load import require_wrk
from bench.platform import Platform
from plumbing.testing import free_port

RESULTS = Path(__file__).parent / "results"


@dataclass
class Settings:
    repetitions: int = 3
    clients: int = 64  # wrk's connections in every HTTP figure
    gateway_processes: int = 2  # GATEWAY_PROCESSES: processes sharing the API port
    # replicas of each service (production runs 3 or more of each, scaled by queue length):
    # one Python process uses one core at most, so one replica of the busiest service
    # could not use the second core of this machine
    replicas: str = "notifications=2"
    warmup_seconds: int = 3
    read_seconds: int = 6
    rpc_seconds: float = 5
    registration_seconds: int = 8
    # the registered ticket type (non_member) capped this high; None: unlimited
    registration_capacity: int | None = 1_000_000
    lead_seconds: int = 8
    drain_seconds: float = 30
    sessions: int = 120
    exhibitors: int = 200
    holders: int = 20_000
    streams: int = 1_000
    lead_attendees: int = 500  # visitors drawn by the leads scenario (tokens warmed)
    mail_window_seconds: float = 10
    broker_messages: int = 20_000
    events: int = 5_000
    idle_seconds: float = 3  # the machine's idle use, measured before a scenario's warm-up
    batch_rows: int = 50_000
    commit_seconds: float = 3
    reminder_lead_seconds: int = 900
    clock_interval: float = 5.0
    agenda_seconds: float = 3.0  # to seed a keynote's agenda before its reminder is due


# Small enough for `make test` on a loaded machine: a few clients, so requests finish
# inside wrk's 2 s (wrk counts only answers within its duration), no warm-ups.
SMOKE = Settings(
    repetitions=1,
    replicas="",  # one of each: the smoke checks the paths, not the machine's use
    clients=4,
    warmup_seconds=0,
    read_seconds=1,
    rpc_seconds=1,
    registration_seconds=2,
    lead_seconds=2,
    drain_seconds=15,
    sessions=5,
    exhibitors=10,
    holders=200,
    streams=20,
    lead_attendees=50,
    mail_window_seconds=1,
    broker_messages=1_000,
    events=200,
    idle_seconds=0.5,
    batch_rows=2_000,
    commit_seconds=0.5,
    clock_interval=1.0,
    agenda_seconds=1.0,
)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny counts, no figures")
    parser.add_argument("--profile", action="store_true", help="py-spy every service")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--gateway-processes",
        type=int,
        default=Settings.gateway_processes,
        help="GATEWAY_PROCESSES: gateway processes on one port",
    )
    parser.add_argument(
        "--replicas",
        default=Settings.replicas,
        help="replicas of each service, e.g. registration=1,sessions=1,expo=1,notifications=2",
    )
    parser.add_argument(
        "--registration-capacity",
        type=lambda value: None if value == "none" else int(value),
        default=Settings.registration_capacity,
        help="cap of the registered ticket type (none: unlimited)",
    )
    parser.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help=f"comma-separated scenarios to run (of {','.join(SCENARIOS)}); ceilings always",
    )
    options = parser.parse_args(argv)
    only = set(options.only.split(","))
    if not only <= set(SCENARIOS):
        parser.error(f"--only: unknown scenario {sorted(only - set(SCENARIOS))}")
    require_wrk()
    settings = replace(
        SMOKE if options.smoke else Settings(),
        gateway_processes=options.gateway_processes,
        replicas=options.replicas,
        registration_capacity=options.registration_capacity,
    )
    started = time.monotonic()
    results = run(settings, options.profile, only)
    results["settings"] = asdict(settings)
    results["machine_cores"] = os.cpu_count()
    results["elapsed_seconds"] = round(time.monotonic() - started)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(results, indent=2))
    print(report.table(results))
    counts = ", ".join(f"{name} {n}" for name, n in replica_counts(settings.replicas).items())
    print(f"\nreplicas: {counts}; gateway {settings.gateway_processes} processes")
    print(f"{options.output} written; {results['elapsed_seconds']} s in all")


SCENARIOS = ("reads", "registration", "leads", "fan_out")


def run(settings, profile, only=frozenset(SCENARIOS)):
    work = Path(tempfile.mkdtemp(prefix="plenary-bench-"))
    platform = Platform(work / "logs")
    helpers = []
    try:
        platform.create()
        results = {"ceilings": measure_ceilings(platform, settings)}
        smtp_port, receiver_port = free_port(), free_port()
        mail_log = work / "mail.log"
        helpers.append(helper("smtp", smtp_port, mail_log))
        helpers.append(helper("webhooks", receiver_port))
        start_platform(platform, settings, smtp_port)
        say("seeding the program, the hall and the attendees")
        scenarios.create_program(platform, settings.sessions)
        hall = scenarios.create_hall(platform, settings.exhibitors, receiver_port)
        people = seed.attendees(platform, settings.holders, platform.run_id)
        profiler = Profiler(platform, profile)

        if "reads" in only:
            say("1. program and hall reads")
            with profiler("reads", settings.read_seconds * 4):
                results["reads"] = scenarios.reads(platform, settings)
        if "registration" in only:
            say("2. registration")
            with profiler("registration", settings.registration_seconds):
                results["registration"] = scenarios.registration(platform, settings, mail_log)
        if "leads" in only:
            say("4. leads")
            tokens = [token for _, token in people[: settings.lead_attendees]]
            with profiler("leads", settings.lead_seconds + 10):
                results["leads"] = scenarios.leads(
                    platform, settings, hall, tokens, receiver_port, work
                )
        if "fan_out" not in only:
            return results
        say("3. fan-out")
        tokens_file = work / "stream-tokens.txt"
        tokens_file.write_text("\n".join(token for _, token in people[: settings.streams]))
        streams = scenarios.Streams(platform, tokens_file, settings.streams)
        try:
            with profiler("fan_out", 20):
                results["fan_out"] = scenarios.fan_out(
                    platform, settings, [a for a, _ in people], streams, mail_log
                )
        finally:
            streams.stop()
        return results
    except BaseException:
        # the services' own account of the failure (CI keeps only this process's output)
        print(platform.log_tails(), file=sys.stderr)
        raise
    finally:
        say("stopping")
        for process in helpers:
            process.terminate()
            process.wait(timeout=10)
        platform.close()


def start_platform(platform, settings, smtp_port):
    say("starting the services")
    for service, count in replica_counts(settings.replicas).items():
        for n in range(count):
            platform.start(
                service,
                name=service if n == 0 else f"{service}.r{n + 1}",
                SMTP_PORT=smtp_port,
                SESSION_REMINDER_LEAD_SECONDS=settings.reminder_lead_seconds,
                SESSION_CLOCK_INTERVAL=settings.clock_interval,
            )
    # `plenary run gateway` with GATEWAY_PROCESSES: the processes share the port (the
    # kernel spreads connections) and the stream-ticket secret, as in a pod
    platform.start("gateway", GATEWAY_PROCESSES=settings.gateway_processes)
    platform.wait_ready()


def replica_counts(text):
    """``"registration=2,expo=1"`` -> {"registration": 2, ..., every service at least 1}."""
    counts = dict.fromkeys(("registration", "sessions", "expo", "notifications"), 1)
    for part in filter(None, (part.strip() for part in text.split(","))):
        service, _, count = part.partition("=")
        if service not in counts or not count.isdigit() or int(count) < 1:
            raise ValueError(f"--replicas: {part!r} is not <service>=<count of 1 or more>")
        counts[service] = int(count)
    return counts


def measure_ceilings(platform, settings):
    say("ceilings")
    engine = platform.engine("registration")
    try:
        with ceilings.ceiling_service(platform) as port:  # one service for both
            nameko = {
                "constant_route": ceilings.constant_route(port, settings),
                "empty_rpc": ceilings.empty_rpc(platform, settings),
                "empty_events": [
                    ceilings.empty_events(port, platform.amqp_uri, settings.events)
                    for _ in range(settings.repetitions)
                ],
            }
        return {
            **nameko,
            "broker_publish": [
                ceilings.broker_publish(platform.amqp_uri, settings.broker_messages)
                for _ in range(settings.repetitions)
            ],
            "db_commits": [
                ceilings.database_commits(engine, settings.commit_seconds)
                for _ in range(settings.repetitions)
            ],
            "db_batch_rows": [
                ceilings.database_batches(engine, settings.batch_rows)
                for _ in range(settings.repetitions)
            ],
        }
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS bench_rows")
        engine.dispose()


def helper(kind, port, *args):
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.sinks", kind, str(port), *map(str, args)]
    )
    from plumbing.testing import wait_for_port

    wait_for_port(port)
    return process


class Profiler:
    """py-spy on every service during a scenario's first measured seconds."""

    def __init__(self, platform, enabled):
        self.platform = platform
        self.enabled = enabled

    def __call__(self, scenario, seconds):
        from bench.profile import sampling

        return sampling(self.platform, scenario, seconds, RESULTS) if self.enabled else _nothing()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def say(line):
    print(f"[bench {time.strftime('%H:%M:%S')}] {line}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
