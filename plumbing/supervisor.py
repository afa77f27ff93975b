"""``plenary run <service> --processes N``: N processes of one service on one port.

One nameko process uses one core (eventlet: one OS thread). nameko's web server listens
with ``SO_REUSEPORT``, so N processes of the gateway can share its port and the kernel
spreads the connections between them. This parent starts the N children (``plenary run
<service> --processes 1``), restarts one that dies (at once if it had run a while, after
a growing pause if it keeps dying at start), and on SIGTERM or SIGINT passes SIGTERM to
all of them (nameko finishes the running workers), waits up to ``grace`` seconds and
kills what is left.

What the processes must share, they get from the parent's environment. A stream ticket
(``gateway/tickets.py``) issued by one process is redeemed by whichever the stream's
connection reaches: without a ``STREAM_TICKET_SECRET`` the parent makes one for all its
children (several pods still need one set: the Kubernetes Secret holds it). Spent
tickets and rate limits are counted in ``RATE_LIMIT_STORAGE_URI``: ``memory://`` is per
process, so with several, share Redis as every deployment here does.
"""

import logging
import os
import secrets
import signal
import subprocess
import sys
import time

log = logging.getLogger(__name__)

STEADY_SECONDS = 10  # a child that ran this long is restarted at once
MAX_PAUSE_SECONDS = 30
POLL_SECONDS = 0.2


def child_environment(service, environ):
    env = dict(environ)
    if service == "gateway" and not env.get("STREAM_TICKET_SECRET"):
        env["STREAM_TICKET_SECRET"] = secrets.token_hex(32)
    return env


class Supervisor:
    def __init__(self, command, processes, env, grace=30.0):
        self.command = command
        self.env = env
        self.grace = grace
        self.slots = [Slot(n) for n in range(processes)]
        self.stopping = False

    def run(self):
        """Until SIGTERM/SIGINT; returns the exit code (0 if every child stopped cleanly)."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.stop_soon)
        for slot in self.slots:
            self.spawn(slot)
        while not self.stopping:
            for slot in self.slots:
                self.watch(slot)
            time.sleep(POLL_SECONDS)
        return self.stop_all()

    def stop_soon(self, signum, _frame):
        log.info("signal %s: stopping %d processes", signum, len(self.slots))
        self.stopping = True

    def spawn(self, slot):
        slot.process = subprocess.Popen(self.command, env=self.env)
        slot.started = time.monotonic()
        slot.restart_at = None
        log.info("started process %d (pid %d)", slot.number + 1, slot.process.pid)

    def watch(self, slot):
        now = time.monotonic()
        if slot.restart_at is not None:
            if now >= slot.restart_at:
                self.spawn(slot)
            return
        code = slot.process.poll()
        if code is None:
            return
        if now - slot.started >= STEADY_SECONDS:
            slot.pause = 0.0
        else:  # dying at start: pause longer each time
            slot.pause = min(max(0.5, slot.pause * 2), MAX_PAUSE_SECONDS)
        log.warning(
            "process %d (pid %d) exited with %s; restarting in %.1f s",
            slot.number + 1,
            slot.process.pid,
            code,
            slot.pause,
        )
        slot.restart_at = now + slot.pause

    def stop_all(self):
        running = [s.process for s in self.slots if s.restart_at is None and s.process]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        codes = []
        for process in running:
            try:
                codes.append(process.wait(timeout=max(0.0, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                log.warning(
                    "process pid %d did not stop within %.0f s: killed", process.pid, self.grace
                )
                process.kill()
                codes.append(process.wait())
        return 0 if all(code in (0, -signal.SIGTERM) for code in codes) else 1


class Slot:
    """One of the N processes, across its restarts."""

    def __init__(self, number):
        self.number = number
        self.process = None
        self.started = 0.0
        self.pause = 0.0
        self.restart_at = None


def supervise(service, processes, environ=None, grace=30.0):
    command = [sys.executable, "-m", "plumbing.cli", "run", service, "--processes", "1"]
    env = child_environment(service, os.environ if environ is None else environ)
    return Supervisor(command, processes, env, grace).run()
