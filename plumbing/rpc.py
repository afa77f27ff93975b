"""RPC between services, with a deadline.

nameko 2's ``RpcProxy`` waits for a reply forever: a peer that is down would hold the
caller's worker (and its open database transaction) indefinitely.  ``TimedRpcProxy``
gives every call ``RPC_TIMEOUT_SECONDS`` and turns a missing or silent peer into
:class:`plumbing.errors.Unavailable`, which the gateway answers with 503.
"""

import eventlet
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy

from plumbing.errors import Unavailable


class TimedRpcProxy(RpcProxy):
    def get_dependency(self, worker_ctx):
        timeout = float(self.container.config.get("RPC_TIMEOUT_SECONDS", 10))
        return _TimedService(super().get_dependency(worker_ctx), self.target_service, timeout)


class _TimedService:
    def __init__(self, proxy, service_name, timeout):
        self._proxy = proxy
        self._service_name = service_name
        self._timeout = timeout

    def __getattr__(self, method_name):
        method = getattr(self._proxy, method_name)

        def call(*args, **kwargs):
            try:
                with eventlet.Timeout(self._timeout):
                    return method(*args, **kwargs)
            except (eventlet.Timeout, UnknownService):
                raise Unavailable(
                    f"{self._service_name}.{method_name} did not answer in time."
                ) from None

        return call
