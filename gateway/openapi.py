"""``/v1/openapi.json``, generated from the route table and the marshmallow schemas."""

import functools
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway.http import ROUTES

PATH_PARAMETER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")

SECURITY_SCHEMES = {
    "attendee": {
        "type": "http",
        "scheme": "bearer",
        "description": "Attendee access token from registration or login.",
    },
    "exhibitor": {
        "type": "http",
        "scheme": "bearer",
        "description": "Exhibitor API key, issued when the organizer creates it.",
    },
    "organizer": {
        "type": "http",
        "scheme": "bearer",
        "description": "Organizer token from the deployment's configuration.",
    },
}

ERROR_TITLES = {
    400: "Malformed request",
    401: "Missing or invalid credentials",
    403: "Not allowed for this caller",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Validation failed",
    429: "Too many requests (see Retry-After)",
    503: "A backend service is unavailable",
}

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "object", "description": "field name -> messages"},
    },
    "required": ["type", "title", "status", "detail"],
}


@functools.cache
def openapi_document():
    spec = APISpec(
        title="Plenary API",
        version="1.0.0",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": "Virtual annual meeting and expo."},
    )
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    spec.components.schema("Problem", PROBLEM)
    paths = {}
    for route in ROUTES:
        path = PATH_PARAMETER.sub(r"{\1}", route.path)
        paths.setdefault(path, {})[route.method.lower()] = operation(route, path)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def operation(route, path):
    op = {
        "summary": route.summary,
        "tags": [route.tag],
        "operationId": f"{route.method.lower()}_{path.strip('/').replace('/', '_')}".replace(
            "{", ""
        )
        .replace("}", "")
        .replace(".", "_")
        .replace("-", "_"),
    }
    parameters = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in PATH_PARAMETER.findall(route.path)
    ]
    if route.query is not None:
        parameters.append({"in": "query", "schema": route.query})
    if parameters:
        op["parameters"] = parameters
    if route.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": route.body}},
        }
    if route.auth:
        op["security"] = [{route.auth: []}]
    success = {"description": "OK" if route.status != 201 else "Created"}
    if route.response is not None:
        schema = route.response(many=True) if route.many else route.response
        success["content"] = {"application/json": {"schema": schema}}
    responses = {str(route.status): success}
    for status in error_statuses(route):
        responses[str(status)] = {
            "description": ERROR_TITLES[status],
            "content": {"application/problem+json": {"schema": "Problem"}},
        }
    op["responses"] = responses
    return op


def error_statuses(route):
    statuses = set(route.errors)
    if route.body is not None:
        statuses |= {400, 413, 415, 422}
    if route.query is not None:
        statuses.add(422)
    if route.auth:
        statuses |= {401, 403}
    if route.tag != "ops":
        statuses.add(503)
    return sorted(statuses)
