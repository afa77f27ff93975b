from datetime import UTC, date, datetime

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from plumbing.fields import Id, Text, not_blank
from plumbing.pagination import Cursor, Limit, aware_datetime, text
from services.sessions.models import SESSION_KINDS

# Plausible conference dates; also keeps date arithmetic far from datetime's limits.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
WITHIN_PROGRAM_YEARS = validate.Range(min=EARLIEST, max=LATEST)


class SpeakerSchema(Schema):
    name = Text(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    organization = Text(load_default="", validate=validate.Length(max=200))
    bio = Text(load_default="", validate=validate.Length(max=2000))


class NewSessionSchema(Schema):
    """Payload of create_session."""

    title = Text(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    abstract = Text(load_default="", validate=validate.Length(max=5000))
    track = Text(required=True, validate=validate.Length(min=1, max=40))
    kind = fields.String(required=True, validate=validate.OneOf(SESSION_KINDS))
    starts_at = fields.AwareDateTime(required=True, validate=WITHIN_PROGRAM_YEARS)
    ends_at = fields.AwareDateTime(required=True, validate=WITHIN_PROGRAM_YEARS)
    speakers = fields.List(
        fields.Nested(SpeakerSchema), load_default=list, validate=validate.Length(max=20)
    )
    capacity = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=100_000)
    )

    @validates_schema
    def ends_after_start(self, data, **kwargs):
        if "starts_at" in data and "ends_at" in data and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("Must be after starts_at.", "ends_at")

    @post_load
    def tidy(self, data, **kwargs):
        data["title"] = data["title"].strip()
        data["starts_at"] = data["starts_at"].astimezone(UTC)
        data["ends_at"] = data["ends_at"].astimezone(UTC)
        return data


class SessionFiltersSchema(Schema):
    track = Text(validate=validate.Length(min=1, max=40))
    day = fields.Date(validate=validate.Range(min=EARLIEST.date(), max=date(2099, 12, 31)))
    q = Text(validate=validate.Length(max=200))


class SessionsPageSchema(Schema):
    filters = fields.Nested(SessionFiltersSchema, required=True)
    limit = Limit()
    cursor = Cursor(aware_datetime, text)


class HoldersPageSchema(Schema):
    session_id = Id(required=True)
    limit = Limit(default=1000, maximum=5000)
    cursor = Cursor(text)


class SessionIdSchema(Schema):
    session_id = Id(required=True)


class AttendeeIdSchema(Schema):
    attendee_id = Id(required=True)


class AgendaChangeSchema(AttendeeIdSchema, SessionIdSchema):
    pass


class TrackSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()


class SessionSchema(Schema):
    id = fields.String()
    title = fields.String()
    abstract = fields.String()
    track = fields.String(attribute="track_id")
    kind = fields.String()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    speakers = fields.List(fields.Dict())
    capacity = fields.Integer(allow_none=True)
    status = fields.String()


class AgendaEntrySchema(Schema):
    session_id = fields.String()
    added_at = fields.AwareDateTime()
