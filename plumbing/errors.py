"""Domain errors that cross RPC intact.

nameko turns an exception raised in a service into a RemoteError unless its class is
registered as deserializable; registered ones arrive in the gateway as themselves, so
the gateway maps each to an HTTP problem without string matching.
"""

from nameko.exceptions import deserialize_to_instance


class PlenaryError(Exception):
    """Base: ``detail`` is safe to show the client; ``errors`` maps field -> messages."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(self, detail="", errors=None):
        # the args are what crosses RPC: nameko stringifies a None ("None"), so always a dict
        errors = errors if isinstance(errors, dict) else {}
        super().__init__(detail, errors)
        self.detail = detail
        self.errors = errors

    @property
    def client_error(self):
        """A 4xx: the caller's mistake, logged as one INFO line, never as our failure."""
        return self.status < 500


@deserialize_to_instance
class Invalid(PlenaryError):
    status = 422
    title = "Validation failed"
    slug = "validation-error"


@deserialize_to_instance
class Forbidden(PlenaryError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


@deserialize_to_instance
class NotFound(PlenaryError):
    status = 404
    title = "Not found"
    slug = "not-found"


@deserialize_to_instance
class Conflict(PlenaryError):
    status = 409
    title = "Conflict"
    slug = "conflict"


@deserialize_to_instance
class Unavailable(PlenaryError):
    status = 503
    title = "Service unavailable"
    slug = "service-unavailable"


@deserialize_to_instance
class TooManyRequests(PlenaryError):
    """Over a rate limit; ``errors["retry_after"]`` holds the seconds to wait."""

    status = 429
    title = "Too many requests"
    slug = "too-many-requests"

    @classmethod
    def after(cls, detail, seconds):
        return cls(detail, {"retry_after": [str(seconds)]})

    @property
    def retry_after(self):
        return (self.errors.get("retry_after") or [None])[0]
