"""The gateway's read model: the public program and hall answered from memory, kept
current by the owning services' own events.

Each public read (``GET /v1/sessions?…``, ``/v1/exhibitors?…`` and friends) is asked of
its service once; the answer is kept, serialized, with its ETag, under the route and the
request's exact query string. A read is then a dict lookup, and an ``If-None-Match``
that matches is a 304 without any RPC. Because the kept body *is* the service's answer,
filters, cursors and pages are exactly the service's (nothing is re-implemented here).

What makes an answer stale is an event of its area (``AREAS``): the replica's own
exclusive queue, bound to those events, drops the area's answers as each arrives, and a
write through this replica drops them at once too (read-your-writes before the event).
An answer fetched while an event came in is not kept (the generation moved), and while
the queue is not consuming (start-up, a lost broker) nothing is kept or served from
memory: events could be missed, so every read asks the service as before. Entries also
expire after ``READ_MODEL_MAX_AGE_SECONDS`` in case an outbox relay is stalled.

The same queue carries the events that end checked attendee tokens
(``gateway.checked_tokens``).
"""

import contextlib
import gzip
import hashlib
import json
import logging
import time
import uuid
from collections import OrderedDict

import eventlet
from kombu import Connection, Queue, binding
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response

from contracts.events import expo as expo_events
from contracts.events import registration as registration_events
from contracts.events import sessions as session_events
from gateway.checked_tokens import CheckedTokens
from plumbing.outbox import event_exchange

log = logging.getLogger(__name__)

PROGRAM, HALL = "program", "hall"
# a kept route's ``kept=``: its area and the setting of its answers' max-age
KEPT_PROGRAM = (PROGRAM, "PROGRAM_CACHE_SECONDS")
KEPT_HALL = (HALL, "EXPO_CACHE_SECONDS")
# the events after which an area's kept answers are stale
AREAS = {
    PROGRAM: [
        session_events.SessionScheduled,
        session_events.SessionStarting,
        session_events.SessionStarted,
        session_events.SessionEnded,
        session_events.SessionUpdated,
        session_events.SessionCancelled,
        session_events.TrackCreated,
        session_events.EventDetailsUpdated,  # /v1/event, and the feeds named after it
    ],
    HALL: [expo_events.ExhibitorCreated, expo_events.ExhibitorUpdated],
}
# the events after which an attendee's checked tokens are checked again
TOKEN_EVENTS = [
    registration_events.TokenRevoked,
    registration_events.AttendeeUpdated,
    registration_events.AttendeeCancelled,
    registration_events.AttendeeErased,
]
MAX_ENTRIES = 2000  # per area: queries with free text could otherwise grow without end
RECONNECT_SECONDS = 1.0


class Kept:
    """One kept answer: the body as sent and its strong ETag; gzipped once, when a
    client that accepts it first asks."""

    __slots__ = ("body", "etag", "content_type", "kept_at", "_gzipped")

    def __init__(self, text, content_type):
        self.body = text.encode()  # encoded once, not per read
        self.etag = hashlib.sha256(self.body).hexdigest()[:32]
        self.content_type = content_type
        self.kept_at = time.monotonic()
        self._gzipped = None

    def gzipped(self):
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped


class Area:
    def __init__(self):
        self.entries = OrderedDict()
        self.generation = 0

    def stale(self):
        self.generation += 1
        self.entries.clear()


class ReadModel(DependencyProvider):
    """The kept public answers of this replica and the event queue that keeps them."""

    def setup(self):
        config = self.container.config
        self.amqp_uri = config["AMQP_URI"]
        self.max_age = float(config["READ_MODEL_MAX_AGE_SECONDS"])
        self.areas = {name: Area() for name in AREAS}
        self.tokens = CheckedTokens(float(config["ATTENDEE_TOKEN_CACHE_SECONDS"]))
        self.consuming = False
        self.running = False
        self.consumer = None

    def start(self):
        self.running = True
        self.consumer = self.container.spawn_managed_thread(self.consume, identifier="reads")

    def stop(self):
        self.running = False
        self.set_consuming(False)
        if self.consumer is not None:
            self.consumer.kill()

    kill = stop

    def get_dependency(self, worker_ctx):
        return self

    # -- answers ---------------------------------------------------------------------

    def answer(self, kept_as, request, fetch, content_type="application/json"):
        """The kept answer for the request's path and query as a response (a 304 when
        If-None-Match has it), else ``fetch()`` (the RPC) kept and answered; ``kept_as``
        is the route's ``kept`` (KEPT_PROGRAM, KEPT_HALL)."""
        response = self.kept_response(kept_as, request)
        if response is not None:
            return response
        area, max_age_setting = kept_as
        generation = self.areas[area].generation
        body = fetch()
        kept = Kept(body if isinstance(body, str) else json.dumps(body), content_type)
        self.keep(area, request.full_path, kept, generation)
        return respond(request, kept, int(self.container.config[max_age_setting]))

    def kept_response(self, kept_as, request):
        """The kept answer for the request's path and query as a response, or None."""
        area, max_age_setting = kept_as
        kept = self.lookup(area, request.full_path)
        if kept is None:
            return None
        return respond(request, kept, int(self.container.config[max_age_setting]))

    def lookup(self, area, key):
        if not self.consuming:
            return None
        entries = self.areas[area].entries
        kept = entries.get(key)
        if kept is None or time.monotonic() - kept.kept_at > self.max_age:
            return None
        entries.move_to_end(key)
        return kept

    def keep(self, area, key, kept, generation):
        target = self.areas[area]
        if not self.consuming or target.generation != generation:
            return  # an event came in meanwhile: this answer may predate it
        target.entries[key] = kept
        target.entries.move_to_end(key)
        while len(target.entries) > MAX_ENTRIES:
            target.entries.popitem(last=False)

    def changed(self, area):
        """A write through this replica: its area's answers are stale now."""
        self.areas[area].stale()

    # -- the replica's event queue ---------------------------------------------------

    def queue(self):
        bindings = [
            binding(event_exchange(schema.source_service), routing_key=schema.event_type)
            for schema in [*(s for schemas in AREAS.values() for s in schemas), *TOKEN_EVENTS]
        ]
        return Queue(
            f"reads-gateway-{uuid.uuid4().hex}",
            bindings=bindings,
            exclusive=True,
            auto_delete=True,
            durable=False,
        )

    def consume(self):
        while self.running:
            try:
                with (
                    Connection(self.amqp_uri) as connection,
                    connection.Consumer(
                        self.queue(),
                        callbacks=[self.dispatch],
                        accept=["json"],
                        no_ack=True,
                        on_decode_error=self.drop_undecodable,
                    ),
                ):
                    self.all_stale()  # what happened before the queue was bound is unknown
                    self.set_consuming(True)
                    while self.running:
                        with contextlib.suppress(TimeoutError):
                            connection.drain_events(timeout=1)
            except Exception as exc:  # the broker went away: bind a new queue
                log.warning("read model queue lost (%s); reconnecting", exc)
            self.set_consuming(False)
            self.all_stale()
            eventlet.sleep(RECONNECT_SECONDS)

    def set_consuming(self, consuming):
        self.consuming = self.tokens.usable = consuming

    def all_stale(self):
        for area in self.areas.values():
            area.stale()
        self.tokens.forget()

    def drop_undecodable(self, message, exc):
        log.warning("dropping an undecodable event: %s", exc)

    def dispatch(self, body, message):
        event_type = message.delivery_info.get("routing_key")
        for area, schemas in AREAS.items():
            if any(schema.event_type == event_type for schema in schemas):
                self.areas[area].stale()
        if any(schema.event_type == event_type for schema in TOKEN_EVENTS):
            data = body.get("data") if isinstance(body, dict) else None
            data = data if isinstance(data, dict) else {}
            attendee_id, token_hash = data.get("attendee_id"), data.get("token_hash")
            if not isinstance(attendee_id, str):
                self.tokens.forget()  # an event we cannot read ends every kept token
            elif isinstance(token_hash, str):
                self.tokens.forget(token_hash=token_hash)
            else:
                self.tokens.forget(attendee_id)


# smaller answers gain less from gzip than it costs the client to unpack them
GZIP_MIN_BYTES = 1024


def respond(request, kept, max_age):
    """The kept answer, gzipped for a client that accepts it (a 50-session page: 35 kB
    as JSON, a sixth of that gzipped), or 304 when If-None-Match names it."""
    if len(kept.body) >= GZIP_MIN_BYTES and request.accept_encodings["gzip"]:
        response = Response(kept.gzipped(), content_type=kept.content_type)
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(f"{kept.etag}-gzip")  # another representation, another tag
    else:
        response = Response(kept.body, content_type=kept.content_type)
        response.set_etag(kept.etag)
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response.make_conditional(request)
