from marshmallow import Schema, fields, validate

WEBHOOK_EVENT_TYPES = ("lead.captured", "lead.updated")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def id_field():
    return fields.String(required=True, validate=validate.Length(min=1, max=64))


class PageArgs(Schema):
    limit = fields.Integer(
        strict=True, load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT)
    )
    cursor = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=500)
    )


class NotificationsPageArgs(PageArgs):
    attendee_id = id_field()


class ExhibitorArgs(Schema):
    exhibitor_id = id_field()


class WebhookArgs(ExhibitorArgs):
    webhook_id = id_field()


class DeliveriesPageArgs(PageArgs):
    exhibitor_id = id_field()
    webhook_id = id_field()


class WebhookPayload(Schema):
    """Body of POST /v1/exhibitors/{id}/webhooks."""

    url = fields.Url(
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
