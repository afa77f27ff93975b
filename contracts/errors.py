"""The errors that cross RPC intact: a service raises one, the gateway receives the same
class and maps it to an HTTP problem (``status``, ``title``, ``detail``, field ``errors``).

They are defined in ``plumbing.errors`` because plumbing's own RPC and validation helpers
raise them; this module is the name every service and the gateway import them by.
"""

from plumbing.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PlenaryError,
    TooManyRequests,
    Unavailable,
)

__all__ = [
    "Conflict",
    "Forbidden",
    "Invalid",
    "NotFound",
    "PlenaryError",
    "TooManyRequests",
    "Unavailable",
]
