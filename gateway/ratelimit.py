"""Rate limits per client on the routes worth abusing (registration, login), with the
``limits`` library.

Limits are strings such as ``"5/minute;20/hour"`` from config. Counters live in
``RATE_LIMIT_STORAGE_URI``: the default ``memory://`` counts per gateway replica, so N
replicas allow N times the limit; several replicas should share a storage (e.g.
``redis://...``, which needs the redis client installed). A refused request is a 429
problem with ``Retry-After``.
"""

import math
import time

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from nameko.extensions import DependencyProvider

from gateway.problems import HttpProblem

LIMIT_SETTINGS = {
    "registration": "RATE_LIMIT_REGISTRATION",
    "login_link": "RATE_LIMIT_LOGIN_LINK",
    "auth_token": "RATE_LIMIT_AUTH_TOKEN",
}


class RateLimits(DependencyProvider):
    """``self.rate_limits.check(request, "login_link")`` raises 429 past the limit."""

    def setup(self):
        config = self.container.config
        self.limiter = MovingWindowRateLimiter(
            storage_from_string(config["RATE_LIMIT_STORAGE_URI"])
        )
        self.limits = {name: parse_many(str(config[key])) for name, key in LIMIT_SETTINGS.items()}
        self.proxy_hops = int(config["TRUSTED_PROXY_HOPS"])

    def get_dependency(self, worker_ctx):
        return self

    def check(self, request, name):
        client = client_address(request, self.proxy_hops)
        exceeded = [
            limit for limit in self.limits[name] if not self.limiter.test(limit, name, client)
        ]
        if exceeded:
            reset_at = max(
                self.limiter.get_window_stats(limit, name, client).reset_time for limit in exceeded
            )
            raise too_many_requests(max(1, math.ceil(reset_at - time.time())))
        for limit in self.limits[name]:
            self.limiter.hit(limit, name, client)


def client_address(request, proxy_hops):
    """The caller's IP: the connection's, or the one the Nth trusted proxy saw."""
    if proxy_hops:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
        if len(forwarded) >= proxy_hops and forwarded[-proxy_hops]:
            return forwarded[-proxy_hops]
    return request.remote_addr or "unknown"


def too_many_requests(retry_after):
    return HttpProblem(
        429,
        "Too many requests",
        f"Too many requests from this client; retry in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )
