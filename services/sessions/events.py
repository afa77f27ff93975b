from marshmallow import fields

from plumbing.events import EventSchema


class SessionEvent(EventSchema):
    """The data every session lifecycle event carries."""

    source_service = "sessions"
    version = 1

    session_id = fields.String(required=True)
    title = fields.String(required=True)
    track = fields.String(required=True)
    kind = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)


class SessionScheduled(SessionEvent):
    event_type = "session_scheduled"


class SessionStarting(SessionEvent):
    event_type = "session_starting"


class SessionStarted(SessionEvent):
    event_type = "session_started"


class SessionEnded(SessionEvent):
    event_type = "session_ended"
