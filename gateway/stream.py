"""Live notification streams: server-sent events to the attendees connected to this
gateway replica.

The notifications service publishes a live message per new feed batch and per chat
message to the ``notifications.live`` fanout exchange (both described in
``contracts.live``). Each gateway replica binds its own exclusive, auto-delete queue to
it and hands every valid message to the local streams it concerns: feed items to their
attendee, chat messages to the streams following that session, direct messages to the streams
of their sender and recipient; a malformed one is
logged and dropped. A stream's body is a generator that eventlet's WSGI server writes
out after the request's worker has finished, so an open stream holds a connection, not
a worker.

Feed events carry the notification id as their SSE ``id``; a client reconnecting with
``Last-Event-ID`` first gets what it missed (asked of notifications by RPC), then the
live ones. A client too slow to keep up is disconnected and so resumes the same way.
"""

import contextlib
import json
import logging
import uuid
from collections import defaultdict

import eventlet
from eventlet.queue import Empty, LightQueue
from kombu import Connection, Exchange, Queue
from nameko.extensions import DependencyProvider

from contracts import live
from gateway.problems import HttpProblem

log = logging.getLogger(__name__)

LIVE_EXCHANGE = Exchange(**live.EXCHANGE)
STREAM_BUFFER = 500  # messages a stream may have waiting before it is dropped
RECONNECT_SECONDS = 1.0


def sse(event, data, event_id=None):
    lines = [f"id: {event_id}"] if event_id else []
    lines += [f"event: {event}", f"data: {json.dumps(data, separators=(',', ':'))}"]
    return ("\n".join(lines) + "\n\n").encode()


class Stream:
    def __init__(self, attendee_id, session_ids):
        self.attendee_id = attendee_id
        self.session_ids = frozenset(session_ids)
        self.queue = LightQueue(STREAM_BUFFER)
        self.sent_ids = set()  # backlog items, not to be sent again when they come live

    def offer(self, chunk):
        """Queue ``chunk``; a full queue (a stalled client) closes the stream."""
        try:
            self.queue.put_nowait(chunk)
        except eventlet.queue.Full:
            self.close()

    def close(self):
        while True:  # make room for the end marker
            try:
                self.queue.put_nowait(None)
                return
            except eventlet.queue.Full:
                self.queue.get_nowait()


class LiveStreams(DependencyProvider):
    """The streams open on this replica, fed from this replica's live queue."""

    def setup(self):
        config = self.container.config
        self.amqp_uri = config["AMQP_URI"]
        self.max_streams = int(config["STREAM_MAX_CONNECTIONS"])
        self.keepalive = float(config["STREAM_KEEPALIVE_SECONDS"])
        self.by_attendee = defaultdict(set)
        self.by_session = defaultdict(set)
        self.open_streams = 0
        self.running = False
        self.consumer = None

    def start(self):
        self.running = True
        self.consumer = self.container.spawn_managed_thread(self.consume, identifier="live")

    def stop(self):
        self.running = False
        for streams in list(self.by_attendee.values()):
            for stream in list(streams):
                stream.close()
        if self.consumer is not None:
            self.consumer.kill()

    kill = stop

    def get_dependency(self, worker_ctx):
        return self

    # -- the replica's live queue ----------------------------------------------------

    def consume(self):
        queue = Queue(
            f"live-gateway-{uuid.uuid4().hex}",
            exchange=LIVE_EXCHANGE,
            exclusive=True,
            auto_delete=True,
            durable=False,
        )
        while self.running:
            try:
                with (
                    Connection(self.amqp_uri) as connection,
                    connection.Consumer(
                        queue,
                        callbacks=[self.dispatch],
                        accept=["json"],
                        no_ack=True,
                        on_decode_error=self.drop_undecodable,
                    ),
                ):
                    while self.running:
                        with contextlib.suppress(TimeoutError):
                            connection.drain_events(timeout=1)
            except Exception as exc:  # the broker went away: bind a new queue
                log.warning("live queue lost (%s); reconnecting", exc)
            eventlet.sleep(RECONNECT_SECONDS)

    def drop_undecodable(self, message, exc):
        log.warning("dropping an undecodable live message: %s", exc)

    def dispatch(self, body, message):
        errors = live.errors(body)
        if errors:  # one bad message must not take the replica's live queue down
            log.warning("dropping a malformed live message: %s", errors)
            return
        if body["type"] == "notification":
            template = body["notification"]
            for attendee_id, notification_id in body["recipients"].items():
                for stream in list(self.by_attendee.get(attendee_id, ())):
                    if notification_id not in stream.sent_ids:
                        item = {**template, "id": notification_id}
                        stream.offer(sse("notification", item, notification_id))
        elif body["type"] == "direct_message":
            for attendee_id in body["attendee_ids"]:
                for stream in list(self.by_attendee.get(attendee_id, ())):
                    stream.offer(sse("direct_message", body["message"]))
        else:
            for stream in list(self.by_session.get(body["session_id"], ())):
                stream.offer(sse("message", body["message"]))

    # -- streams ---------------------------------------------------------------------

    def open(self, attendee_id, session_ids):
        """Register a stream before its backlog is read, so nothing falls in between."""
        if self.open_streams >= self.max_streams:
            raise HttpProblem(
                503, "Too many streams", "This server has no room for another live stream."
            )
        stream = Stream(attendee_id, session_ids)
        self.open_streams += 1
        self.by_attendee[attendee_id].add(stream)
        for session_id in stream.session_ids:
            self.by_session[session_id].add(stream)
        return stream

    def close(self, stream):
        self.open_streams -= 1
        for index, key in [(self.by_attendee, stream.attendee_id)] + [
            (self.by_session, session_id) for session_id in stream.session_ids
        ]:
            index[key].discard(stream)
            if not index[key]:
                del index[key]

    def body(self, stream, backlog):
        """The response body: the backlog, then live events and keepalive comments."""
        try:
            yield b"retry: 3000\n\n"
            for item in backlog:
                stream.sent_ids.add(item["id"])
                yield sse("notification", item, item["id"])
            while True:
                try:
                    chunk = stream.queue.get(timeout=self.keepalive)
                except Empty:
                    yield b": keepalive\n\n"
                    continue
                if chunk is None:
                    return
                yield chunk
        finally:
            self.close(stream)
