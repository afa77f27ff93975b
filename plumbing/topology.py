"""The queues behind each event handler, declared the same way everywhere.

For a handler ``expo.on_attendee_registered`` of ``registration``'s
``attendee_registered`` there are:

- ``evt-registration-attendee_registered--expo.on_attendee_registered``: the work queue
  (nameko's name), bound to the ``registration.events`` exchange;
- ``<work queue>.retry.<ms>``: one per retry delay; a failed message waits there, then
  expires back into the work queue;
- ``<work queue>.dlq``: parked messages, for an operator to inspect and replay.

Declare them all before any producer runs (``plenary declare``): a message published
to an exchange with no bound queue is gone.
"""

import inspect

from kombu import Connection, Queue

from plumbing.config import number_list
from plumbing.outbox import event_exchange

DELIVERY_LIMIT = 20


def work_queue_name(source_service, event_type, service_name, method_name):
    return f"evt-{source_service}-{event_type}--{service_name}.{method_name}"


def retry_delays_ms(config):
    return [int(ms) for ms in number_list(config, "EVENT_RETRY_DELAYS_MS")]


def _quorum(config):
    return config.get("QUEUE_TYPE", "quorum") == "quorum"


def _arguments(config, dead_letter_to=None, **extra):
    """Queue arguments: the queue type, and where RabbitMQ dead-letters to, if anywhere
    (at-least-once, which quorum queues support when they refuse publishes when full)."""
    arguments = dict(extra)
    if dead_letter_to:
        arguments.update(
            {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead_letter_to}
        )
    if _quorum(config):
        arguments["x-queue-type"] = "quorum"
        if dead_letter_to:
            arguments.update(
                {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}
            )
    return arguments


def work_queue(config, source_service, event_type, service_name, method_name):
    name = work_queue_name(source_service, event_type, service_name, method_name)
    # a message redelivered this often (its consumer keeps dying on it) is parked
    delivery_limit = {"x-delivery-limit": DELIVERY_LIMIT} if _quorum(config) else {}
    return Queue(
        name,
        exchange=event_exchange(source_service),
        routing_key=event_type,
        durable=True,
        queue_arguments=_arguments(config, dead_letter_queue_name(name), **delivery_limit),
    )


def retry_queue(config, work_queue_name_, delay_ms):
    """Where a failed message waits ``delay_ms``, then expires back into its work queue."""
    arguments = _arguments(config, work_queue_name_, **{"x-message-ttl": delay_ms})
    return Queue(f"{work_queue_name_}.retry.{delay_ms}", durable=True, queue_arguments=arguments)


def dead_letter_queue_name(work_queue_name_):
    return f"{work_queue_name_}.dlq"


def dead_letter_queue(config, work_queue_name_):
    return Queue(
        dead_letter_queue_name(work_queue_name_), durable=True, queue_arguments=_arguments(config)
    )


def queues_for_handler(config, source_service, event_type, service_name, method_name):
    main = work_queue(config, source_service, event_type, service_name, method_name)
    retries = [retry_queue(config, main.name, ms) for ms in retry_delays_ms(config)]
    return [main, *retries, dead_letter_queue(config, main.name)]


def event_handlers(service_cls):
    """(method_name, handler) for every reliable event handler of a service class."""
    from plumbing.consumer import ReliableEventHandler

    for name, method in inspect.getmembers(service_cls, callable):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, ReliableEventHandler):
                yield name, entrypoint


def service_queues(config, service_cls):
    queues = []
    for method_name, handler in event_handlers(service_cls):
        queues += queues_for_handler(
            config, handler.source_service, handler.event_type, service_cls.name, method_name
        )
    return queues


def declare(config, service_classes):
    """Declare every exchange, queue and binding the given services consume from."""
    with Connection(config["AMQP_URI"]) as connection:
        channel = connection.default_channel
        for service_cls in service_classes:
            for queue in service_queues(config, service_cls):
                queue(channel).declare()
