"""GDPR Art. 19 for exhibitors' webhooks: when an attendee withdraws consent to share
with exhibitors, or is erased, the stored deliveries naming them are deleted (so none
can be replayed, nor show their data in the delivery log) and every endpoint that was
sent one of their leads gets a signed ``lead.withdrawn`` / ``lead.erased`` delivery
carrying only the lead's and the exhibitor's ids: the receiver must delete the lead.

Notifications decides this itself, from registration's events: it alone knows which
endpoint was sent which lead. The notice goes to those endpoints whatever they
subscribe to (the law, not a preference), unless disabled meanwhile.
"""

import json
import uuid

from sqlalchemy import delete, exists, or_, select

from plumbing.db import insert_ignoring_duplicates
from plumbing.replica import AttendeeReplica, ErasedAttendee
from services.notifications import webhooks
from services.notifications.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from services.notifications.webhooks import delivery_row


def retract_deliveries(session, attendee_id, notice_type, event):
    """Delete every delivery naming ``attendee_id`` and its attempts; queue a
    ``notice_type`` delivery to each endpoint queued one of their leads (sent, or perhaps
    in flight right now: a notice about a lead never received costs the receiver nothing)."""
    deliveries = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.attendee_id == attendee_id).with_for_update()
    ).all()
    sent_leads = {
        (delivery.endpoint_id, data["lead_id"], data["exhibitor_id"])
        for delivery in deliveries
        for data in [json.loads(delivery.payload).get("data", {})]
        if data.get("lead_id") and data.get("exhibitor_id")
    }
    ids = [delivery.id for delivery in deliveries]
    if ids:
        session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(ids)))
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    rows = []
    for endpoint_id, lead_id, exhibitor_id in sorted(sent_leads):
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None or endpoint.disabled_at is not None:
            continue
        data = {"lead_id": lead_id, "exhibitor_id": exhibitor_id}
        # one notice per event and lead: a redelivered event queues no second one
        source = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{event.id}/{lead_id}"))
        rows.append(delivery_row(endpoint, notice_type, data, event.occurred_at, source))
    insert_ignoring_duplicates(
        session, WebhookDelivery.__table__, rows, ["endpoint_id", "source_event_id"]
    )
    session.expire_all()


def withdrawn(attendee_id, occurred_at):
    """SQL: true when a lead event about ``attendee_id`` that occurred at ``occurred_at``
    comes after their data was withdrawn or erased here (a late event must not bring the
    person back to the exhibitor)."""
    erased = exists().where(ErasedAttendee.attendee_id == attendee_id)
    withdrew_since = exists().where(
        AttendeeReplica.attendee_id == attendee_id,
        AttendeeReplica.share_with_exhibitors.is_(False),
        AttendeeReplica.updated_at >= occurred_at,
    )
    return or_(erased, withdrew_since)


def queue_lead_deliveries(session, event, webhook_event_type, schema_cls):
    """``webhooks.queue_deliveries`` for a lead event, unless its attendee withdrew: one
    SELECT (the exhibitor's live endpoints, each row saying whether the event is too
    late) and one INSERT (``test_a_lead_costs_two_statements_for_its_deliveries``)."""
    attendee_id = event.data["attendee"]["attendee_id"]
    webhooks.queue_deliveries(
        session,
        event,
        webhook_event_type,
        schema_cls,
        unless=withdrawn(attendee_id, event.occurred_at),
    )
