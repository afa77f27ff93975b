"""``/v1/openapi.json``, generated from the route table and the marshmallow schemas."""

import functools
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from contracts.enums import TICKET_TYPES
from gateway.field_schemas import add_schema_rules, field_constraints
from gateway.http import ROUTES
from plumbing.fields import MAX_ID_LENGTH

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
    414: "URI too long (more than 64 KiB)",
    415: "Body is not JSON",
    422: "Validation failed",
    429: "Too many requests (see Retry-After)",
    503: "A backend service is unavailable",
}

# a path parameter as the services check it: an id is a non-empty string of at most
# MAX_ID_LENGTH characters without NUL (one that names nothing is a 404)
ID_PARAMETER = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_ID_LENGTH,
    "pattern": "^[^\\u0000]+$",
}
PATH_PARAMETERS = {"ticket_type": {"type": "string", "enum": list(TICKET_TYPES)}}

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


WEBHOOKS_DESCRIPTION = (
    "Exhibitors receive lead and meeting events on their own servers, signed per Standard "
    "Webhooks (headers webhook-id, webhook-timestamp, webhook-signature) and retried for "
    "at least a day. Body: {type, timestamp, data}. GDPR (Art. 17 and 19): when an "
    "attendee withdraws consent to share with exhibitors, or is erased, every endpoint "
    "that was sent one of their leads receives lead.withdrawn or lead.erased (whatever it "
    "subscribed to), carrying only lead_id and exhibitor_id: the receiver must then "
    "delete that lead and every copy of the person's data it made. The deliveries that "
    "named the person are deleted here: they are no longer listed and cannot be retried "
    "(404)."
)
LEAD_NOTICE = {
    "type": "object",
    "required": ["type", "timestamp", "data"],
    "properties": {
        "type": {"type": "string", "enum": ["lead.withdrawn", "lead.erased"]},
        "timestamp": {"type": "string", "format": "date-time"},
        "data": {
            "type": "object",
            "required": ["lead_id", "exhibitor_id"],
            "properties": {"lead_id": {"type": "string"}, "exhibitor_id": {"type": "string"}},
        },
    },
}


def lead_notice_webhook(kind):
    return {
        "post": {
            "summary": f"The lead's attendee {kind}: delete the lead (GDPR Art. 19)",
            "tags": ["webhooks"],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": LEAD_NOTICE}},
            },
            "responses": {"200": {"description": "Any 2xx: received; else retried"}},
        }
    }


@functools.cache
def openapi_document():
    marshmallow = MarshmallowPlugin()
    spec = APISpec(
        title="Plenary API",
        version="1.0.0",
        openapi_version="3.1.0",
        plugins=[marshmallow],
        info={"description": "Virtual annual meeting and expo."},
    )
    marshmallow.converter.add_attribute_function(field_constraints)
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    spec.components.schema("Problem", PROBLEM)
    spec.tag({"name": "webhooks", "description": WEBHOOKS_DESCRIPTION})
    paths = {}
    for route in ROUTES:
        path = PATH_PARAMETER.sub(r"{\1}", route.path)
        paths.setdefault(path, {})[route.method.lower()] = operation(route, path)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    # what Plenary sends to exhibitors' servers (OpenAPI 3.1 webhooks)
    document["webhooks"] = {
        "lead.withdrawn": lead_notice_webhook("withdrew consent to share with exhibitors"),
        "lead.erased": lead_notice_webhook("was erased"),
    }
    add_schema_rules(document, marshmallow.schema_name_resolver)
    return document


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
        {
            "in": "path",
            "name": name,
            "required": True,
            "schema": route.path_schemas.get(name) or PATH_PARAMETERS.get(name, ID_PARAMETER),
        }
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
    statuses = set(route.errors) | {414}
    if route.body is not None:
        statuses |= {400, 413, 415, 422}
    if route.query is not None:
        statuses.add(422)
        if "cursor" in route.query().fields:
            statuses.add(404)  # a well-formed cursor this list did not hand out
    if PATH_PARAMETER.search(route.path):
        statuses |= {404, 422}
    if route.auth:
        statuses |= {401, 403}
    if route.tag != "ops":
        statuses.add(503)
    return sorted(statuses)
