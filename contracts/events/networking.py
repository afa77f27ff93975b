"""Events of the networking service (exchange ``networking.events``).

They carry ids, display names and times: what notifications needs to tell people.
Nobody's email travels in them."""

from marshmallow import Schema, fields

from plumbing.events import EventSchema


class NetworkingEvent(EventSchema):
    source_service = "networking"
    version = 1


class ConnectionRequested(NetworkingEvent):
    event_type = "connection_requested"

    request_id = fields.String(required=True)
    requester_id = fields.String(required=True)
    requester_name = fields.String(required=True)
    recipient_id = fields.String(required=True)
    message = fields.String(load_default="")
    requested_at = fields.AwareDateTime(required=True)


class ConnectionAccepted(NetworkingEvent):
    event_type = "connection_accepted"

    request_id = fields.String(required=True)
    requester_id = fields.String(required=True)
    recipient_id = fields.String(required=True)
    recipient_name = fields.String(required=True)
    accepted_at = fields.AwareDateTime(required=True)


class DirectMessageSent(NetworkingEvent):
    """A direct message: pushed live to the recipient, mailed in batches."""

    event_type = "direct_message_sent"

    message_id = fields.String(required=True)
    conversation_id = fields.String(required=True)
    sender_id = fields.String(required=True)
    sender_name = fields.String(required=True)
    recipient_id = fields.String(required=True)
    body = fields.String(required=True)
    sent_at = fields.AwareDateTime(required=True)


class MeetingSlot(Schema):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)


class AttendeeMeetingEvent(NetworkingEvent):
    """A meeting between two attendees: who proposed it, who was asked."""

    meeting_id = fields.String(required=True)
    organizer_id = fields.String(required=True)
    organizer_name = fields.String(required=True)
    invitee_id = fields.String(required=True)
    invitee_name = fields.String(required=True)


class AttendeeMeetingProposed(AttendeeMeetingEvent):
    event_type = "attendee_meeting_proposed"

    slots = fields.List(fields.Nested(MeetingSlot), required=True)
    message = fields.String(load_default="")


class AttendeeMeetingAccepted(AttendeeMeetingEvent):
    event_type = "attendee_meeting_accepted"

    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)


class AttendeeMeetingDeclined(AttendeeMeetingEvent):
    event_type = "attendee_meeting_declined"


class AttendeeMeetingCancelled(AttendeeMeetingEvent):
    """Cancelled by one of the two (``cancelled_by``), or by a block or an erasure."""

    event_type = "attendee_meeting_cancelled"

    cancelled_by = fields.String(required=True)
    starts_at = fields.AwareDateTime(load_default=None, allow_none=True)


class SpeedRoundStarted(NetworkingEvent):
    """Two attendees were paired for a speed-networking round."""

    event_type = "speed_round_started"

    round_id = fields.String(required=True)
    session_id = fields.String(required=True)
    attendee_ids = fields.List(fields.String(), required=True)
    room_url = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
