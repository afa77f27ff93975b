import re
import zoneinfo

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from contracts.enums import ATTENDEE_STATUSES, CANCELLERS, RESTRICTED_TICKET_TYPES, TICKET_TYPES
from plumbing.cursors import Cursor, Limit, aware_datetime, text
from plumbing.fields import MultiLine, SingleLine, StrictBoolean, Text, not_blank

TIME_ZONES = frozenset(zoneinfo.available_timezones())
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


class ConsentSchema(Schema):
    share_with_exhibitors = StrictBoolean(required=True)
    marketing = StrictBoolean(load_default=False)


class ConsentChangeSchema(Schema):
    share_with_exhibitors = StrictBoolean()
    marketing = StrictBoolean()


def is_time_zone(name):
    if name not in TIME_ZONES:
        raise ValidationError("Not an IANA time zone (e.g. Europe/Paris).")


class ProfileFields(Schema):
    """The profile fields an attendee gives at registration and may change later."""

    full_name = SingleLine(validate=[validate.Length(min=1, max=200), not_blank])
    organization = SingleLine(validate=validate.Length(max=200))
    job_title = SingleLine(validate=validate.Length(max=200))
    country = Text(
        allow_none=True,
        validate=validate.Regexp(COUNTRY_CODE, error="An ISO 3166-1 alpha-2 code, e.g. FR."),
    )
    time_zone = Text(allow_none=True, validate=is_time_zone)
    accessibility_needs = MultiLine(trim=True, validate=validate.Length(max=1000))


class RegistrationSchema(ProfileFields):
    """Body of POST /v1/registrations."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    full_name = SingleLine(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    organization = SingleLine(load_default="", validate=validate.Length(max=200))
    job_title = SingleLine(load_default="", validate=validate.Length(max=200))
    accessibility_needs = MultiLine(trim=True, load_default="", validate=validate.Length(max=1000))
    ticket_type = fields.String(
        load_default="non_member",
        validate=validate.OneOf(TICKET_TYPES),
        metadata={
            "description": "member, non_member and student are public; "
            + ", ".join(RESTRICTED_TICKET_TYPES)
            + " need a ticket_code issued by the organizer"
        },
    )
    ticket_code = SingleLine(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "the organizer-issued code a restricted ticket type needs"},
    )
    consent = fields.Nested(
        ConsentSchema, load_default=lambda: {"share_with_exhibitors": False, "marketing": False}
    )


class ProfileChangeSchema(ProfileFields):
    """Body of PATCH /v1/me: any subset of the profile and consent (the email and the
    ticket type are not changed here)."""

    consent = fields.Nested(ConsentChangeSchema)

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Name at least one field to change.")


class AttendeeSchema(Schema):
    attendee_id = fields.String(attribute="id")
    email = fields.String()
    full_name = fields.String()
    organization = fields.String()
    job_title = fields.String()
    country = fields.String(allow_none=True)
    time_zone = fields.String(allow_none=True)
    accessibility_needs = fields.String()
    ticket_type = fields.String()
    consent = fields.Function(
        lambda a: {"share_with_exhibitors": a.share_with_exhibitors, "marketing": a.marketing}
    )
    consent_updated_at = fields.Function(
        lambda a: {
            "share_with_exhibitors": a.share_with_exhibitors_at.isoformat(),
            "marketing": a.marketing_at.isoformat(),
        },
        metadata={"description": "When each consent was last given or withdrawn."},
    )
    status = fields.String(metadata={"description": "registered | cancelled | erased"})
    registered_at = fields.AwareDateTime()
    cancelled_at = fields.AwareDateTime(allow_none=True)
    email_verified_at = fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "when the attendee last proved owning the email (signed in with "
            "a mailed code); rights tied to the email (moderating as a speaker) need it"
        },
    )


class ConsentAnswer(Schema):
    class Meta:
        unknown = EXCLUDE

    share_with_exhibitors = fields.Boolean(required=True)
    marketing = fields.Boolean(required=True)


class AttendeeContactAnswer(Schema):
    """What another service reads of get_attendee's answer (an AttendeeSchema) to keep
    an attendee's contact and consent; the rest of the answer is ignored."""

    class Meta:
        unknown = EXCLUDE

    attendee_id = fields.String(required=True)
    email = fields.String(required=True)
    full_name = fields.String(required=True)
    organization = fields.String(required=True)
    consent = fields.Nested(ConsentAnswer, required=True)


class RegistrationAcceptedSchema(Schema):
    """Answer to POST /v1/registrations: the same for a new address and for one already
    registered (whose owner is mailed a login code instead), so the answer tells no
    stranger who is registered. The access token comes from POST /v1/auth/token with
    the code mailed to the address."""

    detail = fields.String()


class TicketCodeRequestSchema(Schema):
    """Body of POST /v1/ticket-types/{ticket_type}/codes."""

    max_uses = fields.Integer(
        load_default=1, strict=True, validate=validate.Range(min=1, max=10000)
    )
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True)


class TicketCodeSchema(Schema):
    """An issued ticket code; the code itself is shown once (only its hash is kept)."""

    code = fields.String()
    ticket_type = fields.String()
    max_uses = fields.Integer()
    expires_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class RestrictedTicketTypeArgs(Schema):
    ticket_type = fields.String(required=True, validate=validate.OneOf(RESTRICTED_TICKET_TYPES))


class LoginLinkRequestSchema(Schema):
    """Body of POST /v1/auth/login-link."""

    email = fields.Email(required=True, validate=validate.Length(max=254))


class TokenRequestSchema(Schema):
    """Body of POST /v1/auth/token: the address and the code mailed to it."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    code = SingleLine(required=True, validate=validate.Length(min=1, max=64))


class AccessTokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String(metadata={"description": "Bearer"})
    expires_at = fields.AwareDateTime()
    attendee_id = fields.String()


class TicketTypeChangeSchema(Schema):
    """Body of PUT /v1/ticket-types/{ticket_type}; a null capacity is no limit."""

    capacity = fields.Integer(
        required=True, strict=True, allow_none=True, validate=validate.Range(min=0, max=10**7)
    )


class TicketTypeSchema(Schema):
    ticket_type = fields.String()
    capacity = fields.Integer(allow_none=True)
    registered = fields.Integer(metadata={"description": "registrations now active"})
    cancelled = fields.Integer()
    remaining = fields.Integer(allow_none=True, metadata={"description": "null: no limit"})


class TicketTypeArgs(Schema):
    ticket_type = fields.String(required=True, validate=validate.OneOf(TICKET_TYPES))


class CancellationArgs(Schema):
    cancelled_by = fields.String(required=True, validate=validate.OneOf(CANCELLERS))


class AttendeeFiltersSchema(Schema):
    q = SingleLine(validate=validate.Length(min=1, max=200))
    ticket_type = fields.String(validate=validate.OneOf(TICKET_TYPES))
    status = fields.String(validate=validate.OneOf(ATTENDEE_STATUSES))


class AttendeesPageArgs(Schema):
    filters = fields.Nested(AttendeeFiltersSchema, required=True)
    limit = Limit()
    cursor = Cursor(aware_datetime, text)


class DayCountSchema(Schema):
    day = fields.String(metadata={"description": "YYYY-MM-DD, UTC"})
    total = fields.Integer()
    by_ticket_type = fields.Dict(keys=fields.String(), values=fields.Integer())


class StatsSchema(Schema):
    """Answer to GET /v1/stats: registrations made per day (whatever became of them
    since) and what is active now."""

    registrations = fields.Integer(metadata={"description": "ever made, cancelled included"})
    active = fields.Integer()
    cancelled = fields.Integer()
    erased = fields.Integer()
    active_by_ticket_type = fields.Dict(keys=fields.String(), values=fields.Integer())
    registrations_by_day = fields.List(fields.Nested(DayCountSchema))


class LoginLinkAcceptedSchema(Schema):
    """Answer to POST /v1/auth/login-link: the same whether or not the email is known."""

    detail = fields.String()


class ExportSchema(Schema):
    """Answer to GET /v1/me/export: each service's own section."""

    attendee_id = fields.String()
    exported_at = fields.AwareDateTime()
    registration = fields.Dict(metadata={"description": "profile, consent, token history"})
    sessions = fields.Dict(metadata={"description": "agenda, attendance, messages"})
    expo = fields.Dict(metadata={"description": "interactions, leads, meetings"})
    notifications = fields.Dict(metadata={"description": "feed, preferences, emails sent"})
    networking = fields.Dict(
        metadata={
            "description": "profile, connections, conversations, blocks, reports, meetings, "
            "table messages, speed rounds"
        }
    )
