"""Exhibitor webhooks (Standard Webhooks): endpoint checks, queueing deliveries, and
sending and recording one delivery attempt.

An endpoint that keeps failing is disabled once its first failure since its last
success is older than ``WEBHOOK_DISABLE_AFTER_SECONDS`` (3 days), and its contact, if
it gave one, is emailed."""

import base64
import ipaddress
import json
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import eventlet
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool

from contracts.errors import Invalid
from contracts.events.notifications import WebhookDeliveryFailed
from plumbing.db import insert_ignoring_duplicates, send_together
from plumbing.events import utcnow
from plumbing.observability import metrics
from plumbing.outbox import emit
from plumbing.tokens import new_id
from services.notifications import emails
from services.notifications.models import (
    FAILED,
    PENDING,
    SUCCEEDED,
    DeliveryAttempt,
    OutgoingEmail,
    WebhookDelivery,
    WebhookEndpoint,
    new_webhook_message_id,
)

SECRET_PREFIX = "whsec_"
USER_AGENT = "Plenary-Webhooks/1"
MAX_ERROR_LENGTH = 500


def new_secret():
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


# IPv6 prefixes that carry or reach an IPv4 address the checks below would not see:
# 6to4 (2002:7f00:1:: is 127.0.0.1), Teredo, NAT64 (well-known and local-use)
TRANSITION_NETWORKS = tuple(
    ipaddress.ip_network(prefix)
    for prefix in ("2002::/16", "2001::/32", "64:ff9b::/96", "64:ff9b:1::/48")
)


def is_public_address(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            ip = ip.ipv4_mapped  # ::ffff:a.b.c.d is judged by the IPv4 address it maps
        elif any(ip in network for network in TRANSITION_NETWORKS):
            return False
    blocked = (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
    return ip.is_global and not blocked  # is_global also rules out shared (CGNAT) space


def resolve(url):
    """The TCP addresses ``url``'s host resolves to, once (raises OSError/ValueError)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(info[4][0] for info in infos))


def checked_address(url, allow_private=False):
    """``(address, None)``: the address to connect to, every address the host resolves
    to being public (unless ``allow_private``); or ``(None, why)`` when it may not be
    called. The caller connects to this address: a second look-up could answer
    differently (DNS rebinding)."""
    try:
        addresses = resolve(url)
    except (OSError, ValueError, UnicodeError):
        return None, "host does not resolve"
    if not addresses:
        return None, "host does not resolve"
    if not allow_private and not all(is_public_address(address) for address in addresses):
        return None, "private, loopback, link-local or reserved addresses are not allowed"
    return addresses[0], None


def private_url_problem(url):
    """Why ``url`` must not be called (None if it may): every address its host resolves
    to must be public, so an exhibitor cannot make us call into our own network."""
    return checked_address(url)[1]


def refuse_private_url(url):
    problem = private_url_problem(url)
    if problem is not None:
        raise Invalid("Webhook URLs must point at a public address.", {"url": [problem]})


class PinnedAddressAdapter(HTTPAdapter):
    """Connects to ``address`` whatever the URL's host resolves to by then, while the
    Host header, TLS SNI and the certificate check keep the URL's host name."""

    def __init__(self, address, hostname):
        super().__init__(max_retries=0)
        self.address = address
        self.hostname = hostname

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        parts = urlsplit(request.url)
        if parts.scheme == "https":
            return HTTPSConnectionPool(
                self.address,
                parts.port or 443,
                server_hostname=self.hostname,
                assert_hostname=self.hostname,
                maxsize=1,
            )
        return HTTPConnectionPool(self.address, parts.port or 80, maxsize=1)


def host_header(url):
    parts = urlsplit(url)
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port else host


def pinned_session(url, address):
    session = requests.Session()
    session.trust_env = False  # an environment proxy would resolve the name again
    adapter = PinnedAddressAdapter(address, urlsplit(url).hostname)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def signing_secrets(endpoint, now):
    """The current secret, and during a rotation's overlap the previous one too."""
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        return (endpoint.secret, endpoint.previous_secret)
    return (endpoint.secret,)


def delivery_row(endpoint, webhook_event_type, data, occurred_at, source_event_id):
    """A ``webhook_deliveries`` row, due now: the body it will send, signed, every attempt."""
    body = json.dumps(
        {"type": webhook_event_type, "timestamp": occurred_at.isoformat(), "data": data},
        separators=(",", ":"),
    )
    attendee_id = data.get("attendee_id") or data.get("attendee", {}).get("attendee_id")
    now = utcnow()
    return {
        "id": new_webhook_message_id(),
        "endpoint_id": endpoint.id,
        "event_type": webhook_event_type,
        "payload": body,
        "source_event_id": source_event_id,
        "attendee_id": attendee_id,
        "status": PENDING,
        "attempt_count": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def queue_deliveries(session, event, webhook_event_type, schema_cls, unless=None):
    """One delivery of ``event`` per endpoint of its exhibitor subscribed to it; none if
    ``unless`` (an SQL condition, asked in the same SELECT as the endpoints) holds."""
    data = schema_cls().dump(event.data)
    columns = [WebhookEndpoint] if unless is None else [WebhookEndpoint, unless]
    found = session.execute(
        select(*columns).where(
            WebhookEndpoint.exhibitor_id == data["exhibitor_id"],
            WebhookEndpoint.disabled_at.is_(None),
        )
    ).all()
    if unless is not None and found and found[0][1]:
        return
    rows = [
        delivery_row(row[0], webhook_event_type, data, event.occurred_at, event.id)
        for row in found
        if webhook_event_type in row[0].events
    ]
    insert_ignoring_duplicates(
        session, WebhookDelivery.__table__, rows, ["endpoint_id", "source_event_id"]
    )


@dataclass(frozen=True)
class DeliveryJob:
    """What a green thread needs to send one claimed delivery, detached from the ORM."""

    delivery_id: str
    endpoint_id: str
    attempt_count: int
    url: str
    secrets: tuple
    payload: str
    allow_private: bool


@dataclass(frozen=True)
class Policy:
    """How deliveries are retried and when a failing endpoint is given up."""

    timeout: float
    retry_delays: list
    disable_after_seconds: float


# a receiver asking for more than this (Retry-After) is tried again after this
MAX_RETRY_AFTER_SECONDS = 24 * 3600


@dataclass(frozen=True)
class AttemptOutcome:
    attempted_at: object
    status_code: int | None
    latency_ms: int
    error: str | None
    retry_after: float | None = None  # seconds the receiver asked us to wait (429, 503)

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self):
        """410 Gone: the receiver says the endpoint is no more; deliveries stop."""
        return self.status_code == 410


def retry_after_seconds(response):
    """Seconds from a 429 or 503 answer's ``Retry-After`` (delta-seconds or an HTTP
    date), capped; None when absent or unreadable."""
    if response.status_code not in (429, 503):
        return None
    value = (response.headers.get("Retry-After") or "").strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            seconds = (parsedate_to_datetime(value) - utcnow()).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def signed_headers(job, timestamp):
    return {
        "webhook-id": job.delivery_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        # one signature per live secret, space-separated: receivers accept either
        "webhook-signature": " ".join(
            Webhook(secret).sign(job.delivery_id, timestamp, job.payload) for secret in job.secrets
        ),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def post(job, timeout):
    """POST one delivery; never raises. ``timeout`` bounds the whole exchange."""
    attempted_at = utcnow()
    started = time.monotonic()
    status_code = error = retry_after = None
    # checked again now, not only at creation: the name may resolve elsewhere today; and
    # the connection goes to the very address checked
    address, refused = checked_address(job.url, job.allow_private)
    if refused is not None:
        return AttemptOutcome(attempted_at, None, 0, f"refused: {refused}")
    headers = {**signed_headers(job, attempted_at), "host": host_header(job.url)}
    try:
        # requests' timeout is per socket operation; the green timeout bounds the total
        with eventlet.Timeout(timeout) as deadline, pinned_session(job.url, address) as session:
            response = session.post(
                job.url,
                data=job.payload.encode(),
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            response.close()  # the receiver's answer body is of no use to us
        status_code = response.status_code
        retry_after = retry_after_seconds(response)
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except eventlet.Timeout as exc:
        if exc is not deadline:
            raise
        error = f"timed out after {timeout} s"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    latency_ms = int((time.monotonic() - started) * 1000)
    return AttemptOutcome(attempted_at, status_code, latency_ms, error, retry_after)


def send_and_record(engine, job, policy):
    """Send one claimed delivery and record the attempt in its own transaction; whether
    it succeeded."""
    try:
        outcome = post(job, policy.timeout)
    except Exception as exc:  # e.g. a secret that cannot sign: recorded, not lost in a log
        outcome = AttemptOutcome(
            utcnow(), None, 0, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
        )
    with Session(engine) as session, session.begin():
        retry_at = record_attempt(session, job, outcome, policy)
    return outcome.succeeded, retry_at


def send_in_turn(engine, jobs, policy):
    """One sender's claimed deliveries to one endpoint, one after the other, each with
    its own outcome. The first that does not succeed (a dead, slow, gone or busy
    receiver) ends the turn: the rest wait with it, until its next attempt (no attempt
    counted for them), so a receiver in trouble is not sent more while it is."""
    for n, job in enumerate(jobs):
        succeeded, retry_at = send_and_record(engine, job, policy)
        if not succeeded:
            later = [job.delivery_id for job in jobs[n + 1 :]]
            release_deliveries(engine, later, retry_at or utcnow())
            return


def release_deliveries(engine, delivery_ids, due_at):
    if delivery_ids:
        with Session(engine) as session, session.begin():
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(delivery_ids), WebhookDelivery.status == PENDING)
                .values(next_attempt_at=due_at)
            )


def attempt_row(job, outcome):
    return {
        "id": new_id(),
        "delivery_id": job.delivery_id,
        "attempted_at": outcome.attempted_at,
        "status_code": outcome.status_code,
        "latency_ms": outcome.latency_ms,
        "error": outcome.error,
    }


# a success's statements, the sender's most frequent: built once (building one with its
# values in it, and its cache key, cost about as much CPU as running it)
_deliveries, _endpoints = WebhookDelivery.__table__, WebhookEndpoint.__table__
MARK_SUCCEEDED = (
    update(_deliveries)
    .where(
        _deliveries.c.id == bindparam("delivery"),
        _deliveries.c.attempt_count == bindparam("claimed"),
    )
    .values(attempt_count=bindparam("counted"), status=SUCCEEDED, next_attempt_at=None)
)
INSERT_ATTEMPT = DeliveryAttempt.__table__.insert()
MARK_RECOVERED = (
    update(_endpoints)
    .where(_endpoints.c.id == bindparam("endpoint"), _endpoints.c.failing_since.is_not(None))
    .values(failing_since=None)
)


def record_success(session, job, outcome):
    """The common case in two round trips: the delivery marked done (unless it was
    deleted with its endpoint or recorded already), then its attempt and the endpoint's
    recovery sent together. No lock on the endpoint unless it was failing: its other
    senders would queue on it."""
    marked = session.execute(
        MARK_SUCCEEDED,
        {
            "delivery": job.delivery_id,
            "claimed": job.attempt_count,
            "counted": job.attempt_count + 1,
        },
    )
    if marked.rowcount != 1:
        return
    send_together(
        session,
        [
            (INSERT_ATTEMPT, attempt_row(job, outcome)),
            (MARK_RECOVERED, {"endpoint": job.endpoint_id}),
        ],
    )
    metrics.webhook_deliveries.labels(SUCCEEDED).inc()


def record_attempt(session, job, outcome, policy):
    """Record one attempt's outcome; the delivery's next attempt (None: no more)."""
    if outcome.succeeded:
        record_success(session, job, outcome)
        return None
    delivery = session.get(WebhookDelivery, job.delivery_id, with_for_update=True)
    if delivery is None or delivery.attempt_count != job.attempt_count:
        return None  # deleted with its endpoint meanwhile, or already recorded
    session.add(DeliveryAttempt(**attempt_row(job, outcome)))
    delivery.attempt_count += 1
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
    if outcome.gone:
        delivery.status, delivery.next_attempt_at = "failed", None
        give_up(session, endpoint, delivery)
        if endpoint.disabled_at is None:
            endpoint.failing_since = endpoint.failing_since or outcome.attempted_at
            disable(session, endpoint, policy)
    elif delivery.attempt_count <= len(policy.retry_delays):
        delay = max(policy.retry_delays[delivery.attempt_count - 1], outcome.retry_after or 0)
        delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
    else:
        delivery.status, delivery.next_attempt_at = FAILED, None
        give_up(session, endpoint, delivery)
    if not outcome.gone:
        endpoint_failed(session, endpoint, outcome.attempted_at, policy)
    metrics.webhook_deliveries.labels(
        delivery.status if delivery.status != PENDING else "retrying"
    ).inc()
    return delivery.next_attempt_at


def endpoint_failed(session, endpoint, failed_at, policy):
    if endpoint.failing_since is None:
        endpoint.failing_since = failed_at
    failing_for = (failed_at - endpoint.failing_since).total_seconds()
    if endpoint.disabled_at is None and failing_for >= policy.disable_after_seconds:
        disable(session, endpoint, policy)


def disable(session, endpoint, policy):
    """Stop delivering to ``endpoint``: its pending deliveries fail, its contact is told."""
    now = utcnow()
    endpoint.disabled_at = now
    pending = session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == PENDING
        )
    ).all()
    for delivery in pending:
        delivery.status, delivery.next_attempt_at = FAILED, None
        give_up(session, endpoint, delivery)
    if endpoint.contact_email:
        context = {
            "url": endpoint.url,
            "exhibitor_id": endpoint.exhibitor_id,
            "failing_since": f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC",
        }
        row = emails.email_row(
            endpoint.contact_email,
            "webhook_disabled",
            context,
            f"webhook_disabled:{endpoint.id}:{now.isoformat()}",
            now,
        )
        session.execute(OutgoingEmail.__table__.insert().values(row))


def give_up(session, endpoint, delivery):
    emit(
        session,
        WebhookDeliveryFailed,
        {
            "delivery_id": delivery.id,
            "endpoint_id": endpoint.id,
            "exhibitor_id": endpoint.exhibitor_id,
            "webhook_event_type": delivery.event_type,
        },
    )
