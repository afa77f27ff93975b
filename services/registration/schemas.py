from marshmallow import Schema, fields, validate

from plumbing.fields import Text, not_blank

TICKET_TYPES = ("member", "non_member", "student", "speaker", "exhibitor_staff", "complimentary")


class ConsentSchema(Schema):
    share_with_exhibitors = fields.Boolean(required=True)
    marketing = fields.Boolean(load_default=False)


class RegistrationSchema(Schema):
    """Body of POST /v1/registrations."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    full_name = Text(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    organization = Text(load_default="", validate=validate.Length(max=200))
    ticket_type = fields.String(load_default="non_member", validate=validate.OneOf(TICKET_TYPES))
    consent = fields.Nested(ConsentSchema, load_default=lambda: {"share_with_exhibitors": False})


class AttendeeSchema(Schema):
    attendee_id = fields.String(attribute="id")
    email = fields.String()
    full_name = fields.String()
    organization = fields.String()
    ticket_type = fields.String()
    consent = fields.Function(lambda a: {"share_with_exhibitors": a.share_with_exhibitors})
    registered_at = fields.AwareDateTime()


class RegisteredSchema(Schema):
    """Answer to POST /v1/registrations."""

    attendee_id = fields.String(required=True)
    access_token = fields.String(required=True)
    attendee = fields.Nested(AttendeeSchema)
