from nameko.containers import ServiceContainer
from nameko.web.handlers import HttpRequestHandler

from plumbing.service import PlenaryService


class Probe(PlenaryService):
    name = "probe"


def test_a_service_inherits_the_providers_and_ops_endpoints_of_the_base():
    container = ServiceContainer(Probe, {"AMQP_URI": "memory://"})
    dependencies = {dependency.attr_name for dependency in container.dependencies}
    assert dependencies == {"config", "db", "outbox", "observability"}
    routes = {
        entrypoint.url
        for entrypoint in container.entrypoints
        if isinstance(entrypoint, HttpRequestHandler)
    }
    assert routes == {"/healthz", "/readyz", "/metrics"}
