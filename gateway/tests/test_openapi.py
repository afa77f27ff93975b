"""The published OpenAPI document is valid OpenAPI 3.1 and covers every route."""

from openapi_spec_validator import validate

from gateway import service  # noqa: F401  (imports every route module)
from gateway.http import ROUTES
from gateway.openapi import openapi_document


def test_the_document_is_valid_openapi():
    validate(openapi_document())


def test_every_route_has_its_operation_security_and_problem_responses():
    paths = openapi_document()["paths"]
    for route in ROUTES:
        operation = paths[route.path.replace("<", "{").replace(">", "}")][route.method.lower()]
        assert operation["summary"] == route.summary
        if route.auth:
            assert operation["security"] == [{route.auth: []}]
            assert {"401", "403"} <= set(operation["responses"])
        if route.body is not None:
            assert {"400", "413", "415", "422"} <= set(operation["responses"])
