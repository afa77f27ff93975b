"""CPU per mail of notifications' mail loop, in process, on PostgreSQL, against the
bench's SMTP sink (its own process, so its CPU is not counted).

``python -m bench.cpu_mail_loop [--mails N] [--profile]`` (with ``PYTHONPATH`` the
checkout to measure) queues N reminder-sized emails in a fresh, migrated database and
runs ``mailer.send_due_emails`` until none is pending: this process's CPU per mail
(``process_time``: building, SMTP, recording each outcome) and the wall rate.
``--profile`` prints cProfile's 30 costliest functions (by own time).
"""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.cpu_lead_path import database, drop  # noqa: E402
from plumbing.testing import free_port, wait_for_port  # noqa: E402
from services.notifications import mailer  # noqa: E402
from services.notifications.models import OutgoingEmail  # noqa: E402
from services.notifications.settings import SETTINGS  # noqa: E402

BODY = "Hello Ada,\n\nThe keynote starts in 15 minutes: join from your agenda.\n" * 3


def queue(url, count):
    engine = create_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add_all(
            OutgoingEmail(
                to_address=f"member{n}@example.org",
                subject="Keynote starts in 15 minutes",
                text_body=BODY,
                html_body=f"<p>{BODY}</p>",
                next_attempt_at=now,
                created_at=now,
                dedupe_key=f"bench:{n}",
            )
            for n in range(count)
        )
        session.commit()
    return engine


def pending(engine):
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM outgoing_emails WHERE status = 'pending'"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_mail_loop", description=__doc__)
    parser.add_argument("--mails", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    name = f"bench_mail_{uuid.uuid4().hex[:8]}"
    port = free_port()
    with tempfile.NamedTemporaryFile(suffix=".log") as mail_log:
        sink = subprocess.Popen(
            [sys.executable, "-m", "bench.sinks", "smtp", str(port), mail_log.name]
        )
        try:
            wait_for_port(port)
            url = database(name, "notifications")
            engine = queue(url, args.mails)
            config = {**SETTINGS, "SMTP_PORT": port, "DATABASE_URL": url}
            loop_engine = mailer.mail_engine(url, int(config["SMTP_CONNECTIONS"]))
            profile = cProfile.Profile() if args.profile else None
            cpu, wall = time.process_time(), time.perf_counter()
            if profile:
                profile.enable()
            while pending(engine):
                mailer.send_due_emails(loop_engine, config)
            if profile:
                profile.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(
                f"{args.mails} mails: {cpu / args.mails * 1e3:.2f} ms process CPU a mail,"
                f" {args.mails / wall:.0f} mails/s"
            )
            if profile:
                pstats.Stats(profile).sort_stats("tottime").print_stats(30)
            engine.dispose()
            loop_engine.dispose()
        finally:
            sink.terminate()
            drop([name])


if __name__ == "__main__":
    main()
