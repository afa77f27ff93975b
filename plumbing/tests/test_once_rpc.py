"""``@once_rpc``: a request the broker delivers again (its first delivery's connection
lost before the ack) has no second effect; another request does."""

import eventlet
import pytest
from kombu import Connection, Exchange
from nameko.constants import PERSISTENT

from plumbing.db import Database, create_db_engine, plumbing_metadata
from plumbing.rpc import once_rpc
from plumbing.testing import wait_until
from plumbing.tests.test_reliable_events import received, received_rows, recorder_metadata


class Mailer:
    name = "mailer"
    db = Database()

    @once_rpc
    def mail(self, attendee_id):
        self.db.execute(received.insert().values(event_id="-", attendee_id=attendee_id))


@pytest.fixture
def mailer(service_config, container_factory, tmp_path):
    url = f"sqlite:///{tmp_path}/mailer.db"
    engine = create_db_engine(url)
    plumbing_metadata.create_all(engine)
    recorder_metadata.create_all(engine)
    container = container_factory(Mailer, service_config("registration", DATABASE_URL=url))
    container.start()
    yield engine
    engine.dispose()


def request(amqp_uri, correlation_id, attendee_id):
    """An RPC request as nameko's proxy sends it (the reply goes nowhere: no caller)."""
    exchange = Exchange("nameko-rpc", type="topic", durable=True)
    with Connection(amqp_uri) as connection:
        connection.Producer().publish(
            {"args": [attendee_id], "kwargs": {}},
            exchange=exchange,
            routing_key="mailer.mail",
            serializer="json",
            delivery_mode=PERSISTENT,
            reply_to="nobody",
            correlation_id=correlation_id,
            declare=[exchange],
        )


def test_a_request_delivered_again_has_no_second_effect(rabbit_config, mailer):
    amqp_uri = rabbit_config["AMQP_URI"]
    request(amqp_uri, "call-1", "a-1")
    wait_until(lambda: received_rows(mailer), timeout=15)
    request(amqp_uri, "call-1", "a-1")  # the same request again
    request(amqp_uri, "call-2", "a-1")  # a second call: its own effect
    wait_until(lambda: len(received_rows(mailer)) >= 2, timeout=15)
    eventlet.sleep(0.5)
    assert [row.attendee_id for row in received_rows(mailer)] == ["a-1", "a-1"]
