"""A RabbitMQ node of the drill's own (AMQP 5673, management 15673), so a drill can stop
and start a broker without touching the machine's shared one (STACK.md)."""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from drills.procs import listening, wait_until

NODE = "drill@localhost"
AMQP_PORT = 5673
MANAGEMENT_PORT = 15673
DIST_PORT = 25673


class BrokerNode:
    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="plenary-drill-broker-"))
        self.directory.chmod(0o777)  # rabbitmq-server drops to the rabbitmq user when root
        (self.directory / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = {AMQP_PORT}\n"
            f"management.tcp.port = {MANAGEMENT_PORT}\n"
            "loopback_users = none\n"
        )
        (self.directory / "enabled_plugins").write_text("[rabbitmq_management].\n")
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": NODE,
            "RABBITMQ_DIST_PORT": str(DIST_PORT),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq"),
            "RABBITMQ_PID_FILE": str(self.directory / "pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
        }

    amqp_host_port = f"127.0.0.1:{AMQP_PORT}"
    management_url = f"http://127.0.0.1:{MANAGEMENT_PORT}"

    def start(self):
        if listening(AMQP_PORT):
            self.ctl("stop")  # a node left behind by an interrupted run
            wait_until(lambda: not listening(AMQP_PORT), 30, "old drill broker gone")
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env, check=True, timeout=30)
        self.wait_up()
        return self

    def wait_up(self, timeout=60):
        wait_until(self._api_up, timeout, "drill broker up", interval=0.5)

    def _api_up(self):
        try:
            return requests.get(
                f"{self.management_url}/api/overview", auth=("guest", "guest"), timeout=2
            ).ok
        except requests.RequestException:
            return False

    def ctl(self, *args, timeout=60):
        return subprocess.run(
            ["rabbitmqctl", "-n", NODE, *args],
            env=self.env,
            timeout=timeout,
            capture_output=True,
            text=True,
        )

    def stop_app(self):
        self.ctl("stop_app")

    def start_app(self):
        self.ctl("start_app")
        wait_until(lambda: listening(AMQP_PORT), 60, "drill broker accepting")

    def stop(self):
        self.ctl("stop")
        deadline = time.monotonic() + 30
        while listening(AMQP_PORT) and time.monotonic() < deadline:
            time.sleep(0.2)
        shutil.rmtree(self.directory, ignore_errors=True)
