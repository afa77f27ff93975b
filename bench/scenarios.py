"""The four scenarios of issue 16, each measured from outside the services."""

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import requests
from sqlalchemy import text

from bench import seed
from bench.load import warm_up, wrk
from bench.platform import ORGANIZER_TOKEN, cpu_meter, idle_cores, machine_meter

ORGANIZER = {"Authorization": f"Bearer {ORGANIZER_TOKEN}"}
TIERS = ("platinum", "gold", "silver", "standard")
TRACKS = ("reinspire", "rebuild", "reengage", "reconnect")


def checked(answer):
    if not answer.ok:
        raise RuntimeError(
            f"{answer.request.method} {answer.url}: {answer.status_code} {answer.text}"
        )
    return answer


def patiently(send, tries=3):
    """``send(attempt)``'s answer, asked again after a 503 (waiting its Retry-After):
    the seeding is not measured, and a service just started on a loaded machine may miss
    one RPC deadline (CI, stop 19). Every retry is printed, so it is not hidden."""
    for attempt in range(tries):
        answer = send(attempt)
        if answer.status_code != 503 or attempt == tries - 1:
            return checked(answer)
        print(f"[bench] {answer.request.method} {answer.url}: 503, asking again", flush=True)
        time.sleep(min(float(answer.headers.get("Retry-After", 1)), 5))


# -- the program and the hall, created through the API -------------------------------


def create_program(platform, count):
    """``count`` sessions a month from now (the clock leaves them alone)."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)

    def create(n):
        begins = start + timedelta(minutes=30 * n)
        body = {
            "title": f"Session {n}: collections care",
            "abstract": "What we learned rebuilding the storage rooms. " * 4,
            "track": TRACKS[n % len(TRACKS)],
            "kind": "panel",
            "starts_at": begins.isoformat(),
            "ends_at": (begins + timedelta(minutes=45)).isoformat(),
            "speakers": [{"name": f"Speaker {n}", "bio": "Conservator."}],
        }
        # a session created twice is one more in the program: harmless here
        patiently(
            lambda _: requests.post(platform.url("/v1/sessions"), json=body, headers=ORGANIZER)
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(count)))


def create_hall(platform, count, receiver_port):
    """``count`` exhibitors, each with a product and a webhook endpoint on the local
    receiver (lead.captured and lead.updated); returns {exhibitor_id: secret}."""

    def create(n):
        body = {
            "name": f"Exhibitor {n}",
            "description": "Archival boxes, shelving and climate control.",
            "tier": TIERS[n % len(TIERS)],
            "booth": f"B{n}",
            "categories": ["storage"],
            "products": [{"name": f"Box {n}", "description": "Acid-free."}],
        }
        # an exhibitor created twice is one more in the hall, without an endpoint
        exhibitor = patiently(
            lambda _: requests.post(platform.url("/v1/exhibitors"), json=body, headers=ORGANIZER)
        ).json()
        hooks = platform.url(f"/v1/exhibitors/{exhibitor['id']}/webhooks")
        headers = {"Authorization": f"Bearer {exhibitor['api_key']}"}

        def add_endpoint(attempt):
            if attempt:  # one endpoint only: the receiver would count a second as doubles
                for endpoint in checked(requests.get(hooks, headers=headers)).json():
                    checked(requests.delete(f"{hooks}/{endpoint['id']}", headers=headers))
            return requests.post(
                hooks,
                json={
                    "url": f"http://127.0.0.1:{receiver_port}/hooks/{exhibitor['id']}",
                    "events": ["lead.captured", "lead.updated"],
                },
                headers=headers,
            )

        return exhibitor["id"], patiently(add_endpoint).json()["secret"]

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(create, range(count)))


# -- 1. program and hall reads --------------------------------------------------------


# what every browser sends: the kept answers are gzipped for it
GZIP = "Accept-Encoding: gzip"


def reads(platform, settings):
    results = {}
    for name, path in (
        ("sessions", "/v1/sessions?limit=50"),
        ("exhibitors", "/v1/exhibitors"),
    ):
        url = platform.url(path)
        first = requests.get(url)  # requests asks for gzip too: the ETag is the gzip one's
        first.raise_for_status()
        etag = first.headers["ETag"]
        conditional = requests.get(url, headers={"If-None-Match": etag})
        assert conditional.status_code == 304, conditional.status_code
        variants = [(name, (GZIP,)), (f"{name}_if_none_match", (GZIP, f"If-None-Match: {etag}"))]
        if name == "sessions":
            variants.append((f"{name}_uncompressed", ()))
        for label, args in variants:
            warm_up(url, settings, args=args)
            runs = []
            for _ in range(settings.repetitions):
                with cpu_meter(platform.pids()) as cpu:
                    run = wrk(url, settings.read_seconds, settings.clients, args=args)
                run["cpu_seconds"] = cpu
                runs.append(run)
            results[label] = runs
    return results


def per_request_ms(machine, run, idle):
    """The machine's CPU (every process on it) per request wrk made, over the burst and
    the work it left behind (mails, webhooks), above what it uses when idle (``idle``
    cores: idle_cores)."""
    worked = max(machine["seconds"] - idle * machine["elapsed"], 0)
    return round(worked * 1e3 / max(run["requests"], 1), 1)


# -- 2. registration -------------------------------------------------------------------

# each registration is mailed twice: the welcome, and the code that confirms the address
MAILS_PER_REGISTRATION = 2


def registration(platform, settings, mail_log):
    url = platform.url("/")
    if settings.registration_capacity is not None:  # a capped type, as conferences sell
        answer = requests.put(
            platform.url("/v1/ticket-types/non_member"),
            json={"capacity": settings.registration_capacity},
            headers=ORGANIZER,
        )
        answer.raise_for_status()
    idle = idle_cores(settings.idle_seconds)  # before the warm-up's mails
    warm_up(url, settings, "register.lua", ("warm",))
    engine = platform.engine("registration")
    runs = []
    for rep in range(settings.repetitions):
        tag = f"{platform.run_id}r{rep}"
        with machine_meter() as machine:  # the burst and the work it leaves: the mails
            with cpu_meter(platform.pids()) as cpu:
                seconds = settings.registration_seconds
                run = wrk(url, seconds, settings.clients, "register.lua", (tag,))
            burst_end = time.time()
            # the requests wrk cut off at the end still finish: wait until the count settles
            registered = settled(partial(registrations, engine, tag))
            arrived = wait_for_mails(
                mail_log, f"b{tag}-", MAILS_PER_REGISTRATION * registered, burst_end, 30
            )
        registered = registrations(engine, tag)
        run.update(
            cpu_seconds=cpu,
            registered=registered,
            cpu_ms_per_registration=round(sum(cpu.values()) * 1e3 / max(registered, 1), 1),
            machine_cpu_ms_per_registration=per_request_ms(machine, run, idle),
            mails_within_30s=sum(1 for t in arrived if t - burst_end <= 30)
            // MAILS_PER_REGISTRATION,
            last_mail_after_s=round(max(arrived) - burst_end, 1) if arrived else None,
        )
        runs.append(run)
    engine.dispose()
    return {"registrations": runs}


def settled(count, quiet=1.0, within=30):
    """``count()`` once it has not changed for ``quiet`` seconds (or after ``within``)."""
    deadline = time.time() + within
    last = count()
    while time.time() < deadline:
        time.sleep(quiet)
        now = count()
        if now == last:
            return now
        last = now
    return last


def registrations(engine, tag):
    with engine.connect() as conn:
        return conn.scalar(
            text("SELECT count(*) FROM attendees WHERE email LIKE :p"), {"p": f"b{tag}-%"}
        )


def mails_to(mail_log, prefix):
    if not Path(mail_log).exists():
        return []
    return [
        float(line.split()[0])
        for line in Path(mail_log).read_text().splitlines()
        if line.split()[1].startswith(prefix)
    ]


def wait_for_mails(mail_log, prefix, expected, since, within):
    deadline = since + within + 2
    while True:
        arrived = mails_to(mail_log, prefix)
        if len(arrived) >= expected or time.time() > deadline:
            return arrived
        time.sleep(0.5)


# -- 3. fan-out --------------------------------------------------------------------------


class Streams:
    """The SSE process's output, read by a thread: (time, stream, session id) events."""

    def __init__(self, platform, tokens_file, count):
        self.received = []
        self.closed = 0
        self.refused = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.sse",
                platform.url(),
                str(tokens_file),
                "session_starting",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(60 + count / 20) or self.refused:
            self.stop()
            raise RuntimeError(
                f"{len(self.refused)} of {count} live streams did not open: {self.refused[:3]}"
            )

    def _read(self):
        for line in self.process.stdout:
            parts = line.split()
            if parts[0] == "ready":
                self.ready.set()
            elif parts[0] == "closed":
                self.closed += 1
            elif parts[0] == "refused":
                self.refused.append(line.strip())
            else:
                self.received.append((float(parts[0]), int(parts[1]), parts[2]))

    def of(self, session_id):
        return [t for t, _, s in self.received if s == session_id]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def fan_out(platform, settings, holders, streams, mail_log):
    lead = settings.reminder_lead_seconds
    engines = {name: platform.engine(name) for name in ("sessions", "notifications")}
    runs = []
    for rep in range(settings.repetitions):
        due_in = settings.clock_interval + settings.agenda_seconds  # the agenda is seeded first
        begins = datetime.now(UTC) + timedelta(seconds=lead + due_in)
        answer = requests.post(
            platform.url("/v1/sessions"),
            headers=ORGANIZER,
            json={
                "title": f"Keynote {rep}",
                "track": "reconnect",
                "kind": "keynote",
                "starts_at": begins.isoformat(),
                "ends_at": (begins + timedelta(hours=1)).isoformat(),
            },
        )
        checked(answer)
        session_id = answer.json()["id"]
        seed.agenda(platform, session_id, holders)
        with cpu_meter(platform.pids()) as cpu:
            reminded_at = wait_for_reminder(engines["sessions"], session_id, timeout=60)
            feed_done = wait_for_feed(engines["notifications"], session_id, len(holders), 90)
            mails = mail_rate(mail_log, "seed-", reminded_at, settings.mail_window_seconds)
            deadline = time.time() + 30
            while len(streams.of(session_id)) < settings.streams and time.time() < deadline:
                time.sleep(0.2)
        stream_times = sorted(t - reminded_at for t in streams.of(session_id))
        runs.append(
            {
                "holders": len(holders),
                "feed_items_s": round(feed_done - reminded_at, 2) if feed_done else None,
                "mail_rate": mails,
                "streams": settings.streams,
                "streams_received": len(stream_times),
                "streams_last_s": round(stream_times[-1], 2) if stream_times else None,
                "streams_p50_s": round(stream_times[len(stream_times) // 2], 2)
                if stream_times
                else None,
                "cpu_seconds": cpu,
            }
        )
        with engines["notifications"].begin() as conn:  # the next repetition starts clean
            conn.execute(
                text("UPDATE outgoing_emails SET status = 'failed' WHERE status = 'pending'")
            )
    for engine in engines.values():
        engine.dispose()
    return {"fan_out": runs}


def wait_for_reminder(engine, session_id, timeout):
    """When the clock emitted session_starting for the session (the outbox row's time)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with engine.connect() as conn:
            for (envelope,) in conn.execute(
                text("SELECT envelope FROM outbox WHERE event_type = 'session_starting'")
            ):
                envelope = json.loads(envelope)
                if envelope["data"]["session_id"] == session_id:
                    return datetime.fromisoformat(envelope["occurred_at"]).timestamp()
        time.sleep(0.1)
    raise RuntimeError("no session_starting event")


def wait_for_feed(engine, session_id, expected, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with engine.connect() as conn:
            count = conn.scalar(
                text(
                    "SELECT count(*) FROM notifications WHERE kind = 'session_starting'"
                    " AND dedupe_key LIKE :key"
                ),
                {"key": f"%{session_id}%"},
            )
        if count >= expected:
            return time.time()
        time.sleep(0.1)
    return None


def mail_rate(mail_log, prefix, since, window):
    """Reminder mails a second handed to the SMTP sink over ``window`` seconds from the
    first one after ``since``."""
    deadline = time.time() + window + 30
    while time.time() < deadline:
        arrived = [t for t in mails_to(mail_log, prefix) if t >= since]
        if arrived and time.time() >= min(arrived) + window:
            first = min(arrived)
            return round(sum(1 for t in arrived if t <= first + window) / window, 1)
        time.sleep(0.5)
    return 0.0


# -- 4. leads -------------------------------------------------------------------------------


def leads(platform, settings, hall, tokens, receiver_port, work_dir):
    exhibitors = list(hall)
    receiver = f"http://127.0.0.1:{receiver_port}"
    requests.post(f"{receiver}/_control", json={"secrets": hall, "dead": []}).raise_for_status()
    load_file = Path(work_dir) / "interactions.txt"
    load_file.write_text(" ".join(exhibitors) + "\n" + "\n".join(tokens) + "\n")
    url = platform.url("/")
    engine = platform.engine("expo")
    results = {}
    idle = idle_cores(settings.idle_seconds)
    dead_count = max(1, len(exhibitors) // 10)
    for variant, dead in (("leads", []), ("leads_10pct_dead", exhibitors[:dead_count])):
        requests.post(f"{receiver}/_control", json={"dead": dead}).raise_for_status()
        if settings.warmup_seconds:
            warm_up(url, settings, "interactions.lua", (str(load_file),))
            drain(receiver, engine, time.time() - settings.warmup_seconds - 1, set(dead), 20)
        runs = []
        for _ in range(settings.repetitions):
            warm_tokens(platform, tokens)
            started = time.time()
            with cpu_meter(platform.pids()) as cpu, machine_meter() as machine:
                seconds, clients = settings.lead_seconds, settings.clients
                run = wrk(url, seconds, clients, "interactions.lua", (str(load_file),))
                run.update(drain(receiver, engine, started, set(dead), settings.drain_seconds))
            run["cpu_seconds"] = cpu
            run["machine_cpu_ms_per_request"] = per_request_ms(machine, run, idle)
            runs.append(run)
        results[variant] = runs
    requests.post(f"{receiver}/_control", json={"dead": []}).raise_for_status()
    engine.dispose()
    return results


# each warm-up request opens its own connection, so the kernel spreads them over the
# gateway processes (SO_REUSEPORT): 6 each leave a token unchecked by one of 2 processes
# with a chance of 1/64
WARM_REQUESTS_PER_TOKEN = 6


def warm_tokens(platform, tokens):
    """``GET /v1/me`` with each token, so the gateway processes have checked them all
    (``gateway/checked_tokens.py``: kept 30 s, so before each repetition) and the figures
    measure the lead path, not a cold token cache. Not timed."""
    url = platform.url("/v1/me")

    def check(token):
        for _ in range(WARM_REQUESTS_PER_TOKEN):
            headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
            checked(requests.get(url, headers=headers, timeout=30))

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(check, tokens))


def drain(receiver, engine, since, dead, within):
    """Wait (at most ``within`` s after the burst) for a verified webhook of every
    consenting interaction since ``since`` at a live endpoint; latency figures of them,
    the missing counted as infinitely late."""
    burst_end = time.time()
    since_at = datetime.fromtimestamp(since, UTC)
    with engine.connect() as conn:
        expected = {
            interaction_id
            for interaction_id, exhibitor_id in conn.execute(
                text(
                    "SELECT id, exhibitor_id FROM interactions"
                    " WHERE attendee_id IS NOT NULL AND occurred_at >= :since"
                ),
                {"since": since_at},
            )
            if exhibitor_id not in dead
        }
    seen, doubled, unverified, latencies = set(), 0, 0, []
    while True:
        for record in requests.get(f"{receiver}/_take").json():
            if record["exhibitor"] in dead or record["interaction_id"] not in expected:
                continue
            if not record["verified"]:
                unverified += 1
            if record["interaction_id"] in seen:
                doubled += 1
                continue
            seen.add(record["interaction_id"])
            latencies.append(record["received"] - record["occurred"])
        if seen >= expected or time.time() > burst_end + within:
            break
        time.sleep(0.25)
    latencies.sort()
    late = len(expected) - len(seen)
    ordered = latencies + [float("inf")] * late

    def at(q):
        return round(ordered[min(int(len(ordered) * q), len(ordered) - 1)], 3) if ordered else None

    return {
        "consenting_interactions": len(expected),
        "webhooks_received": len(seen),
        "not_within_drain": late,
        "doubled": doubled,
        "bad_signatures": unverified,
        "webhook_p50_s": at(0.5),
        "webhook_p99_s": at(0.99),
    }
