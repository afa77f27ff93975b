"""The drills of issue 12. Each is ``drill(d, result)``: ``d`` a :class:`Drill` (its
places and processes), ``result`` the line it fills in. ``DRILLS`` maps each name to
(function, time limit in seconds, time limit of the light form)."""

import base64
import collections
import itertools
import random
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

import requests
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from contracts.events.expo import LeadCaptured
from contracts.events.registration import AttendeeRegistered
from drills.core import eventually, in_thread
from drills.pgproxy import TcpProxy
from drills.procs import free_port
from drills.sinks import WebhookReceivers, payload
from services.notifications.settings import SETTINGS as NOTIFICATIONS_SETTINGS

WELCOME_KIND = "registration_confirmed"


def registration(n, tag):
    return {
        "attendee_id": f"{tag}-{n}",
        "email": f"{tag}-{n}@drill.test",
        "full_name": f"Member {n}",
        "organization": "Drill Society",
        "ticket_type": "member",
        "consent": {"share_with_exhibitors": True},
        "registered_at": datetime.now(UTC),
    }


def welcome_counts(d):
    rows = d.rows(
        "notifications",
        "SELECT attendee_id, count(*) FROM notifications WHERE kind = :kind GROUP BY attendee_id",
        kind=WELCOME_KIND,
    )
    return dict(rows)


def tally_welcomes(d, result, attendees, mails_each=1):
    """Per attendee: one welcome feed item and ``mails_each`` mails at the sink is
    delivered; none of either is lost; more of either is doubled. Mails to anyone else
    are unexpected."""
    mails, feed = d.smtp.counts(), welcome_counts(d)
    expected = {a["email"]: a["attendee_id"] for a in attendees}
    result.sent = len(attendees)
    for address, attendee_id in expected.items():
        got_mail, got_feed = mails.get(address, 0), feed.get(attendee_id, 0)
        if got_mail and got_feed:
            result.delivered += 1
        else:
            result.lost += 1
        if got_mail > mails_each or got_feed > 1:
            result.doubled += 1
    result.unexpected += sum(1 for address in mails if address not in expected)


def all_welcomed(d, attendees):
    """A check for eventually(): every attendee mailed and welcomed in the feed. The
    mails are counted first (a file read) and the database asked only once they are
    all there: polling must not take the CPU the services under test need."""

    def check():
        mails = d.smtp.counts()
        if not all(a["email"] in mails for a in attendees):
            return False
        return len(welcome_counts(d)) >= len(attendees)

    return check


def paced(count, seconds):
    """0 .. count-1, the n-th not before n/count of ``seconds`` has passed: spread over
    ``seconds`` in all (a sleep after each would add the time each step takes)."""
    started = time.monotonic()
    for n in range(count):
        time.sleep(max(0.0, started + seconds * n / count - time.monotonic()))
        yield n


def settle(seconds=2.0):
    """Give a late duplicate the time to show up before counting."""
    time.sleep(seconds)


# -- 1 -------------------------------------------------------------------------------


def kill_consumer(d, result):
    """Two notifications replicas; one is kill -9'd mid-stream and restarted."""
    count = d.size(10_000, 300)
    d.setup(["notifications"], smtp=True)
    replicas = d.services("notifications", "notifications")
    attendees = [registration(n, f"k{d.run_id}") for n in range(count)]
    publisher = d.publisher()

    def publish_all():
        for attendee in attendees:
            publisher.publish(AttendeeRegistered, attendee)

    feeder = in_thread(publish_all)
    eventually(lambda: len(d.smtp.lines()) >= count // 3, 120)
    replicas[0].kill()
    # the mails the killed replica was sending, if any: one on each of its SMTP sessions
    result.in_flight += NOTIFICATIONS_SETTINGS["SMTP_CONNECTIONS"]
    result.note(f"replica killed after {len(d.smtp.lines())} mails")
    replicas[0].start()
    feeder.join()
    publisher.close()
    eventually(all_welcomed(d, attendees), d.size(300, 60))
    settle()
    tally_welcomes(d, result, attendees)


# -- 8 -------------------------------------------------------------------------------


def before_consumer(d, result):
    """Events published after the queues were declared but before the consumer ever
    ran are delivered once it starts."""
    count = d.size(500, 50)
    d.setup(["notifications"], smtp=True)
    attendees = [registration(n, f"b{d.run_id}") for n in range(count)]
    publisher = d.publisher()
    for attendee in attendees:
        publisher.publish(AttendeeRegistered, attendee)
    publisher.close()
    d.service("notifications")
    eventually(all_welcomed(d, attendees), 120)
    settle()
    tally_welcomes(d, result, attendees)


# -- 5 -------------------------------------------------------------------------------

POISON_TRIGGER = """
CREATE FUNCTION drill_poison() RETURNS trigger AS $$
BEGIN
  IF NEW.attendee_id LIKE 'poison%' THEN RAISE EXCEPTION 'drill: a bug meets this row'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER drill_poison BEFORE INSERT ON notifications
  FOR EACH ROW EXECUTE FUNCTION drill_poison();
"""
WELCOME_QUEUE = "evt-registration-attendee_registered--notifications.on_attendee_registered"


def poison_event(d, result):
    """A bug makes one event's handler fail (a trigger the drill installs), another
    message is not JSON at all: both parked after bounded retries while the queue keeps
    flowing; after the fix (the trigger dropped) a replay delivers the poison once."""
    count = d.size(300, 40)
    d.setup(["notifications"], smtp=True)
    d.execute("notifications", POISON_TRIGGER)
    d.service("notifications")
    attendees = [registration(n, f"p{d.run_id}") for n in range(count)]
    poison = registration(0, f"poison{d.run_id}")
    publisher = d.publisher()
    for n, attendee in enumerate(attendees):
        if n == count // 4:
            publisher.publish(AttendeeRegistered, poison)
            publisher.publish(
                AttendeeRegistered,
                envelope=b"{not json",
                serializer=None,
                content_type="application/json",
                content_encoding="utf-8",
            )
        publisher.publish(AttendeeRegistered, attendee)
    publisher.close()
    dlq = WELCOME_QUEUE + ".dlq"
    flowed = eventually(all_welcomed(d, attendees), 120)
    # the poison goes through its retries before it is parked: read a settled count
    parked = d.settled_depth(dlq, 2, timeout=60)
    if not flowed:
        result.note("the queue did not keep flowing past the poison")
    if parked != 2:
        result.unexpected += 1
        result.note(f"{parked} message(s) parked, expected 2")
    d.execute("notifications", "DROP TRIGGER drill_poison ON notifications")
    d.plenary("dlq", "replay", dlq)
    attendees.append(poison)
    eventually(all_welcomed(d, attendees), 60)
    # the message that is not JSON is parked again, the fixed one handled
    parked = d.settled_depth(dlq, 1, timeout=30)
    tally_welcomes(d, result, attendees)
    if parked != 1:
        result.unexpected += 1
        result.note(f"{parked} message(s) parked after the replay, expected 1")


# -- 9 -------------------------------------------------------------------------------


def connection_closed(d, result):
    """The consumer's broker connection is closed while its handlers are mid-way (held
    on a table lock the drill takes): the messages come again, the effect happens once."""
    count = d.size(40, 20)
    d.setup(["notifications"], smtp=True)
    d.service("notifications")
    attendees = [registration(n, f"c{d.run_id}") for n in range(count)]
    engine = d.engine("notifications")
    with engine.connect() as lock:
        lock.exec_driver_sql("LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE")
        publisher = d.publisher()
        for attendee in attendees:
            publisher.publish(AttendeeRegistered, attendee)
        publisher.close()
        time.sleep(2)  # the handlers of the prefetched messages wait on the lock
        # the management API lists a new connection a few seconds late: wait for it
        eventually(d.connections, 15)
        closed = d.close_connections()
        result.note(f"closed {closed} broker connection(s) mid-handler")
        if not closed:  # the fault did not happen: the drill proved nothing
            result.unexpected += 1
        time.sleep(1)
        lock.rollback()
    eventually(all_welcomed(d, attendees), 90)
    settle()
    tally_welcomes(d, result, attendees)


# -- 3 -------------------------------------------------------------------------------


def database_outage(d, result):
    """PostgreSQL unreachable for 20 s (the proxy between services and database is cut)
    while events flow; then back: every event handled, every mail sent, once."""
    count, outage = d.size(1_500, 200), d.size(20, 5)
    proxy = TcpProxy().start()
    d.cleanups.append(proxy.stop)
    # outlasts the outage (28 s in all), and a message that failed early is not left
    # waiting long after it (the last wait was 30 s)
    delays = d.size("1000,3000,8000,16000", "500,2000,8000")
    d.setup(
        ["notifications"], smtp=True, db_host_port=proxy.host_port, EVENT_RETRY_DELAYS_MS=delays
    )
    d.service("notifications")
    attendees = [registration(n, f"o{d.run_id}") for n in range(count)]
    publisher = d.publisher()

    def publish_all():
        for attendee, _ in zip(attendees, paced(count, outage * 2), strict=True):
            publisher.publish(AttendeeRegistered, attendee)  # spread over twice the outage

    feeder = in_thread(publish_all)
    time.sleep(outage / 2)
    # a mail SMTP accepted as the database went away has its outcome committed once it
    # is back (the sender waits for it): nothing is in flight, nothing may double
    proxy.cut()
    time.sleep(outage)
    proxy.restore()
    feeder.join()
    publisher.close()
    eventually(all_welcomed(d, attendees), d.size(120, 60))
    settle()
    tally_welcomes(d, result, attendees)


# -- 10 ------------------------------------------------------------------------------


def smtp_outage(d, result):
    """SMTP down 30 s, then answering 4xx, then a 5xx for one recipient: every other
    mail delivered once, the refused one parked failed with the reason."""
    count, down, deferring = d.size(300, 40), d.size(30, 5), d.size(10, 3)
    retry_delays = ",".join(["1"] * 3 + ["2"] * 40)  # outlasts the outage and the 4xx
    d.setup(["notifications"], smtp=True, EMAIL_RETRY_DELAYS_SECONDS=retry_delays)
    d.smtp.stop()
    d.service("notifications")
    attendees = [registration(n, f"s{d.run_id}") for n in range(count)]
    victim = registration(0, f"refused{d.run_id}")
    publisher = d.publisher()
    for attendee in [*attendees, victim]:
        publisher.publish(AttendeeRegistered, attendee)
    publisher.close()
    time.sleep(down)
    d.smtp.set_mode("4xx")
    d.smtp.start()
    time.sleep(deferring)
    d.smtp.set_mode(f"5xx:{victim['email']}")
    eventually(all_welcomed(d, attendees), d.size(120, 60))

    def victim_parked():
        return d.rows(
            "notifications",
            "SELECT status, last_error FROM outgoing_emails WHERE to_address = :address",
            address=victim["email"],
        )

    parked = eventually(lambda: [r for r in victim_parked() if r.status == "failed"], 30)
    settle()
    tally_welcomes(d, result, attendees)
    result.sent += 1
    if parked and "550" in (parked[0].last_error or ""):
        result.delivered += 1  # parked, with the reason: where it belongs
    else:
        result.lost += 1
        result.note(f"the refused mail is not parked: {victim_parked()}")
    if d.smtp.counts().get(victim["email"]):
        result.unexpected += 1


# -- 6 -------------------------------------------------------------------------------


def clock_restart(d, result):
    """Sessions whose reminder window, start and end fall inside the drill, while the
    sessions service (two replicas) is kill -9'd and restarted again and again: every
    session ends once, and no transition's event is emitted twice."""
    count, window = d.size(200, 30), d.size(30, 12)
    d.setup(["sessions"], SESSION_REMINDER_LEAD_SECONDS="2")
    track = d.scalar("sessions", "SELECT id FROM tracks ORDER BY id LIMIT 1")
    now = datetime.now(UTC)
    for n in range(count):
        starts = now + timedelta(seconds=8 + window * n / count)
        d.execute(
            "sessions",
            "INSERT INTO sessions (id, title, abstract, track_id, kind, starts_at, ends_at,"
            " speakers, status, cancel_reason, sequence, search_text, speaker_text,"
            " created_at, updated_at) VALUES (:id, :title, '', :track, 'panel', :starts,"
            " :ends, '[]', 'scheduled', '', 0, '', '', :now, :now)",
            id=f"clock-{d.run_id}-{n}",
            title=f"Session {n}",
            track=track,
            starts=starts,
            ends=starts + timedelta(seconds=2),
            now=now,
        )
    replicas = d.services("sessions", "sessions")
    deadline = time.monotonic() + window + 8
    kills = 0
    while time.monotonic() < deadline:
        time.sleep(random.uniform(1.5, 4))
        victim = replicas[kills % 2]
        victim.kill()
        victim.start(wait=False)
        kills += 1
    for replica in replicas:
        replica.wait_ready()
    result.note(f"{kills} kill -9 of a sessions replica inside the windows")

    def ended():
        return d.scalar("sessions", "SELECT count(*) FROM sessions WHERE status = 'ended'")

    eventually(lambda: ended() >= count, 60)
    events = d.rows(
        "sessions",
        "SELECT envelope::json->'data'->>'session_id', event_type, count(*) FROM outbox"
        " GROUP BY 1, 2",
    )
    per_session = collections.defaultdict(dict)
    for session_id, event_type, n in events:
        per_session[session_id][event_type] = n
    result.sent = count
    for n in range(count):
        seen = per_session.get(f"clock-{d.run_id}-{n}", {})
        if seen.get("session_ended") == 1:
            result.delivered += 1
        else:
            result.lost += 1
        if any(times > 1 for times in seen.values()):
            result.doubled += 1
    result.unexpected += sum(1 for sid in per_session if not sid.startswith(f"clock-{d.run_id}"))


# -- 4 and 11: webhooks ----------------------------------------------------------------


def add_endpoint(d, exhibitor_id, url, secret=None):
    endpoint_id = f"wh-{d.run_id}-{exhibitor_id}"
    d.execute(
        "notifications",
        "INSERT INTO webhook_endpoints (id, exhibitor_id, url, events, secret, created_at)"
        " VALUES (:id, :exhibitor, :url, :events, :secret, :now)",
        id=endpoint_id,
        exhibitor=exhibitor_id,
        url=url,
        events='["lead.captured"]',
        secret=secret or new_secret(),
        now=datetime.now(UTC),
    )
    return endpoint_id


def new_secret():
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def lead(exhibitor_id, n):
    now = datetime.now(UTC)
    return {
        "lead_id": f"lead-{exhibitor_id}-{n}",
        "exhibitor_id": exhibitor_id,
        "attendee": {
            "attendee_id": f"att-{n}",
            "full_name": f"Member {n}",
            "email": f"member{n}@drill.test",
            "organization": "Drill Society",
        },
        "score": 1,
        "interaction": {
            "interaction_id": f"int-{exhibitor_id}-{n}",
            "kind": "booth_visit",
            "product_id": None,
            "message": None,
            "occurred_at": now,
        },
    }


def deliveries(d, endpoint_id):
    return d.scalar(
        "notifications",
        "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = :id",
        id=endpoint_id,
    )


def tally_webhooks(result, delivered, expected_count):
    """``delivered``: {webhook-id: 2xx answers}."""
    result.sent += expected_count
    result.delivered += len(delivered)
    result.lost += expected_count - len(delivered)
    result.doubled += sum(1 for n in delivered.values() if n > 1)


def dead_endpoint(d, result):
    """One exhibitor's endpoint refuses connections for the whole flow, then comes back:
    every lead reaches it once by webhook-id, and the other exhibitor's leads arrive as
    fast as they did before (its latency measured alone first, then beside the dead one)."""
    count, dead_for = d.size(400, 40), d.size(30, 6)
    d.setup(["notifications"])
    live = d.receivers()
    dead_port = free_port()
    live_id = add_endpoint(d, "ex-live", live.url("live"))
    dead_id = add_endpoint(d, "ex-dead", f"http://127.0.0.1:{dead_port}/dead")
    d.service("notifications")
    publisher = d.publisher()
    published_at = {}

    def flow(tag, exhibitors, seconds):
        for n in paced(count, seconds):
            for exhibitor in exhibitors:
                data = lead(exhibitor, f"{tag}{n}")
                published_at[data["lead_id"]] = time.monotonic()
                publisher.publish(LeadCaptured, data)

    def p95_latency(tag):
        latencies = sorted(
            r["at"] - published_at[lead_id]
            for r in live.seen("live")
            if 200 <= r["status"] < 300
            and (lead_id := payload(r)["data"]["lead_id"]).startswith(f"lead-ex-live-{tag}")
        )
        return latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("inf")

    flow("alone", ["ex-live"], dead_for / 3)
    eventually(lambda: len(live.delivered("live")) >= count, 60)
    started = time.monotonic()
    flow("beside", ["ex-live", "ex-dead"], dead_for / 2)
    publisher.close()
    eventually(lambda: len(live.delivered("live")) >= 2 * count, 60)
    time.sleep(max(0.0, dead_for - (time.monotonic() - started)))
    back = WebhookReceivers(port=dead_port)
    d.cleanups.append(back.stop)
    eventually(lambda: len(back.delivered("dead")) >= count, d.size(90, 60))
    settle()
    tally_webhooks(result, live.delivered("live"), deliveries(d, live_id))
    tally_webhooks(result, back.delivered("dead"), deliveries(d, dead_id))
    result.unexpected += abs(deliveries(d, live_id) - 2 * count)
    result.unexpected += abs(deliveries(d, dead_id) - count)
    alone, beside = p95_latency("alone"), p95_latency("beside")
    result.note(f"live exhibitor's latency p95: {alone:.2f} s alone, {beside:.2f} s beside")
    if beside > max(2 * alone, alone + 1.0):
        result.unexpected += 1


WEBHOOK_TIMEOUT = 2.0


def webhook_etiquette(d, result):
    """3xx not followed; Retry-After on 429 and 503 respected; 410 disables the endpoint;
    a hanging receiver is timed out (and retried); the signature verifies with the old
    and the new secret across a rotation."""
    d.setup(["notifications"], WEBHOOK_TIMEOUT_SECONDS=str(WEBHOOK_TIMEOUT))
    hooks = d.receivers()
    hooks.script("redirect", (302, 0, {"Location": hooks.url("redirect-target")}))
    hooks.script("too-many", (429, 0, {"Retry-After": "3"}))
    hooks.script("unavailable", (503, 0, {"Retry-After": "2"}))
    hooks.answer("gone", 410)
    hooks.script("hanging", (200, WEBHOOK_TIMEOUT * 4, {}))
    endpoints = {
        path: add_endpoint(d, f"ex-{path}", hooks.url(path))
        for path in ("redirect", "too-many", "unavailable", "gone", "hanging", "rotating")
    }
    d.service("notifications")
    publisher = d.publisher()
    for path in endpoints:
        publisher.publish(LeadCaptured, lead(f"ex-{path}", 1))
    started = time.monotonic()
    retried = ("redirect", "too-many", "unavailable", "hanging", "rotating")
    eventually(lambda: all(hooks.delivered(p, WEBHOOK_TIMEOUT) for p in retried), 60)

    def check(ok, what):
        if not ok:
            result.unexpected += 1
            result.note(f"not so: {what}")

    check(not hooks.seen("redirect-target"), "the redirect is not followed")
    for path, wait in (("too-many", 3), ("unavailable", 2)):
        times = [r["at"] for r in hooks.seen(path)]
        gap = times[1] - times[0] if len(times) > 1 else 0
        check(gap >= wait - 0.2, f"{path}: the retry waits Retry-After {wait} s ({gap:.1f})")
    hanging = hooks.seen("hanging")
    check(
        len(hanging) >= 2 and hanging[1]["at"] - hanging[0]["at"] < WEBHOOK_TIMEOUT * 3,
        "the hanging receiver is timed out and tried again",
    )
    # a rotation: the next delivery carries a signature from the old and the new secret
    rotate = ["notifications", "rotate_webhook_secret", ["ex-rotating", endpoints["rotating"]]]
    [rotated] = d.rpc([rotate])
    old_secret = d.scalar(
        "notifications",
        "SELECT previous_secret FROM webhook_endpoints WHERE id = :id",
        id=endpoints["rotating"],
    )
    publisher.publish(LeadCaptured, lead("ex-rotating", 2))
    publisher.publish(LeadCaptured, lead("ex-gone", 2))  # to a disabled endpoint: not sent
    publisher.close()
    eventually(lambda: len(hooks.delivered("rotating")) >= 2, 30)
    settle(3)
    last = [r for r in hooks.seen("rotating") if payload(r)["data"]["lead_id"].endswith("-2")]
    for secret in (old_secret, rotated["secret"]):
        check(last and verifies(secret, last[0]), "the signature verifies with both secrets")
    check(len(hooks.seen("gone")) == 1, f"410 disables: {len(hooks.seen('gone'))} request(s)")
    disabled = d.scalar(
        "notifications",
        "SELECT disabled_at FROM webhook_endpoints WHERE id = :id",
        id=endpoints["gone"],
    )
    check(disabled is not None, "the endpoint that answered 410 is disabled")
    for path in retried:
        delivered = hooks.delivered(path, WEBHOOK_TIMEOUT)
        tally_webhooks(result, delivered, deliveries(d, endpoints[path]))
    result.note(f"etiquette checks took {time.monotonic() - started:.1f} s")


def verifies(secret, request):
    headers = {k.lower(): v for k, v in request["headers"].items()}
    try:
        Webhook(secret).verify(request["body"], headers)
    except WebhookVerificationError:
        return False
    return True


# -- 7 and 2: through the gateway -------------------------------------------------------


class Registrar:
    """Clients registering attendees through the gateway, keeping every answer."""

    def __init__(self, gateway, tag):
        self.gateway = gateway
        self.tag = tag
        self.answers = []  # (email, status, retry_after); 202 is accepted

    def register(self, n):
        email = f"{self.tag}-{n}@drill.test"
        body = {
            "email": email,
            "full_name": f"Member {n}",
            "ticket_type": "member",
            "consent": {"share_with_exhibitors": True},
        }
        try:
            response = requests.post(f"{self.gateway.url}/v1/registrations", json=body, timeout=30)
        except requests.RequestException as exc:
            self.answers.append((email, f"error {type(exc).__name__}", None))
            return
        self.answers.append((email, response.status_code, response.headers.get("Retry-After")))

    def run(self, numbers, clients=4):
        numbers = list(numbers)
        threads = [in_thread(self._run_slice, numbers[i::clients]) for i in range(clients)]
        for thread in threads:
            thread.join()

    def run_until(self, stop, clients=2):
        counter = itertools.count()
        threads = [in_thread(self._run_while, stop, counter) for _ in range(clients)]
        for thread in threads:
            thread.join()

    def _run_while(self, stop, counter):
        while not stop.is_set():
            self.register(next(counter))
            time.sleep(0.02)

    def _run_slice(self, numbers):
        for n in numbers:
            self.register(n)

    def accepted(self):
        """The addresses whose registration was accepted (the answer names no attendee:
        it is the same for a new and a known address)."""
        return {email for email, status, _ in self.answers if status == 202}

    def unclean(self):
        """Answers that are neither an acceptance nor a clean refusal (503 + Retry-After)."""
        return [a for a in self.answers if a[1] != 202 and not (a[1] == 503 and a[2])]


def outbox_crash(d, result):
    """kill -9 of the registration service at random points while 1,000 registrations
    go through the gateway (so between commit and publish, and between publish and
    mark-sent): every committed registration's event is published, none for a
    transaction that did not commit, each attendee's event once (by event id)."""
    count, kills = d.size(1_000, 150), d.size(6, 2)
    d.setup(["registration", "gateway"])
    tap = d.listen("registration", "attendee_registered")
    registration_service, gateway = d.services("registration", "gateway")
    registrar = Registrar(gateway, f"x{d.run_id}")
    flow = in_thread(registrar.run, range(count))
    done_kills = 0
    while flow.is_alive() and done_kills < kills:
        time.sleep(random.uniform(1.0, 3.0))
        registration_service.kill()
        registration_service.start()
        done_kills += 1
    flow.join()
    result.note(f"{done_kills} kill -9 of registration; answers: {status_counts(registrar)}")
    pending = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    eventually(lambda: d.scalar("registration", pending) == 0, 60)
    rows = d.rows("registration", "SELECT id, email FROM attendees")
    stored, stored_emails = {row[0] for row in rows}, {row[1] for row in rows}
    events = collections.defaultdict(set)
    for envelope in tap.drain():
        events[envelope["data"]["attendee_id"]].add(envelope["id"])
    result.sent = count
    result.delivered = len(stored & set(events))
    result.lost = len(stored - set(events)) + len(registrar.accepted() - stored_emails)
    result.doubled = sum(1 for ids in events.values() if len(ids) > 1)
    result.unexpected = len(set(events) - stored) + len(registrar.unclean())
    for answer in registrar.unclean()[:3]:
        result.note(f"unclean answer: {answer}")


def status_counts(registrar):
    return dict(collections.Counter(str(status) for _, status, _ in registrar.answers))


def broker_restart(d, result):
    """The broker (a node of the drill's own) stopped and started again while
    registrations flow through the gateway: each request is accepted (and its attendee
    welcomed, once) or refused cleanly with 503 + Retry-After; none accepted and lost."""
    outage = d.size(10, 5)
    d.setup(["registration", "notifications", "gateway"], smtp=True)
    *_, gateway = d.services("registration", "notifications", "gateway")
    registrar = Registrar(gateway, f"r{d.run_id}")
    stop = threading.Event()
    flow = in_thread(registrar.run_until, stop, 2)
    time.sleep(3)
    d.broker.stop_app()
    time.sleep(outage)
    d.broker.start_app()
    time.sleep(d.size(10, 5))
    stop.set()
    flow.join()
    result.note(f"answers: {status_counts(registrar)}")
    accepted = zip_accepted(d, registrar)
    emails = {email for _, email in accepted}
    eventually(lambda: emails <= set(d.smtp.counts()), d.size(120, 60))
    settle()
    # each is mailed the welcome and the code that confirms the address
    attendees = [{"attendee_id": a, "email": e} for a, e in accepted]
    tally_welcomes(d, result, attendees, mails_each=2)
    result.sent = len(registrar.answers)
    result.unexpected = len(registrar.unclean())
    stored = {row[0] for row in d.rows("registration", "SELECT id FROM attendees")}
    # stored though the client saw a 503 (the reply was lost in the outage): not lost
    late = stored - {a for a, _ in accepted}
    result.note(f"{len(late)} registration(s) stored though the client saw a 503")
    result.unexpected += sum(1 for address in d.smtp.counts() if not address.startswith("r"))
    for answer in registrar.unclean()[:3]:
        result.note(f"unclean answer: {answer}")


def zip_accepted(d, registrar):
    """(attendee id, email) of each accepted registration, from registration's table (id
    None for one not stored: it counts as lost)."""
    ids = dict((email, a) for a, email in d.rows("registration", "SELECT id, email FROM attendees"))
    return [(ids.get(email), email) for email in sorted(registrar.accepted())]


DRILLS = {
    "kill-9 consumer": (kill_consumer, 400, 120),
    "before consumer": (before_consumer, 200, 90),
    "poison event": (poison_event, 240, 120),
    "connection closed": (connection_closed, 200, 120),
    "database outage": (database_outage, 300, 120),
    "smtp outage": (smtp_outage, 300, 150),
    "session clock restart": (clock_restart, 200, 120),
    "dead webhook endpoint": (dead_endpoint, 240, 120),
    "webhook etiquette": (webhook_etiquette, 150, 120),
    "outbox crash windows": (outbox_crash, 300, 150),
    "broker restart": (broker_restart, 300, 150),
}
NEED_OWN_BROKER = {"broker restart"}
