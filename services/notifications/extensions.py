"""Nameko extensions of the notifications service."""

import logging
import time
from collections import Counter, defaultdict

import eventlet
from kombu import Exchange
from nameko.amqp.publish import get_producer
from nameko.extensions import DependencyProvider

from contracts import live

log = logging.getLogger(__name__)

# the gateways' live streams (contracts/live.py)
LIVE_EXCHANGE = Exchange(**live.EXCHANGE)


class GreenThreads(DependencyProvider):
    """A pool of green threads that outlive the worker that spawned them, so a timer
    tick never waits for the slowest of its jobs. Each job has a key (its webhook
    endpoint): ``running[key]`` counts its jobs, ``slow(seconds)`` names the keys with a
    job running longer than that, so the scheduler can keep one slow endpoint from
    taking the pool. The pool's size is the config key ``size_config_key``. Stopping
    waits for running jobs."""

    def __init__(self, size_config_key):
        self.size_config_key = size_config_key

    def setup(self):
        self.size = int(self.container.config[self.size_config_key])
        self.pool = eventlet.GreenPool(self.size)
        self.running = Counter()
        self.started = defaultdict(list)  # key -> monotonic start of each running job

    def stop(self):
        self.pool.waitall()

    def kill(self):
        for thread in list(self.pool.coroutines_running):
            thread.kill()

    def get_dependency(self, worker_ctx):
        return self

    def free(self):
        return self.pool.free()

    def slow(self, seconds):
        oldest_allowed = time.monotonic() - seconds
        return {
            key for key, starts in self.started.items() if starts and starts[0] < oldest_allowed
        }

    def spawn(self, key, function, *args):
        self.running[key] += 1
        start = time.monotonic()
        self.started[key].append(start)
        self.pool.spawn(function, *args).link(self._done, key, start)

    def _done(self, thread, key, start):
        self.running[key] -= 1
        self.started[key].remove(start)
        if self.running[key] <= 0:
            del self.running[key]
            del self.started[key]


class LivePublisher(DependencyProvider):
    """``self.live.send(message)`` during a worker; published once the worker's
    transaction has committed (never for a worker that failed)."""

    def setup(self):
        self.amqp_uri = self.container.config["AMQP_URI"]
        self.pending = {}

    def get_dependency(self, worker_ctx):
        messages = self.pending[worker_ctx] = []
        return _Live(messages)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        messages = self.pending.pop(worker_ctx, [])
        if exc_info is not None or not messages:
            return
        try:
            with get_producer(self.amqp_uri) as producer:
                for message in messages:
                    producer.publish(
                        message,
                        exchange=LIVE_EXCHANGE,
                        routing_key="live",
                        serializer="json",
                        declare=[LIVE_EXCHANGE],
                        retry=True,
                        retry_policy={"max_retries": 3},
                    )
        except Exception:  # best effort: streams catch up from the feed on reconnect
            log.warning("could not publish %d live message(s)", len(messages), exc_info=True)

    def worker_teardown(self, worker_ctx):
        self.pending.pop(worker_ctx, None)


class _Live:
    def __init__(self, messages):
        self._messages = messages

    def send(self, message):
        self._messages.append(message)
