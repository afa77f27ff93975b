"""RPC between services, with a deadline.

nameko 2's ``RpcProxy`` waits for a reply forever: a peer that is down would hold the
caller's worker (and its open database transaction) indefinitely.  ``TimedRpcProxy``
gives every call ``RPC_TIMEOUT_SECONDS`` and turns a missing or silent peer into
:class:`plumbing.errors.Unavailable`, which the gateway answers with 503.

``@once_rpc`` is ``@rpc`` for a method whose effect must not repeat (it mails someone).
nameko acks a request after replying; a request whose connection is lost before the
ack (a broker restart) is delivered again once the broker is back, and would run a
second time. ``once_rpc`` records the request's id (its AMQP correlation id, one per
call) in ``processed_events`` in the method's own transaction, as event consumers do,
so a request delivered again has no effect (its caller has long given up on it).
"""

from functools import partial

import eventlet
from nameko.exceptions import ContainerBeingKilled, MalformedRequest, UnknownService
from nameko.rpc import Rpc, RpcProxy

from plumbing.consumer import first_delivery
from plumbing.errors import Unavailable

# where a request's id waits for claim_delivery (taken out before the method runs, so
# it is not passed on in the headers of the calls and events the method makes)
REQUEST_ID_KEY = "plenary_rpc_request_id"


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


class OnceRpc(Rpc):
    """An RPC entrypoint whose requests have their effect at most once (the module's
    docstring). The Database provider calls ``claim_delivery`` in the worker's
    transaction, before the method."""

    def handle_message(self, body, message):
        # nameko's Rpc.handle_message, with the request's id in the worker's context
        try:
            args = body["args"]
            kwargs = body["kwargs"]
        except KeyError:
            raise MalformedRequest("Message missing `args` or `kwargs`") from None
        self.check_signature(args, kwargs)
        context_data = self.unpack_message_headers(message)
        context_data[REQUEST_ID_KEY] = message.properties.get("correlation_id")
        try:
            self.container.spawn_worker(
                self,
                args,
                kwargs,
                context_data=context_data,
                handle_result=partial(self.handle_result, message),
            )
        except ContainerBeingKilled:
            self.rpc_consumer.requeue_message(message)

    def claim_delivery(self, session, worker_ctx):
        request_id = worker_ctx.data.pop(REQUEST_ID_KEY, None)
        if not request_id:
            return True
        consumer = f"rpc:{self.container.service_name}.{self.method_name}"
        return first_delivery(session, consumer, request_id)


once_rpc = OnceRpc.decorator
