"""The gateway: the only HTTP entry. It authenticates, validates, and asks the owning
service over RPC; it holds no business data. Routes live in ``gateway/routes/``."""

from nameko.dependency_providers import Config

from gateway.auth import Auth
from gateway.ratelimit import RateLimits
from gateway.readmodel import ReadModel
from gateway.routes.attendees import AttendeeRoutes
from gateway.routes.event import EventRoutes
from gateway.routes.expo import ExpoRoutes
from gateway.routes.networking import NetworkingRoutes
from gateway.routes.notifications import NotificationRoutes
from gateway.routes.ops import OpsRoutes
from gateway.routes.organizer import OrganizerRoutes
from gateway.routes.program import ProgramRoutes
from gateway.stream import LiveStreams
from gateway.tickets import StreamTickets
from plumbing.observability import Observability
from plumbing.rpc import TimedRpcProxy


class GatewayService(
    Auth,
    AttendeeRoutes,
    EventRoutes,
    ProgramRoutes,
    ExpoRoutes,
    NotificationRoutes,
    NetworkingRoutes,
    OpsRoutes,
    OrganizerRoutes,
):
    name = "gateway"

    config = Config()
    observability = Observability()
    live = LiveStreams()  # the SSE streams open on this replica
    reads = ReadModel()  # the public program and hall, and checked tokens, from events
    rate_limits = RateLimits()
    stream_tickets = StreamTickets()
    # a backend that is down or slow becomes a 503, never a hung request
    registration = TimedRpcProxy("registration")
    sessions = TimedRpcProxy("sessions")
    expo = TimedRpcProxy("expo")
    notifications = TimedRpcProxy("notifications")
    networking = TimedRpcProxy("networking")

    @property
    def max_body_bytes(self):
        return int(self.config["MAX_BODY_BYTES"])
