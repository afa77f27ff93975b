from marshmallow import fields

from plumbing.events import EventSchema
from services.registration.schemas import ConsentSchema


class AttendeeRegistered(EventSchema):
    source_service = "registration"
    event_type = "attendee_registered"
    version = 1

    attendee_id = fields.String(required=True)
    email = fields.Email(required=True)
    full_name = fields.String(required=True)
    organization = fields.String(load_default="")
    ticket_type = fields.String(required=True)
    consent = fields.Nested(ConsentSchema, required=True)
    registered_at = fields.AwareDateTime(required=True)
