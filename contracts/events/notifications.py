from marshmallow import fields

from plumbing.events import EventSchema


class WebhookDeliveryFailed(EventSchema):
    """A webhook delivery exhausted its retries."""

    source_service = "notifications"
    event_type = "webhook_delivery_failed"
    version = 1

    delivery_id = fields.String(required=True)
    endpoint_id = fields.String(required=True)
    exhibitor_id = fields.String(required=True)
    # "event_type" names the event itself on the schema class
    webhook_event_type = fields.String(required=True, data_key="event_type")


class NotificationBatch(EventSchema):
    """Internal: one batch (up to FANOUT_BATCH_SIZE recipients) of a fan-out, handled on
    its own queue so a big fan-out never holds up other work. ``dedupe_key`` makes a
    batch handled twice, or a trigger seen twice, notify each recipient once."""

    source_service = "notifications"
    event_type = "notification_batch"
    version = 1

    kind = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    data = fields.Dict(required=True)
    dedupe_key = fields.String(required=True)
    attendee_ids = fields.List(fields.String(), required=True)
    # for reminders: reminder emails go out this many minutes before, per preferences
    starts_at = fields.AwareDateTime(load_default=None, allow_none=True)
