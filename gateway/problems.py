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
        self.detail = detail or title
        self.slug = slug or title.lower().replace(" ", "-")
        self.errors = errors or {}
        self.headers = headers or {}

    @property
    def client_error(self):
        return self.status < 500

    @classmethod
    def from_error(cls, error):
        """The problem for a service's PlenaryError (503s say when to retry)."""
        headers = None
        if error.status == 503:
            headers = {"Retry-After": "5"}
        elif error.status == 429 and getattr(error, "retry_after", None):
            headers = {"Retry-After": error.retry_after}
        errors = error.errors if isinstance(error.errors, dict) else {}
        return cls(error.status, error.title, error.detail, error.slug, errors, headers)

    def response(self, instance=None):
        body = {
            "type": PROBLEM_TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        return Response(
            json.dumps(body),
            status=self.status,
            headers=self.headers,
            content_type="application/problem+json",
        )


def unauthorized(detail="A valid bearer token is required."):
    return HttpProblem(
        401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="plenary"'}
    )


def forbidden(detail="This token may not act on this resource."):
    return HttpProblem(403, "Forbidden", detail)


def invalid(errors, detail="The request is not valid."):
    return HttpProblem(422, "Validation failed", detail, slug="validation-error", errors=errors)
