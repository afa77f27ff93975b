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
