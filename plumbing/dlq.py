"""Operator tooling for dead-lettered messages (pika: a plain AMQP client is enough).

    plenary dlq list                     every *.dlq queue with its message count
    plenary dlq show QUEUE [--limit N]   headers, error and body of parked messages
    plenary dlq replay QUEUE [--limit N] send parked messages back to their work queue
    plenary dlq purge QUEUE --yes        drop parked messages for good

``show`` leaves the messages where they are; ``replay`` moves each one with a
publisher confirm before acking it, so a crash mid-replay duplicates, never loses.
"""

import json
import os
import sys
from urllib.parse import quote, urlparse

import pika
import requests

from plumbing.consumer import ATTEMPT_HEADER, ERROR_HEADER, ORIGIN_HEADER


def amqp_uri():
    return os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/").replace(
        "pyamqp://", "amqp://"
    )


def management_uri():
    return os.environ.get("RABBITMQ_API_URI", "http://guest:guest@127.0.0.1:15672")


def vhost():
    return urlparse(amqp_uri()).path.lstrip("/") or "/"


def list_dead_letter_queues():
    """[(queue, messages)] for every parked-message queue in the vhost."""
    api = urlparse(management_uri())
    base = f"{api.scheme}://{api.hostname}:{api.port or 15672}"
    response = requests.get(
        f"{base}/api/queues/{quote(vhost(), safe='')}",
        auth=(api.username or "guest", api.password or "guest"),
        timeout=10,
    )
    response.raise_for_status()
    return sorted(
        (q["name"], q.get("messages", 0)) for q in response.json() if q["name"].endswith(".dlq")
    )


def _channel():
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri()))
    return connection, connection.channel()


def peek(queue, limit):
    """Read up to ``limit`` parked messages without removing them."""
    connection, channel = _channel()
    messages = []
    try:
        for _ in range(limit):
            method, properties, body = channel.basic_get(queue, auto_ack=False)
            if method is None:
                break
            messages.append({"headers": properties.headers or {}, "body": body})
    finally:
        connection.close()  # unacked messages return to the queue
    return messages


def replay(queue, limit):
    """Move up to ``limit`` parked messages back to their work queue; returns count."""
    connection, channel = _channel()
    channel.confirm_delivery()
    moved = 0
    try:
        while moved < limit:
            method, properties, body = channel.basic_get(queue, auto_ack=False)
            if method is None:
                break
            headers = dict(properties.headers or {})
            target = headers.get(ORIGIN_HEADER) or queue.removesuffix(".dlq")
            headers[ATTEMPT_HEADER] = 0
            headers.pop(ERROR_HEADER, None)
            properties.headers = headers
            channel.basic_publish("", target, body, properties, mandatory=True)
            channel.basic_ack(method.delivery_tag)
            moved += 1
    finally:
        connection.close()
    return moved


def purge(queue):
    connection, channel = _channel()
    try:
        return channel.queue_purge(queue).method.message_count
    finally:
        connection.close()


def _show(args):
    for message in peek(args.queue, args.limit):
        headers = {
            k: v for k, v in message["headers"].items() if isinstance(v, (str, int, float, bool))
        }
        body = message["body"][:2000].decode("utf-8", "replace")
        print(json.dumps({"headers": headers, "body": body}, indent=2))


def _run(args):
    if args.action == "list":
        for name, count in list_dead_letter_queues():
            print(f"{count:8d}  {name}")
    elif args.action == "show":
        _show(args)
    elif args.action == "replay":
        print(f"replayed {replay(args.queue, args.limit)} message(s) from {args.queue}")
    elif args.action == "purge":
        if not args.yes:
            sys.exit("purge drops messages for good: add --yes")
        print(f"purged {purge(args.queue)} message(s) from {args.queue}")


def add_commands(subparsers):
    parser = subparsers.add_parser("dlq", help="dead-letter queues: list, show, replay, purge")
    parser.add_argument("action", choices=["list", "show", "replay", "purge"])
    parser.add_argument("queue", nargs="?")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--yes", action="store_true")
    parser.set_defaults(func=_run)
