"""Errors as RFC 9457 problem details: ``application/problem+json``."""

import json

from werkzeug.wrappers import Response

PROBLEM_TYPE_BASE = "/problems/"


class HttpProblem(Exception):
    """Raise to answer with a problem body; ``errors`` maps field -> messages."""

    def __init__(self, status, title, detail="", slug=None, errors=None, headers=None):
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.slug = slug or title.lower().replace(" ", "-")
        self.errors = errors or {}
        self.headers = headers or {}


def problem_response(status, title, detail="", slug=None, errors=None, instance=None, headers=None):
    body = {
        "type": PROBLEM_TYPE_BASE + (slug or title.lower().replace(" ", "-")),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/problem+json"
    )


def unauthorized(detail="A valid bearer token is required."):
    return HttpProblem(
        401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="plenary"'}
    )


def forbidden(detail="This token may not act on this resource."):
    return HttpProblem(403, "Forbidden", detail)


def invalid(errors, detail="The request is not valid."):
    return HttpProblem(422, "Validation failed", detail, slug="validation-error", errors=errors)
