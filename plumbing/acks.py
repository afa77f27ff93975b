"""Acks, requeues and RPC replies that survive a broker connection lost under them.

nameko 2.14 acks a message from the worker that handled it, on the connection it was
delivered on. When the broker goes away (restarted, a connection closed) the consumer
thread notices and reconnects, but a worker finishing meanwhile writes its ack to the
dead socket. nameko skips the ack if the connection is already marked closed and
catches py-amqp's ``ConnectionError`` — but a reset socket raises the *builtin*
``ConnectionResetError``/``BrokenPipeError`` (``OSError``), which py-amqp's class is not
a parent of. The error leaves the worker thread, and nameko kills the whole container
for it: every consumer, RPC and timer of the process stops (seen in the broker-restart
drill: the notifications and gateway containers died, mails were never sent and the
gateway answered 500 until restarted).

An ack that cannot reach the broker needs no retry: the broker requeues every message
unacked on a closed connection and delivers it again after the reconnect, and the
consumers are idempotent (``processed_events``), so the redelivery has no second effect.
The same holds for a requeue. An RPC reply that cannot be published is dropped with a
warning: its caller has a deadline (``RPC_TIMEOUT_SECONDS``, then 503), and the request
is still acked where that is possible — running it again for a caller that has given
up would only repeat its side effects.

``install()`` (``plenary run`` and the test suite call it) makes nameko's one queue
consumer class and the RPC consumer behave so; it is idempotent.
"""

import logging

import amqp
from kombu.exceptions import OperationalError
from nameko.messaging import QueueConsumer
from nameko.rpc import RpcConsumer

log = logging.getLogger(__name__)

# what py-amqp raises when the connection under a channel is gone: its own
# ConnectionError and the socket's OSError (reset, broken pipe, timed out)
LOST_CONNECTION = tuple(set(amqp.Connection.connection_errors))
# and what a kombu publish raises once its retries are spent
PUBLISH_FAILED = (*LOST_CONNECTION, OperationalError)


def ack_message(queue_consumer, message):
    """nameko's ack, except a lost connection is logged, not raised: the broker
    redelivers the message after the reconnect."""
    if not message.channel.connection:
        return  # already known to be closed: the broker has the message back
    try:
        message.ack()
    except LOST_CONNECTION as exc:
        log.warning(
            "could not ack message %s (%s: %s): the broker redelivers it after the reconnect",
            message.delivery_tag,
            type(exc).__name__,
            exc,
        )


def requeue_message(queue_consumer, message):
    """nameko's requeue, except a lost connection is logged, not raised (the broker
    requeues every message unacked on a closed connection by itself)."""
    if not message.channel.connection:
        return
    try:
        message.requeue()
    except LOST_CONNECTION as exc:
        log.warning(
            "could not requeue message %s (%s: %s): the broker requeues it itself",
            message.delivery_tag,
            type(exc).__name__,
            exc,
        )


_rpc_handle_result = RpcConsumer.handle_result


def rpc_handle_result(rpc_consumer, message, result, exc_info):
    """nameko's reply-then-ack, except a reply that cannot be published because the
    broker is away is dropped with a warning (the caller's deadline answers for it)."""
    try:
        return _rpc_handle_result(rpc_consumer, message, result, exc_info)
    except PUBLISH_FAILED as exc:
        log.warning(
            "could not send the reply to an RPC (%s: %s); the caller times out",
            type(exc).__name__,
            exc,
        )
        rpc_consumer.queue_consumer.ack_message(message)
        return result, exc_info


def install():
    QueueConsumer.ack_message = ack_message
    QueueConsumer.requeue_message = requeue_message
    RpcConsumer.handle_result = rpc_handle_result
