"""Correlation ids, JSON logs, Prometheus metrics and the ops endpoints of a service.

A correlation id enters at the gateway (``X-Request-ID`` or a new one), travels in
nameko's context data through RPC and events (and through the outbox row), and is
stamped on every log line written while a worker handles it.
"""

import contextvars
import logging
import sys
import time
import uuid

from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import text
from werkzeug.wrappers import Response

_correlation_id = contextvars.ContextVar("correlation_id", default=None)


def current_correlation_id():
    return _correlation_id.get()


def set_correlation_id(value):
    _correlation_id.set(value)


def new_correlation_id():
    return uuid.uuid4().hex


class _Metrics:
    entrypoint_seconds = Histogram(
        "plenary_entrypoint_duration_seconds",
        "Time spent in an entrypoint",
        ["service", "entrypoint", "outcome"],
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    )
    events_published = Counter(
        "plenary_events_published_total",
        "Events relayed from the outbox to RabbitMQ",
        ["service", "event_type"],
    )
    events_consumed = Counter(
        "plenary_events_consumed_total",
        "Events handled, by outcome: processed, duplicate, retried, parked",
        ["service", "event_type", "outcome"],
    )
    outbox_pending = Gauge("plenary_outbox_pending", "Outbox rows not yet published", ["service"])
    webhook_deliveries = Counter(
        "plenary_webhook_attempts_total", "Webhook delivery attempts by outcome", ["outcome"]
    )
    emails_sent = Counter("plenary_emails_total", "Emails by outcome", ["outcome"])
    emails_parked = Gauge(
        "plenary_emails_parked", "Emails given up (status failed), for an operator to retry"
    )


metrics = _Metrics()


class _ClientErrorsAreNotFailures(logging.Filter):
    """nameko logs every exception a worker raises at ERROR, with its traceback. A client
    error (``client_error``: a 4xx such as invalid input or not found) is not a failure
    of ours: the gateway's access line (INFO) is its one record."""

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        return not getattr(exc, "client_error", False)


def quiet_client_errors():
    logger = logging.getLogger("nameko.containers")
    if not any(isinstance(f, _ClientErrorsAreNotFailures) for f in logger.filters):
        logger.addFilter(_ClientErrorsAreNotFailures())


class Observability(DependencyProvider):
    """Sets the worker's correlation id and times every entrypoint."""

    def setup(self):
        self.started = {}
        quiet_client_errors()

    def worker_setup(self, worker_ctx):
        correlation_id = worker_ctx.context_data.get("correlation_id") or new_correlation_id()
        worker_ctx.context_data["correlation_id"] = correlation_id
        set_correlation_id(correlation_id)
        self.started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        if started is None:
            return
        metrics.entrypoint_seconds.labels(
            self.container.service_name,
            worker_ctx.entrypoint.method_name,
            "error" if exc_info else "ok",
        ).observe(time.perf_counter() - started)


class OpsEndpoints:
    """Mixin: liveness, readiness and metrics on the service's ops port."""

    @http("GET", "/healthz")
    def healthz(self, request):
        return Response('{"status": "ok"}', mimetype="application/json")

    @http("GET", "/readyz")
    def readyz(self, request):
        try:
            self.db.execute(text("SELECT 1"))
        except Exception as exc:
            return Response(
                f'{{"status": "unavailable", "detail": "{type(exc).__name__}"}}',
                status=503,
                mimetype="application/json",
            )
        return Response('{"status": "ready"}', mimetype="application/json")

    @http("GET", "/metrics")
    def metrics(self, request):
        return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)


class _ContextFilter(logging.Filter):
    def __init__(self, service):
        super().__init__()
        self.service = service

    def filter(self, record):
        record.service = self.service
        record.correlation_id = current_correlation_id()
        return True


def configure_logging(service, level="INFO", fmt="json"):
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_ContextFilter(service))
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(correlation_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s [%(service)s %(correlation_id)s] %(name)s: %(message)s"
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
