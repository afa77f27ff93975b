"""The machine's ceilings, measured in the same run as the scenarios: a constant nameko
``@http`` route, an empty nameko RPC, an empty nameko event handler, pika durable
publishes with batched confirms, and PostgreSQL single-row commits and batched inserts."""

import json
import subprocess
import sys
import time

import pika
import requests
from sqlalchemy import text

from bench.load import warm_up, wrk
from bench.platform import healthy, machine_meter
from plumbing.testing import free_port

PAYLOAD = "x" * 300
# the events of empty_events: nameko's exchange of a service named EVENT_SOURCE
EVENT_SOURCE, EVENT_TYPE = "bench_ceiling_source", "ping"


def constant_route(port, settings):
    """wrk (the scenarios' clients) against the ceiling service's constant route."""
    url = f"http://127.0.0.1:{port}/constant"
    warm_up(url, settings)
    runs = []
    for _ in range(settings.repetitions):
        with machine_meter() as machine:
            run = wrk(url, settings.read_seconds, settings.clients)
        run["machine_cpu_ms_per_request"] = machine["seconds"] * 1e3 / max(run["requests"], 1)
        runs.append(run)
    return runs


def empty_rpc(platform, settings, callers=32):
    """Green callers in another process calling the ceiling service's empty RPC."""
    runs = []
    for _ in range(settings.repetitions):
        output = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.rpc_load",
                platform.amqp_uri,
                str(callers),
                str(settings.rpc_seconds),
            ],
            capture_output=True,
            text=True,
            timeout=settings.rpc_seconds + 120,
        )
        if output.returncode:
            raise RuntimeError(f"bench.rpc_load failed:\n{output.stderr[-2000:]}")
        runs.append(json.loads(output.stdout.strip().splitlines()[-1]))
    return runs


def empty_events(port, amqp_uri, count):
    """``count`` events published (pika, confirmed) to the ceiling service's empty handler:
    events it consumed a second, and the machine's CPU per event (the publishing, nameko's
    consumer and worker, the broker; the publishing is a few percent of it: see
    broker_publish)."""
    consumed_url = f"http://127.0.0.1:{port}/consumed"
    before = int(requests.get(consumed_url, timeout=5).text)
    with machine_meter() as machine:
        started = time.perf_counter()
        connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        channel = connection.channel()
        channel.confirm_delivery()
        properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)
        for _ in range(count):
            channel.basic_publish(f"{EVENT_SOURCE}.events", EVENT_TYPE, b"{}", properties)
        connection.close()
        while int(requests.get(consumed_url, timeout=5).text) - before < count:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    return {"rate": count / elapsed, "machine_cpu_ms_per_event": machine["seconds"] * 1e3 / count}


class ceiling_service:
    def __init__(self, platform):
        self.platform = platform

    def __enter__(self):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.ceiling_service", self.platform.amqp_uri, str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not _answers(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the ceiling service did not start")
            time.sleep(0.1)
        time.sleep(0.5)  # its RPC consumer too
        return self.port

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=20)


def _answers(port):
    return healthy(port, "/constant")


def broker_publish(amqp_uri, count, window=1000):
    """Durable 300-byte publishes to a quorum queue, at most ``window`` unconfirmed."""
    state = {"published": 0, "acked": 0}
    body = PAYLOAD.encode()
    properties = pika.BasicProperties(delivery_mode=2)

    def on_open(connection):
        connection.channel(on_open_callback=on_channel)

    def on_channel(channel):
        state["channel"] = channel
        channel.queue_declare(
            "bench.ceiling",
            durable=True,
            arguments={"x-queue-type": "quorum"},
            callback=lambda _: start(channel),
        )

    def start(channel):
        channel.confirm_delivery(on_confirm)
        state["started"] = time.perf_counter()
        publish_more(channel)

    def publish_more(channel):
        while state["published"] < count and state["published"] - state["acked"] < window:
            channel.basic_publish("", "bench.ceiling", body, properties)
            state["published"] += 1

    def on_confirm(frame):
        tag = frame.method.delivery_tag
        state["acked"] = tag if frame.method.multiple else state["acked"] + 1
        if state["acked"] >= count:
            state["elapsed"] = time.perf_counter() - state["started"]
            state["channel"].queue_delete("bench.ceiling", callback=lambda _: connection.close())
        else:
            publish_more(state["channel"])

    connection = pika.SelectConnection(
        pika.URLParameters(amqp_uri),
        on_open_callback=on_open,
        on_close_callback=lambda *_: connection.ioloop.stop(),
    )
    connection.ioloop.start()
    return {"rate": count / state["elapsed"]}


def database_commits(engine, seconds):
    """Single-row INSERT + COMMIT, one after another on one connection (pg8000)."""
    _table(engine)
    count, started = 0, time.perf_counter()
    with engine.connect() as conn:
        while time.perf_counter() - started < seconds:
            conn.execute(text("INSERT INTO bench_rows (body) VALUES (:b)"), {"b": PAYLOAD})
            conn.commit()
            count += 1
    return {"rate": count / (time.perf_counter() - started)}


def database_batches(engine, rows, batch=1000):
    """Rows per second inserted in multi-row INSERTs of ``batch`` rows, a commit each."""
    _table(engine)
    values = ", ".join(f"(:b{i})" for i in range(batch))
    params = {f"b{i}": PAYLOAD for i in range(batch)}
    statement = text(f"INSERT INTO bench_rows (body) VALUES {values}")
    started = time.perf_counter()
    with engine.connect() as conn:
        for _ in range(rows // batch):
            conn.execute(statement, params)
            conn.commit()
    return {"rate": rows // batch * batch / (time.perf_counter() - started)}


def _table(engine):
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_rows"))
        conn.execute(text("CREATE TABLE bench_rows (id bigserial primary key, body text)"))
