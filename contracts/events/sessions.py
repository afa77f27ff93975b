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


class SessionUpdated(SessionEvent):
    """An organizer changed a session; ``moved`` when its times changed (agenda holders
    are told), ``sequence`` is the iCalendar SEQUENCE after the change."""

    event_type = "session_updated"

    changed = fields.List(fields.String(), required=True)
    moved = fields.Boolean(required=True)
    previous_starts_at = fields.AwareDateTime(required=True)
    previous_ends_at = fields.AwareDateTime(required=True)
    sequence = fields.Integer(required=True)


class SessionCancelled(SessionEvent):
    event_type = "session_cancelled"

    reason = fields.String(load_default="")


class TrackCreated(EventSchema):
    """An organizer added a track to the program."""

    source_service = "sessions"
    event_type = "track_created"
    version = 1

    track_id = fields.String(required=True)
    name = fields.String(required=True)


class EventDetailsUpdated(EventSchema):
    """The organizer saved the event's details (name, theme, days, …): what the public
    event page and the feeds named after it show changed."""

    source_service = "sessions"
    event_type = "event_details_updated"
    version = 1

    name = fields.String(required=True)
    updated_at = fields.AwareDateTime(required=True)


class MessagePosted(EventSchema):
    """A chat message or question in a session, for the live stream."""

    source_service = "sessions"
    event_type = "message_posted"
    version = 1

    message_id = fields.String(required=True)
    session_id = fields.String(required=True)
    kind = fields.String(required=True)  # "chat" | "question"
    author_id = fields.String(required=True)
    author_name = fields.String(required=True)
    body = fields.String(required=True)
    posted_at = fields.AwareDateTime(required=True)
