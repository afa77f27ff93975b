from marshmallow import Schema, fields, validate

from contracts.enums import WEBHOOK_EVENT_TYPES
from plumbing.cursors import NewestFirstPageArgs
from plumbing.fields import Id, MultiLine, SingleLine, StrictBoolean, Url, not_blank

# the kinds an attendee can choose channels for, with their defaults
PREFERENCE_DEFAULTS = {
    "session_starting": {"feed": True, "email": True},
    "session_moved": {"feed": True, "email": True},
    "session_cancelled": {"feed": True, "email": True},
    "announcement": {"feed": True, "email": True},
    "meeting_requested": {"feed": True, "email": False},
    "meeting_answered": {"feed": True, "email": True},
    # networking: people meeting each other
    "connection_requested": {"feed": True, "email": True},
    "connection_accepted": {"feed": True, "email": False},
    # at most one email per DM_EMAIL_WINDOW_SECONDS; unread counts live in the inbox
    "direct_message": {"feed": False, "email": True},
    "attendee_meeting_proposed": {"feed": True, "email": True},
    "attendee_meeting_changed": {"feed": True, "email": True},
    # before an accepted meeting starts, reminder_minutes_before ahead
    "attendee_meeting_reminder": {"feed": False, "email": True},
    "speed_round_started": {"feed": True, "email": False},
}


class NotificationsPageArgs(NewestFirstPageArgs):
    attendee_id = Id(required=True)


class ExhibitorArgs(Schema):
    exhibitor_id = Id(required=True)


class WebhookArgs(ExhibitorArgs):
    webhook_id = Id(required=True)


class DeliveriesPageArgs(NewestFirstPageArgs, WebhookArgs):
    pass


class DeliveryArgs(WebhookArgs):
    delivery_id = Id(required=True)


class AttendeeArgs(Schema):
    attendee_id = Id(required=True)


class NotificationArgs(AttendeeArgs):
    notification_id = Id(required=True)


class FeedSinceArgs(AttendeeArgs):
    last_event_id = Id(required=True)


class ChannelChoice(Schema):
    feed = StrictBoolean()
    email = StrictBoolean()


class PreferencesPayload(Schema):
    """Body of PUT /v1/me/notifications/preferences: what is given changes, the rest stays."""

    channels = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(PREFERENCE_DEFAULTS))),
        values=fields.Nested(ChannelChoice),
    )
    reminder_minutes_before = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=1440)
    )


class PreferencesSchema(Schema):
    channels = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelChoice))
    reminder_minutes_before = fields.Integer(
        metadata={"description": "before a session starts, its reminder email goes out"}
    )


class AnnouncementPayload(Schema):
    title = SingleLine(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    body = MultiLine(
        trim=True, required=True, validate=[validate.Length(min=1, max=5000), not_blank]
    )


class AnnouncementSchema(Schema):
    id = fields.String()
    title = fields.String()
    body = fields.String()
    recipients = fields.Integer()
    created_at = fields.AwareDateTime()


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
    contact_email = fields.Email(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=254),
        metadata={"description": "emailed if the endpoint fails for days and is disabled"},
    )


class NotificationSchema(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    created_at = fields.AwareDateTime()
    read = fields.Function(lambda notification: notification.read_at is not None)
    data = fields.Dict()


class NotificationsPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    next_cursor = fields.String(allow_none=True)
    unread_count = fields.Integer()


class UnreadSchema(Schema):
    unread_count = fields.Integer()


class WebhookSchema(Schema):
    id = fields.String()
    url = fields.String()
    events = fields.List(fields.String())
    contact_email = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    failing_since = fields.AwareDateTime(allow_none=True)
    disabled_at = fields.AwareDateTime(allow_none=True)


class RotatedSecretSchema(Schema):
    """Answer to a rotation: the new secret, shown once; the old one keeps signing too
    until ``previous_secret_expires_at``."""

    id = fields.String()
    secret = fields.String()
    previous_secret_expires_at = fields.AwareDateTime()


class CreatedWebhookSchema(Schema):
    """Answer to create_webhook: the only place the secret is ever shown."""

    id = fields.String()
    url = fields.String()
    events = fields.List(fields.String())
    contact_email = fields.String(allow_none=True)
    secret = fields.String()
    created_at = fields.AwareDateTime()


class AttemptSchema(Schema):
    attempted_at = fields.AwareDateTime()
    status_code = fields.Integer(allow_none=True, metadata={"description": "null: no answer"})
    latency_ms = fields.Integer()
    error = fields.String(allow_none=True)


class DeliverySchema(Schema):
    id = fields.String()
    event_type = fields.String()
    status = fields.String()
    attempts = fields.List(fields.Nested(AttemptSchema))
    created_at = fields.AwareDateTime()
    next_attempt_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "null: no attempt is due"}
    )
