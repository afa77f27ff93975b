"""CPU per operation of the lead path and a fan-out batch, in process, on PostgreSQL.

``python -m bench.cpu_lead_path`` (with ``PYTHONPATH`` the checkout to measure) calls the
services' own functions on fresh, migrated databases, the way a worker does (the method,
then the commit), and reports for each operation: this process's CPU (``process_time``,
the service's share), the PostgreSQL backend's CPU (``/proc/<pid>/stat`` of the
connection's server process), SQL statements (``before_cursor_execute``) and wall time.
What it leaves out is nameko's per-message machinery (the same before and after): it
measures what the code under change costs, and holds on a loaded machine, where wrk's
rates do not. Only functions present before issue 16's lead-path change are called, so
the same script measures either checkout.
"""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from plumbing.consumer import ReceivedEvent, first_delivery  # noqa: E402
from plumbing.db import create_db_engine  # noqa: E402
from plumbing.events import new_envelope, parse_envelope  # noqa: E402
from plumbing.migrations import upgrade  # noqa: E402
from plumbing.replica import AttendeeReplica  # noqa: E402

ADMIN_URL = os.environ.get(
    "PLENARY_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
TICKS = os.sysconf("SC_CLK_TCK")


class Meter:
    """Statements, this process's CPU, the backend's CPU and wall time of a block."""

    def __init__(self, session):
        self.session = session
        self.statements = 0
        event.listen(session.get_bind(), "before_cursor_execute", self.note)

    def note(self, *_args):
        self.statements += 1

    def backend_cpu(self):
        pid = self.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        self.statements -= 1
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def __enter__(self):
        self.session.commit()
        self.start = (time.process_time(), self.backend_cpu(), time.monotonic(), self.statements)
        return self

    def __exit__(self, *exc):
        cpu, backend, wall, statements = self.start
        self.cpu = time.process_time() - cpu
        self.backend = self.backend_cpu() - backend
        self.wall = time.monotonic() - wall
        self.count = self.statements - statements
        self.session.commit()


def report(name, meter, n, unit="ms"):
    scale = 1000 if unit == "ms" else 1
    print(
        f"{name:<44} {n:>6}  process CPU {meter.cpu * scale / n:7.2f} {unit}"
        f"  backend CPU {meter.backend * scale / n:7.2f} {unit}"
        f"  statements {meter.count / n:5.2f}  wall {meter.wall * scale / n:7.2f} {unit}"
    )


def database(name, service):
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(service, url)
    return url


def drop(names):
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def contacts(count, now, prefix="visitor"):
    """Consenting attendees' replica rows, as dicts."""
    return [
        {
            "attendee_id": str(uuid.uuid4()),
            "email": f"{prefix}{n}@example.org",
            "full_name": f"{prefix.title()} {n}",
            "organization": "Bench",
            "share_with_exhibitors": True,
            "marketing": False,
            "active": True,
            "updated_at": now,
        }
        for n in range(count)
    ]


class Worker:
    """What a service method needs of ``self``."""

    def __init__(self, session, **extras):
        self.db = session
        self.config = {"FANOUT_BATCH_SIZE": 1000}
        for name, value in extras.items():
            setattr(self, name, value)


class Live:
    def send(self, message):
        pass


def expo(url, args):
    from services.expo.exhibitors import ExhibitorRpcs
    from services.expo.leads import LeadRpcs

    session = Session(create_db_engine(url, pool_size=1), expire_on_commit=False)
    worker = Worker(session, registration=None)
    now = datetime.now(UTC)
    exhibitors = []
    for n in range(args.exhibitors):
        body = {"name": f"Booth {n}", "tier": "gold", "products": [{"name": "Case"}]}
        exhibitors.append(ExhibitorRpcs.create_exhibitor(worker, body)["id"])
        session.commit()
    visitors = contacts(args.visitors, now)
    session.execute(AttendeeReplica.__table__.insert(), visitors)
    session.commit()
    pairs = [(e, v["attendee_id"]) for v in visitors for e in exhibitors][: args.leads]
    meter = Meter(session)

    def record(pairs, payload):
        for exhibitor_id, attendee_id in pairs:
            LeadRpcs.record_interaction(worker, exhibitor_id, attendee_id, payload)
            session.commit()
            session.expunge_all()  # a worker's session starts empty

    record(pairs[:50], {"kind": "visit"})  # warm: compiled statements, connections
    with meter:
        record(pairs[50:], {"kind": "visit"})
    report("expo record_interaction, new lead", meter, len(pairs) - 50)
    with meter:
        record(pairs[50:], {"kind": "visit"})
    report("expo record_interaction, lead again", meter, len(pairs) - 50)
    session.close()
    return exhibitors, visitors


def notifications(url, args, exhibitors, visitors):
    from contracts.events.expo import LeadCaptured
    from services.notifications import fanout
    from services.notifications.consumers import EventConsumers
    from services.notifications.models import WebhookEndpoint

    session = Session(create_db_engine(url, pool_size=1), expire_on_commit=False)
    worker = Worker(session, live=Live())
    now = datetime.now(UTC)
    for exhibitor_id in exhibitors:
        session.add(
            WebhookEndpoint(
                exhibitor_id=exhibitor_id,
                url="http://127.0.0.1:9/hook",
                events=["lead.captured", "lead.updated"],
                secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                created_at=now,
            )
        )
    holders = contacts(args.holders, now, "holder")
    session.execute(AttendeeReplica.__table__.insert(), visitors + holders)
    session.commit()

    def leads(count):
        for n in range(count):
            visitor = visitors[n % len(visitors)]
            data = {
                "lead_id": str(uuid.uuid4()),
                "exhibitor_id": exhibitors[n % len(exhibitors)],
                "attendee": {
                    name: visitor[name]
                    for name in ("attendee_id", "full_name", "email", "organization")
                },
                "score": 1,
                "interaction": {
                    "interaction_id": str(uuid.uuid4()),
                    "kind": "visit",
                    "product_id": None,
                    "message": None,
                    "occurred_at": now,
                },
            }
            envelope, loaded = parse_envelope(new_envelope(LeadCaptured, data), LeadCaptured)
            yield ReceivedEvent(
                envelope["id"], envelope["type"], envelope["occurred_at"], 1, loaded
            )

    def consume(events):
        for received in events:
            # as the Database provider runs a consumer: the claim, the handler, the commit
            first_delivery(session, "notifications.on_lead_captured", received.id)
            EventConsumers.on_lead_captured(worker, received)
            session.commit()
            session.expunge_all()

    meter = Meter(session)
    consume(list(leads(50)))
    events = list(leads(args.leads))
    with meter:
        consume(events)
    report("notifications on_lead_captured (claim incl.)", meter, len(events))

    ids = [holder["attendee_id"] for holder in holders]
    size = 1000
    fanout.notify(session, worker.live, ids[:size], "session_starting", "Warm", "Warm.", {}, "w")
    session.rollback()
    with meter:
        for start in range(0, len(ids), size):
            fanout.notify(
                session,
                worker.live,
                ids[start : start + size],
                "session_starting",
                "Starting soon: the keynote",
                "The keynote starts at 14:00 UTC.",
                {"session_id": "ses-keynote"},
                "session_starting:ses-keynote",
                None,
            )
            session.commit()
            session.expunge_all()
    batches = (len(ids) + size - 1) // size
    report(f"fan-out batch of {size} (feed + email)", meter, batches, unit="s")
    print(f"  {batches} batches: process CPU {meter.cpu:.2f} s, backend CPU {meter.backend:.2f} s")
    session.close()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_lead_path")
    parser.add_argument("--exhibitors", type=int, default=200)
    parser.add_argument("--visitors", type=int, default=500)
    parser.add_argument("--leads", type=int, default=1050)
    parser.add_argument("--holders", type=int, default=20_000)
    args = parser.parse_args(argv)
    tag = uuid.uuid4().hex[:8]
    names = {service: f"plenary_cpu_{tag}_{service}" for service in ("expo", "notifications")}
    try:
        urls = {service: database(name, service) for service, name in names.items()}
        exhibitors, visitors = expo(urls["expo"], args)
        notifications(urls["notifications"], args, exhibitors, visitors)
    finally:
        drop(names.values())


if __name__ == "__main__":
    main()
