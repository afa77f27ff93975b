"""The live stream: what the notifications service pushes to every gateway replica.

Notifications publishes each message to the ``EXCHANGE`` fanout (transient: a missed
message is not lost, the feed has it and a stream resumes from its Last-Event-ID); each
gateway replica binds its own exclusive queue to it. Both sides build their kombu
``Exchange(**EXCHANGE)`` from this one description.

A message is a JSON object whose ``type`` names its schema in ``MESSAGES``. A newer
publisher may add fields; a gateway ignores what it does not know.
"""

from marshmallow import EXCLUDE, Schema, fields

from contracts.events.networking import DirectMessageSent
from contracts.events.sessions import MessagePosted

EXCHANGE = {"name": "notifications.live", "type": "fanout", "durable": False}


class LiveSchema(Schema):
    class Meta:
        unknown = EXCLUDE


class NotificationTemplate(LiveSchema):
    """A feed item as every recipient sees it, less its id (one per recipient)."""

    kind = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    read = fields.Boolean(required=True)
    data = fields.Dict(required=True)


class LiveNotification(LiveSchema):
    """New feed items: ``recipients`` maps each attendee id to their item's id."""

    type = fields.Constant("notification")
    notification = fields.Nested(NotificationTemplate, required=True)
    recipients = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class LiveChatMessage(LiveSchema):
    """A chat message or question, for the streams following its session."""

    type = fields.Constant("message")
    session_id = fields.String(required=True)
    message = fields.Nested(MessagePosted, required=True)


class LiveDirectMessage(LiveSchema):
    """A direct message, for the streams of its sender and recipient."""

    type = fields.Constant("direct_message")
    attendee_ids = fields.List(fields.String(), required=True)
    message = fields.Nested(DirectMessageSent, required=True)


MESSAGES = {
    "notification": LiveNotification,
    "message": LiveChatMessage,
    "direct_message": LiveDirectMessage,
}


def errors(body):
    """What is wrong with a received live message, by field (empty when it is valid)."""
    if not isinstance(body, dict):
        return {"_schema": ["A live message is a JSON object."]}
    schema_cls = MESSAGES.get(body.get("type"))
    if schema_cls is None:
        return {"type": [f"Must be one of: {', '.join(MESSAGES)}."]}
    return schema_cls().validate(body)
