"""nameko extensions of the notifications service."""

import eventlet
from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from plumbing.config import DEFAULTS


class PollingTimer(Timer):
    """A Timer whose interval is read from config at setup (nameko's takes a constant)."""

    def __init__(self, config_key, **kwargs):
        super().__init__(interval=None, **kwargs)
        self.config_key = config_key

    def setup(self):
        self.interval = float(self.container.config.get(self.config_key, DEFAULTS[self.config_key]))


polling_timer = PollingTimer.decorator


class GreenThreads(DependencyProvider):
    """A pool of green threads that outlive the worker that spawned them, so a timer
    tick never waits for the slowest of its jobs. Stopping waits for running jobs."""

    def __init__(self, size):
        self.size = size

    def setup(self):
        self.pool = eventlet.GreenPool(self.size)

    def stop(self):
        self.pool.waitall()

    def kill(self):
        for thread in list(self.pool.coroutines_running):
            thread.kill()

    def get_dependency(self, worker_ctx):
        return self.pool
