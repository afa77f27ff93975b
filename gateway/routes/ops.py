import json

from kombu import Connection
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Response

from gateway.http import api
from gateway.openapi import openapi_document


class OpsRoutes:
    @api("GET", "/healthz", "Liveness: the process serves requests", "ops")
    def healthz(self, request):
        return {"status": "ok"}

    @api("GET", "/readyz", "Readiness: RabbitMQ is reachable", "ops")
    def readyz(self, request):
        try:
            with Connection(self.config["AMQP_URI"], connect_timeout=2) as connection:
                connection.ensure_connection(max_retries=1)
        except Exception as exc:
            return 503, {"status": "unavailable", "detail": type(exc).__name__}
        return {"status": "ready"}

    @api("GET", "/metrics", "Prometheus metrics", "ops")
    def metrics(self, request):
        return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)

    @api("GET", "/v1/openapi.json", "This API's OpenAPI document", "ops")
    def openapi(self, request):
        return Response(json.dumps(openapi_document()), content_type="application/json")
