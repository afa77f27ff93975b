"""A nameko extension of the notifications service."""

import eventlet
from nameko.extensions import DependencyProvider


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
