"""The gateway: the only HTTP entry. It authenticates, validates, and asks the owning
service over RPC; it holds no business data. Routes live in ``gateway/routes/``."""

import eventlet
from nameko.dependency_providers import Config
from nameko.rpc import RpcProxy

from gateway.auth import Auth
from gateway.routes.attendees import AttendeeRoutes
from gateway.routes.expo import ExpoRoutes
from gateway.routes.notifications import NotificationRoutes
from gateway.routes.ops import OpsRoutes
from gateway.routes.program import ProgramRoutes
from plumbing.observability import Observability


class GatewayService(Auth, AttendeeRoutes, ProgramRoutes, ExpoRoutes, NotificationRoutes,
                     OpsRoutes):
    name = "gateway"

    config = Config()
    observability = Observability()
    registration = RpcProxy("registration")
    sessions = RpcProxy("sessions")
    expo = RpcProxy("expo")
    notifications = RpcProxy("notifications")

    def rpc(self, method, *args, **kwargs):
        """Call a backend; a slow or absent one becomes a 503, never a hung request."""
        with eventlet.Timeout(float(self.config["RPC_TIMEOUT_SECONDS"])):
            return method(*args, **kwargs)

    @property
    def max_body_bytes(self):
        return int(self.config["MAX_BODY_BYTES"])
