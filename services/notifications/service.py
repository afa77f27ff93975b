"""Notifications: the attendee feed, preferences, email, the live stream's messages, and
exhibitor webhooks.

Consumers only write rows, in the event's transaction (feed items, emails to send,
webhook deliveries); timers perform the external side effects and record the outcome.
So a redelivered event sends nothing twice, and nothing is lost while SMTP or a
receiver is down. A fan-out (a session's agenda holders, every attendee) is split into
``notification_batch`` events handled on their own queue; feed items and emails carry a
dedupe key, so each recipient is notified once however often a batch is handled.

The service class composes the entrypoints of each part (the logic the parts share is
in plain functions: ``fanout.py``, ``webhooks.py``, ``emails.py``, ``plumbing.replica``):

- ``feed.py``: the feed, preferences and announcements RPCs (FeedRpcs);
- ``gdpr.py``: ``export_attendee`` and the ``attendee_erased`` consumer (GdprRpcs,
  GdprConsumers);
- ``webhook_endpoints.py``: exhibitors' webhook endpoint and delivery RPCs
  (WebhookEndpointRpcs);
- ``consumers.py``: the event consumers, which only write rows (EventConsumers);
- ``networking.py``: the consumers of the networking service's events (NetworkingConsumers);
- ``fanout.py``: notifying attendees, and ``notification_batch`` events (BatchConsumers);
- ``senders.py``: the timers that send emails and deliver webhooks (SenderTimers).
"""

from plumbing.rpc import TimedRpcProxy
from plumbing.service import PlenaryService
from services.notifications.consumers import EventConsumers
from services.notifications.extensions import GreenThreads, LivePublisher
from services.notifications.fanout import BatchConsumers
from services.notifications.feed import FeedRpcs
from services.notifications.gdpr import GdprConsumers, GdprRpcs
from services.notifications.networking import NetworkingConsumers
from services.notifications.senders import SenderTimers
from services.notifications.webhook_endpoints import WebhookEndpointRpcs


class NotificationsService(
    PlenaryService,
    FeedRpcs,
    GdprRpcs,
    WebhookEndpointRpcs,
    EventConsumers,
    NetworkingConsumers,
    BatchConsumers,
    GdprConsumers,
    SenderTimers,
):
    name = "notifications"

    sessions = TimedRpcProxy("sessions")
    webhook_senders = GreenThreads("WEBHOOK_SENDERS")
    live = LivePublisher()
