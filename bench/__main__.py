"""Run with ``make bench`` (or ``python -m bench [--quick]``).

Measures, against the local RabbitMQ and PostgreSQL, in a throw-away vhost and databases:

1. raw broker: pika, durable 300-byte messages to a quorum queue, a confirm each;
2. outbox relay: events committed to registration's outbox, relayed to RabbitMQ;
3. raw database: single-row INSERT + COMMIT on PostgreSQL;
4. registration over RPC: ``register`` calls from 16 concurrent callers;
5. the gateway: ``POST /v1/registrations`` over HTTP from 16 concurrent clients.

Services run as ``plenary run <service>`` processes, as in production; the load comes
from this process.
"""

import eventlet

eventlet.monkey_patch()

import contextlib  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import quote  # noqa: E402

import pika  # noqa: E402
import requests  # noqa: E402
from nameko.standalone.rpc import ServiceRpcProxy  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from contracts.events.registration import AttendeeRegistered  # noqa: E402
from plumbing.db import create_db_engine  # noqa: E402
from plumbing.events import utcnow  # noqa: E402
from plumbing.migrations import upgrade  # noqa: E402
from plumbing.outbox import emit, pending_count  # noqa: E402
from plumbing.testing import free_port, wait_until  # noqa: E402

ADMIN_DB = "postgresql+pg8000://postgres@127.0.0.1:5432/postgres"
API = "http://guest:guest@127.0.0.1:15672/api"
CONCURRENCY = 16


def main(quick):
    scale = 0.2 if quick else 1.0
    run_id = uuid.uuid4().hex[:8]
    vhost = f"plenary_bench_{run_id}"
    requests.put(f"{API}/vhosts/{vhost}", timeout=10).raise_for_status()
    requests.put(
        f"{API}/permissions/{vhost}/guest",
        timeout=10,
        json={"configure": ".*", "write": ".*", "read": ".*"},
    ).raise_for_status()
    amqp_uri = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    database = f"plenary_bench_{run_id}_registration"
    admin = create_engine(ADMIN_DB, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    db_url = ADMIN_DB.rsplit("/", 1)[0] + f"/{database}"
    try:
        upgrade("registration", db_url)
        results = []
        broker = bench_raw_broker(amqp_uri, int(20000 * scale))
        results.append(("raw broker: durable publish, confirm each (pika)", broker, None))
        database_rate = bench_raw_database(db_url, int(2000 * scale))
        results.append(("raw PostgreSQL single-row commits", database_rate, None))
        env = service_env(amqp_uri, db_url)
        relay = bench_outbox_relay(env, db_url, int(5000 * scale))
        results.append(("outbox relay (events/s)", relay, relay / broker))
        rpc = bench_registration_rpc(env, int(1000 * scale))
        results.append(("registration.register over RPC, 16 callers", rpc, rpc / database_rate))
        http = bench_gateway(env, int(1000 * scale))
        results.append(
            ("POST /v1/registrations via gateway, 16 clients", http, http / database_rate)
        )
        report(results)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        requests.delete(f"{API}/vhosts/{quote(vhost)}", timeout=10)


def report(results):
    print()
    print(f"{'benchmark':58} {'rate/s':>10} {'ratio':>8}")
    for name, rate, ratio in results:
        shown = f"{ratio:7.2f}x" if ratio is not None else "   (raw)"
        print(f"{name:58} {rate:10.0f} {shown}")
    print("\nratios: relay vs raw broker; RPC and HTTP vs raw single-row commits.")


def bench_raw_broker(amqp_uri, count):
    """Durable publishes with a publisher confirm each: the relay's delivery contract."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.queue_declare("bench.raw", durable=True, arguments={"x-queue-type": "quorum"})
    channel.confirm_delivery()
    body = b"x" * 300
    properties = pika.BasicProperties(delivery_mode=2)
    started = time.perf_counter()
    for _ in range(count):
        channel.basic_publish("", "bench.raw", body, properties)
    elapsed = time.perf_counter() - started
    channel.queue_delete("bench.raw")
    connection.close()
    return count / elapsed


def bench_raw_database(db_url, count):
    engine = create_db_engine(db_url, pool_size=1)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_rows (id serial primary key, body text)"))
    started = time.perf_counter()
    for _ in range(count):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_rows (body) VALUES (:b)"), {"b": "x" * 100})
    elapsed = time.perf_counter() - started
    engine.dispose()
    return count / elapsed


def event_data(i):
    return {
        "attendee_id": str(uuid.uuid4()),
        "email": f"b{i}@example.org",
        "full_name": "Bench",
        "organization": "",
        "ticket_type": "member",
        "consent": {"share_with_exhibitors": False},
        "registered_at": utcnow(),
    }


def bench_outbox_relay(env, db_url, count):
    """Events committed in one go; time until the relay has published them all."""
    from sqlalchemy.orm import Session

    engine = create_db_engine(db_url, pool_size=1)
    with running("registration", env), Session(engine) as session:
        for i in range(count):
            emit(session, AttendeeRegistered, event_data(i))
        session.commit()
        started = time.perf_counter()
        wait_until(
            lambda: pending_count(session) == 0 or session.rollback(), timeout=600, interval=0.02
        )
        elapsed = time.perf_counter() - started
    engine.dispose()
    return count / elapsed


@contextlib.contextmanager
def running(service, env):
    """``plenary run <service>`` in its own process, as in production; yields its port."""
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("plenary")), "run", service],
        env={**env, f"{service.upper()}_HTTP_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: healthy(port), timeout=60, interval=0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def healthy(port):
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok
    except requests.RequestException:
        return False


def service_env(amqp_uri, db_url):
    return {
        **os.environ,
        "AMQP_URI": amqp_uri,
        "REGISTRATION_DATABASE_URL": db_url,
        "LOG_LEVEL": "WARNING",
        "OUTBOX_POLL_INTERVAL": "0.05",
        "OUTBOX_BATCH_SIZE": "500",
        "MAX_WORKERS": "20",
    }


def concurrently(open_client, call, count):
    """``count`` calls from CONCURRENCY green workers, each with its own client (nameko's
    standalone proxy is not safe to share between green threads)."""
    latencies = []
    numbers = iter(range(count))

    def worker():
        with open_client() as client:
            for i in numbers:
                started = time.perf_counter()
                call(client, i)
                latencies.append(time.perf_counter() - started)

    pool = eventlet.GreenPool(CONCURRENCY)
    started = time.perf_counter()
    for _ in range(CONCURRENCY):
        pool.spawn_n(worker)
    pool.waitall()
    elapsed = time.perf_counter() - started
    latencies.sort()
    print(
        f"    p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms"
    )
    return count / elapsed


def bench_registration_rpc(env, count):
    run_id = uuid.uuid4().hex[:6]
    config = {"AMQP_URI": env["AMQP_URI"]}

    def register(proxy, i):
        proxy.register({"email": f"rpc{run_id}{i}@example.org", "full_name": "Bench"})

    with running("registration", env):
        print("  registration RPC:")
        return concurrently(lambda: ServiceRpcProxy("registration", config), register, count)


def bench_gateway(env, count):
    run_id = uuid.uuid4().hex[:6]

    def post(http, i):
        response = http.post(
            url, json={"email": f"http{run_id}{i}@example.org", "full_name": "Bench"}, timeout=30
        )
        assert response.status_code == 201, response.text

    unlimited = {**env, "RATE_LIMIT_REGISTRATION": "1000000/minute"}  # one client, by design
    with running("registration", env), running("gateway", unlimited) as port:
        url = f"http://127.0.0.1:{port}/v1/registrations"
        print("  gateway HTTP:")
        return concurrently(requests.Session, post, count)


if __name__ == "__main__":
    main("--quick" in sys.argv)
