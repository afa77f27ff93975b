from marshmallow import Schema, fields, validate

from plumbing.fields import Id, Url
from plumbing.pagination import NewestFirstPageArgs

WEBHOOK_EVENT_TYPES = ("lead.captured", "lead.updated")


class NotificationsPageArgs(NewestFirstPageArgs):
    attendee_id = Id(required=True)


class ExhibitorArgs(Schema):
    exhibitor_id = Id(required=True)


class WebhookArgs(ExhibitorArgs):
    webhook_id = Id(required=True)


class DeliveriesPageArgs(NewestFirstPageArgs, WebhookArgs):
    pass


class WebhookPayload(Schema):
    """Body of POST /v1/exhibitors/{id}/webhooks."""

    url = Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=2000),
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(WEBHOOK_EVENT_TYPES)),
        required=True,
        validate=validate.Length(min=1, max=10),
    )


class NotificationSchema(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    created_at = fields.AwareDateTime()
    read = fields.Function(lambda notification: notification.read_at is not None)
    data = fields.Dict()


class WebhookSchema(Schema):
    id = fields.String()
    url = fields.String()
    events = fields.List(fields.String())
    created_at = fields.AwareDateTime()
    disabled_at = fields.AwareDateTime()


class CreatedWebhookSchema(Schema):
    """Answer to create_webhook: the only place the secret is ever shown."""

    id = fields.String()
    url = fields.String()
    events = fields.List(fields.String())
    secret = fields.String()
    created_at = fields.AwareDateTime()


class AttemptSchema(Schema):
    attempted_at = fields.AwareDateTime()
    status_code = fields.Integer()
    latency_ms = fields.Integer()
    error = fields.String()


class DeliverySchema(Schema):
    id = fields.String()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.List(fields.Nested(AttemptSchema))
    created_at = fields.AwareDateTime()
    next_attempt_at = fields.AwareDateTime()
