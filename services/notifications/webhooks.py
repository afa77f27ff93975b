"""Exhibitor webhooks (Standard Webhooks): endpoint checks, and sending and recording
one delivery attempt."""

import base64
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import eventlet
import requests
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from plumbing.errors import Invalid
from plumbing.events import utcnow
from plumbing.observability import metrics
from plumbing.outbox import emit
from services.notifications.events import WebhookDeliveryFailed
from services.notifications.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint

SECRET_PREFIX = "whsec_"
USER_AGENT = "Plenary-Webhooks/1"
MAX_ERROR_LENGTH = 500


def new_secret():
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def is_public_address(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    blocked = (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
    return ip.is_global and not blocked  # is_global also rules out shared (CGNAT) space


def refuse_private_url(url):
    """Raise Invalid unless every address the URL's host resolves to is public: an
    exhibitor must not make us call into our own network."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {
            info[4][0]
            for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
        }
    except (OSError, ValueError, UnicodeError):
        raise Invalid(
            "The webhook URL's host does not resolve.", {"url": ["host does not resolve"]}
        ) from None
    if not all(is_public_address(address) for address in addresses):
        raise Invalid(
            "Webhook URLs must point at a public address.",
            {"url": ["private, loopback or link-local addresses are not allowed"]},
        )


@dataclass(frozen=True)
class DeliveryJob:
    """What a green thread needs to send one claimed delivery, detached from the ORM."""

    delivery_id: str
    attempt_count: int
    url: str
    secret: str
    payload: str


@dataclass(frozen=True)
class AttemptOutcome:
    attempted_at: object
    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_headers(job, timestamp):
    return {
        "webhook-id": job.delivery_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(job.secret).sign(job.delivery_id, timestamp, job.payload),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def post(job, timeout):
    """POST one delivery; never raises. ``timeout`` bounds the whole exchange."""
    attempted_at = utcnow()
    started = time.monotonic()
    status_code = error = None
    try:
        # requests' timeout is per socket operation; the green timeout bounds the total
        with eventlet.Timeout(timeout) as deadline:
            response = requests.post(
                job.url,
                data=job.payload.encode(),
                headers=signed_headers(job, attempted_at),
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            response.close()  # the receiver's answer body is of no use to us
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except eventlet.Timeout as exc:
        if exc is not deadline:
            raise
        error = f"timed out after {timeout} s"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    latency_ms = int((time.monotonic() - started) * 1000)
    return AttemptOutcome(attempted_at, status_code, latency_ms, error)


def send_and_record(engine, job, timeout, retry_delays):
    """Send one claimed delivery and record the attempt in its own transaction."""
    outcome = post(job, timeout)
    with Session(engine) as session, session.begin():
        record_attempt(session, job, outcome, retry_delays)


def record_attempt(session, job, outcome, retry_delays):
    delivery = session.get(WebhookDelivery, job.delivery_id, with_for_update=True)
    if delivery is None or delivery.attempt_count != job.attempt_count:
        return  # deleted with its endpoint meanwhile, or already recorded
    session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            attempted_at=outcome.attempted_at,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error=outcome.error,
        )
    )
    delivery.attempt_count += 1
    if outcome.succeeded:
        delivery.status, delivery.next_attempt_at = "succeeded", None
    elif delivery.attempt_count <= len(retry_delays):
        delay = retry_delays[delivery.attempt_count - 1]
        delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
    else:
        delivery.status, delivery.next_attempt_at = "failed", None
        give_up(session, delivery)
    metrics.webhook_deliveries.labels(
        delivery.status if delivery.status != "pending" else "retrying"
    ).inc()


def give_up(session, delivery):
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
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
