"""``plenary dlq``: an operator lists, inspects and replays parked messages."""

import json

from kombu import Connection, Queue

from plumbing.cli import main
from plumbing.consumer import ATTEMPT_HEADER, ERROR_HEADER, ORIGIN_HEADER
from plumbing.testing import wait_until

WORK = "evt-registration-attendee_registered--expo.on_attendee_registered"
PARKED = f"{WORK}.dlq"


def park(amqp_uri, body):
    """A message as ReliableEventHandler.park leaves it."""
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        for name in (WORK, PARKED):
            Queue(name, durable=True)(channel).declare()
        connection.Producer().publish(
            body,
            routing_key=PARKED,
            serializer="json",
            headers={ATTEMPT_HEADER: 3, ERROR_HEADER: "failed 3 times: boom", ORIGIN_HEADER: WORK},
        )


def queue_depth(amqp_uri, name):
    with Connection(amqp_uri) as connection:
        queue = Queue(name, durable=True)(connection.default_channel)
        return queue.queue_declare(passive=True).message_count


def test_list_show_and_replay(rabbit_config, pytestconfig, monkeypatch, capsys):
    amqp_uri = rabbit_config["AMQP_URI"]
    monkeypatch.setenv("AMQP_URI", amqp_uri)
    monkeypatch.setenv("RABBITMQ_API_URI", pytestconfig.getoption("RABBIT_API_URI"))
    park(amqp_uri, {"id": "evt-1", "type": "attendee_registered"})

    def listed():
        main(["dlq", "list"])
        return capsys.readouterr().out.split()

    # the management API's counts lag a few seconds behind the queue
    wait_until(lambda: listed() == ["1", PARKED], timeout=20, interval=0.5)

    main(["dlq", "show", PARKED])
    shown = json.loads(capsys.readouterr().out)
    assert shown["headers"][ERROR_HEADER] == "failed 3 times: boom"
    assert json.loads(shown["body"])["id"] == "evt-1"
    assert queue_depth(amqp_uri, PARKED) == 1  # show leaves it parked

    main(["dlq", "replay", PARKED])
    assert "replayed 1 message(s)" in capsys.readouterr().out
    assert queue_depth(amqp_uri, PARKED) == 0
    assert queue_depth(amqp_uri, WORK) == 1
    with Connection(amqp_uri) as connection:
        message = connection.SimpleQueue(WORK).get(timeout=5)
        assert message.headers[ATTEMPT_HEADER] == 0 and ERROR_HEADER not in message.headers
        assert message.payload["id"] == "evt-1"
        message.ack()
