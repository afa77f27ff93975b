"""Notifications: the attendee feed, preferences, email, the live stream's messages, and
exhibitor webhooks.

Consumers only write rows, in the event's transaction (feed items, emails to send,
webhook deliveries); timers perform the external side effects and record the outcome.
So a redelivered event sends nothing twice, and nothing is lost while SMTP or a
receiver is down. A fan-out (a session's agenda holders, every attendee) is split into
``notification_batch`` events handled on their own queue; feed items and emails carry a
dedupe key, so each recipient is notified once however often a batch is handled.

The service class composes one mixin per part:

- ``feed.py``: the feed, preferences and announcements RPCs;
- ``gdpr.py``: ``export_attendee`` and the ``attendee_erased`` consumer;
- ``webhook_endpoints.py``: exhibitors' webhook endpoint and delivery RPCs;
- ``consumers.py``: the event consumers, which only write rows;
- ``networking.py``: the consumers of the networking service's events;
- ``fanout.py``: ``notification_batch`` events and notifying their attendees;
- ``senders.py``: the timers that send emails and deliver webhooks.
"""

from nameko.dependency_providers import Config

from plumbing.db import Database
from plumbing.observability import Observability, OpsEndpoints
from plumbing.outbox import OutboxRelay
from plumbing.rpc import TimedRpcProxy
from services.notifications.consumers import Consumers
from services.notifications.extensions import GreenThreads, LivePublisher
from services.notifications.fanout import FanOut
from services.notifications.feed import FeedRpcs
from services.notifications.gdpr import Gdpr
from services.notifications.networking import NetworkingConsumers
from services.notifications.senders import Senders
from services.notifications.webhook_endpoints import WebhookEndpointRpcs

WEBHOOK_CONCURRENCY = 50


class NotificationsService(
    OpsEndpoints,
    FeedRpcs,
    Gdpr,
    WebhookEndpointRpcs,
    Consumers,
    NetworkingConsumers,
    FanOut,
    Senders,
):
    name = "notifications"

    config = Config()
    db = Database()
    outbox = OutboxRelay()
    observability = Observability()
    sessions = TimedRpcProxy("sessions")
    webhook_senders = GreenThreads(WEBHOOK_CONCURRENCY)
    live = LivePublisher()
