from marshmallow import Schema, fields

from plumbing.events import EventSchema


class ExhibitorCreated(EventSchema):
    source_service = "expo"
    event_type = "exhibitor_created"
    version = 1

    exhibitor_id = fields.String(required=True)
    name = fields.String(required=True)
    tier = fields.String(required=True)


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
