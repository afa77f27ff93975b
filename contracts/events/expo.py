from marshmallow import Schema, fields

from plumbing.events import EventSchema


class ExhibitorCreated(EventSchema):
    source_service = "expo"
    event_type = "exhibitor_created"
    version = 1

    exhibitor_id = fields.String(required=True)
    name = fields.String(required=True)
    tier = fields.String(required=True)


class ExhibitorUpdated(EventSchema):
    """What the public hall shows of an exhibitor changed: its profile (``profile``) or
    its products (``products``)."""

    source_service = "expo"
    event_type = "exhibitor_updated"
    version = 1

    exhibitor_id = fields.String(required=True)
    changed = fields.List(fields.String(), required=True)


class LeadAttendee(Schema):
    attendee_id = fields.String(required=True)
    full_name = fields.String(required=True)
    email = fields.String(required=True)
    organization = fields.String(required=True)


class LeadInteraction(Schema):
    interaction_id = fields.String(required=True)
    kind = fields.String(required=True)
    product_id = fields.String(required=True, allow_none=True)
    message = fields.String(required=True, allow_none=True)
    occurred_at = fields.AwareDateTime(required=True)


class LeadEvent(EventSchema):
    """Data of lead_captured and lead_updated: the lead after one more interaction."""

    lead_id = fields.String(required=True)
    exhibitor_id = fields.String(required=True)
    attendee = fields.Nested(LeadAttendee, required=True)
    score = fields.Integer(required=True)
    interaction = fields.Nested(LeadInteraction, required=True)


class LeadCaptured(LeadEvent):
    """A consenting attendee's first interaction with an exhibitor."""

    source_service = "expo"
    event_type = "lead_captured"
    version = 1


class LeadUpdated(LeadEvent):
    source_service = "expo"
    event_type = "lead_updated"
    version = 1


class MeetingRequested(EventSchema):
    source_service = "expo"
    event_type = "meeting_requested"
    version = 1

    exhibitor_id = fields.String(required=True)
    attendee_id = fields.String(required=True)
    lead_id = fields.String(required=True)
    message = fields.String(required=True, allow_none=True)
    meeting_id = fields.String(load_default=None)
    exhibitor_name = fields.String(load_default="")
    proposed_times = fields.List(fields.AwareDateTime(), load_default=list)


class MeetingAnswered(EventSchema):
    """The exhibitor accepted or declined a meeting request; both sides are told."""

    source_service = "expo"
    event_type = "meeting_answered"
    version = 1

    meeting_id = fields.String(required=True)
    exhibitor_id = fields.String(required=True)
    exhibitor_name = fields.String(required=True)
    attendee_id = fields.String(required=True)
    status = fields.String(required=True)  # "accepted" | "declined"
    accepted_time = fields.AwareDateTime(load_default=None, allow_none=True)
    message = fields.String(load_default="")
    answered_at = fields.AwareDateTime(required=True)
