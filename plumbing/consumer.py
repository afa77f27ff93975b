"""Consuming events reliably: validated, de-duplicated, retried, then parked.

``@consume(AttendeeRegistered)`` marks a method as the handler of that event.  The
handler receives a :class:`ReceivedEvent` and runs inside the worker's database
transaction, which first records ``(handler, event id)`` in ``processed_events``: a
second delivery of the same event finds the row and does nothing.

A handler that raises is retried after each delay in ``EVENT_RETRY_DELAYS_MS`` (the
message waits in a TTL queue), then parked in its dead-letter queue.  A message that
is not JSON, or not a valid envelope for the event, or of another major version than
the handler's schema (``version``) is parked at once: retrying cannot fix it, and a
handler never acts on data its schema may misread.  Parking publishes with confirms
*before* the original is acked, so a crash in between duplicates (harmless) rather
than loses.
"""

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from marshmallow import ValidationError
from nameko.amqp.publish import get_producer
from nameko.constants import PERSISTENT
from nameko.events import SERVICE_POOL, EventHandler
from nameko.messaging import QueueConsumer
from sqlalchemy import Column, String
from sqlalchemy import Table as SqlTable

from plumbing.db import UtcDateTime, insert_ignoring_duplicates, plumbing_metadata
from plumbing.events import UnsupportedVersion, parse_envelope, utcnow
from plumbing.observability import metrics
from plumbing.topology import (
    dead_letter_queue,
    retry_delays_ms,
    retry_queue,
    work_queue,
)

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-plenary-attempt"
ERROR_HEADER = "x-plenary-error"
ORIGIN_HEADER = "x-plenary-original-queue"
MAX_ERROR_HEADER = 2000

processed_events = SqlTable(
    "processed_events",
    plumbing_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("processed_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True)
class ReceivedEvent:
    id: str
    type: str
    occurred_at: datetime
    version: int
    data: dict


def first_delivery(session, consumer, event_id):
    """Record that ``consumer`` handled ``event_id``; False if it already had."""
    row = {"consumer": consumer, "event_id": event_id, "processed_at": utcnow()}
    return (
        insert_ignoring_duplicates(session, processed_events, [row], ["consumer", "event_id"]) == 1
    )


def attempts_so_far(message):
    return int((message.headers or {}).get(ATTEMPT_HEADER, 0))


class ParkingQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except an undecodable message is parked, not fatal."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._park_undecodable, provider)
        return consumers

    def _park_undecodable(self, provider, message, exc):
        provider.park(message, f"undecodable message: {exc}")


class ReliableEventHandler(EventHandler):
    queue_consumer = ParkingQueueConsumer()

    def __init__(self, schema_cls, **kwargs):
        super().__init__(
            schema_cls.source_service,
            schema_cls.event_type,
            handler_type=SERVICE_POOL,
            reliable_delivery=True,
            requeue_on_error=False,
            **kwargs,
        )
        self.schema_cls = schema_cls

    @property
    def consumer_name(self):
        return f"{self.container.service_name}.{self.method_name}"

    def setup(self):
        config = self.container.config
        self.queue = work_queue(
            config,
            self.source_service,
            self.event_type,
            self.container.service_name,
            self.method_name,
        )
        self.amqp_uri = config["AMQP_URI"]
        self.delays_ms = retry_delays_ms(config)
        self.queue_consumer.register_provider(self)

    # -- receiving -------------------------------------------------------------------

    def handle_message(self, body, message):
        try:
            envelope, data = parse_envelope(body, self.schema_cls)
        except UnsupportedVersion as exc:
            self.park(message, str(exc))
            return
        except ValidationError as exc:
            self.park(message, f"invalid event: {exc.messages}")
            return
        event = ReceivedEvent(
            envelope["id"], envelope["type"], envelope["occurred_at"], envelope["version"], data
        )
        context_data = self.unpack_message_headers(message)
        context_data["event_id"] = event.id
        self.container.spawn_worker(
            self,
            (event,),
            {},
            context_data=context_data,
            handle_result=partial(self.handle_result, message),
        )

    def claim_delivery(self, session, worker_ctx):
        """Called by the Database provider inside the worker's transaction."""
        event = worker_ctx.args[0]
        if first_delivery(session, self.consumer_name, event.id):
            return True
        worker_ctx.data["duplicate"] = True
        return False

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            self.count("duplicate" if worker_ctx.data.get("duplicate") else "processed")
            self.queue_consumer.ack_message(message)
        else:
            error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
            self.retry_or_park(message, error)
        return result, exc_info

    # -- failing ---------------------------------------------------------------------

    def retry_or_park(self, message, error):
        attempt = attempts_so_far(message) + 1
        if attempt > len(self.delays_ms):
            self.park(message, f"failed {attempt} times: {error}", attempt)
            return
        delay = self.delays_ms[attempt - 1]
        log.warning(
            "handler %s failed (attempt %d), retrying in %d ms: %s",
            self.consumer_name,
            attempt,
            delay,
            error,
        )
        target = retry_queue(self.container.config, self.queue.name, delay)
        self.forward(message, target, attempt, error)
        self.count("retried")

    def park(self, message, reason, attempt=None):
        """Move ``message`` to the dead-letter queue, for an operator to inspect and replay."""
        log.error("parking message for %s: %s", self.consumer_name, reason)
        target = dead_letter_queue(self.container.config, self.queue.name)
        attempt = attempts_so_far(message) if attempt is None else attempt
        self.forward(message, target, attempt, reason)
        self.count("parked")

    def count(self, outcome):
        metrics.events_consumed.labels(self.container.service_name, self.event_type, outcome).inc()

    def forward(self, message, queue, attempt, error):
        """Publish a copy of ``message`` to ``queue`` (confirmed), then ack the original.
        If the publish fails the original is requeued instead: nothing is dropped."""
        headers = dict(message.headers or {})
        headers.update(
            {
                ATTEMPT_HEADER: attempt,
                ERROR_HEADER: error[:MAX_ERROR_HEADER],
                ORIGIN_HEADER: self.queue.name,
            }
        )
        try:
            with get_producer(self.amqp_uri) as producer:
                producer.publish(
                    message.body,
                    exchange="",
                    routing_key=queue.name,
                    headers=headers,
                    content_type=message.content_type or "application/octet-stream",
                    content_encoding=message.content_encoding or "binary",
                    delivery_mode=PERSISTENT,
                    declare=[queue],
                    retry=True,
                    retry_policy={"max_retries": 3},
                )
        except Exception:
            log.exception("could not forward message to %s; requeueing", queue.name)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)


consume = ReliableEventHandler.decorator
