"""An ack written to a connection the broker has just reset (plumbing/acks.py): the
container lives on, the broker redelivers the message, the effect happens once."""

import json
import socket

import eventlet
import pytest
from kombu.message import Message
from nameko.rpc import RpcConsumer

from plumbing import acks
from plumbing.db import create_db_engine, plumbing_metadata
from plumbing.testing import wait_until
from plumbing.tests.test_reliable_events import (
    WORK_QUEUE,
    Recorder,
    an_event,
    failures,
    publish_raw,
    queue_depth,
    received_rows,
    recorder_metadata,
)
from plumbing.topology import declare


@pytest.fixture(autouse=True)
def reset_failures():
    failures.update(remaining=0, delay=0)


@pytest.fixture
def recorder_container(service_config, container_factory, tmp_path):
    url = f"sqlite:///{tmp_path}/recorder.db"
    engine = create_db_engine(url)
    plumbing_metadata.create_all(engine)
    recorder_metadata.create_all(engine)
    config = service_config("registration", DATABASE_URL=url, SERVICE_NAME="recorder")
    declare(config, [Recorder])
    container = container_factory(Recorder, config)
    container.start()
    yield container, engine
    engine.dispose()


@pytest.fixture
def first_ack_on_a_reset_socket(monkeypatch):
    """The first ack finds its socket gone (the broker went away under the handler):
    the write raises an OSError, as a reset connection's does."""
    real_ack = Message.ack
    broken = []

    def ack(message, multiple=False):
        if not broken:
            broken.append(message.delivery_tag)
            message.channel.connection.sock.shutdown(socket.SHUT_RDWR)
        return real_ack(message, multiple=multiple)

    monkeypatch.setattr(Message, "ack", ack)
    return broken


def test_an_ack_on_a_lost_connection_kills_nothing_and_the_redelivery_has_no_effect(
    rabbit_config, recorder_container, first_ack_on_a_reset_socket
):
    container, engine = recorder_container
    amqp_uri = rabbit_config["AMQP_URI"]
    publish_raw(amqp_uri, json.dumps(an_event("a-1")))
    wait_until(lambda: first_ack_on_a_reset_socket, timeout=15)
    # the consumer reconnects; the broker delivers the unacked message again, and the
    # handler's processed_events row makes that delivery a duplicate
    publish_raw(amqp_uri, json.dumps(an_event("a-2")))
    wait_until(lambda: len(received_rows(engine)) >= 2, timeout=30)
    wait_until(lambda: queue_depth(amqp_uri, WORK_QUEUE) == 0, timeout=15)
    eventlet.sleep(0.5)
    assert not container._died.ready(), "the container died of the failed ack"
    assert sorted(row.attendee_id for row in received_rows(engine)) == ["a-1", "a-2"]


def test_a_reply_that_cannot_be_sent_is_dropped_and_the_request_acked(monkeypatch):
    def broker_away(*args, **kwargs):
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(acks, "_rpc_handle_result", broker_away)
    acked = []

    class QueueConsumer:
        def ack_message(self, message):
            acked.append(message)

    class Consumer:
        queue_consumer = QueueConsumer()

    result = RpcConsumer.handle_result(Consumer(), "request", {"ok": True}, None)
    assert result == ({"ok": True}, None)
    assert acked == ["request"]


def test_install_covers_nameko_queue_and_rpc_consumers():
    from nameko.messaging import QueueConsumer

    acks.install()
    assert QueueConsumer.ack_message is acks.ack_message
    assert QueueConsumer.requeue_message is acks.requeue_message
    assert RpcConsumer.handle_result is acks.rpc_handle_result
