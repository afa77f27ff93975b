"""The reference service for the ceilings: a constant ``@http`` route, an empty RPC and an
empty event handler (``GET /consumed`` counts its events), nothing else
(``python -m bench.ceiling_service AMQP_URI PORT``)."""

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import sys  # noqa: E402

from nameko.cli.run import run  # noqa: E402
from nameko.events import event_handler  # noqa: E402
from nameko.rpc import rpc  # noqa: E402
from nameko.web.handlers import http  # noqa: E402

from bench.ceilings import EVENT_SOURCE, EVENT_TYPE  # noqa: E402

BODY = '{"status":"ok"}'
consumed = [0]


class CeilingService:
    name = "bench_ceiling"

    @http("GET", "/constant")
    def constant(self, request):
        return 200, {"Content-Type": "application/json"}, BODY

    @rpc
    def ping(self):
        return None

    @event_handler(EVENT_SOURCE, EVENT_TYPE)
    def on_ping(self, payload):
        consumed[0] += 1

    @http("GET", "/consumed")
    def count_consumed(self, request):
        return 200, {"Content-Type": "text/plain"}, str(consumed[0])


if __name__ == "__main__":
    amqp_uri, port = sys.argv[1:3]
    run([CeilingService], {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"})
