import base64
import json
from datetime import UTC, date, datetime

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from services.sessions.models import SESSION_KINDS

# Plausible conference dates; also keeps date arithmetic far from datetime's limits.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
WITHIN_PROGRAM_YEARS = validate.Range(min=EARLIEST, max=LATEST)

MAX_CURSOR_LENGTH = 500


class CleanString(fields.String):
    """A string PostgreSQL can store: NUL characters are refused, not a server error."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        return text


def not_blank(text):
    if not text.strip():
        raise ValidationError("Must not be blank.")


def aware_datetime(text):
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value


def encode_cursor(*values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


class Cursor(fields.String):
    """An opaque page cursor: base64url of a JSON list of the last row's sort keys.
    Loads to that list, each value passed through its converter (str, aware_datetime)."""

    def __init__(self, *converters, **kwargs):
        super().__init__(validate=validate.Length(max=MAX_CURSOR_LENGTH), **kwargs)
        self.converters = converters

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValueError("not a list of strings")
            # zip(strict=True) raises ValueError on a wrong number of keys
            return [convert(v) for convert, v in zip(self.converters, values, strict=True)]
        except ValueError:
            raise ValidationError("Not a valid cursor.") from None


class SpeakerSchema(Schema):
    name = CleanString(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    organization = CleanString(load_default="", validate=validate.Length(max=200))
    bio = CleanString(load_default="", validate=validate.Length(max=2000))


class NewSessionSchema(Schema):
    """Payload of create_session."""

    title = CleanString(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    abstract = CleanString(load_default="", validate=validate.Length(max=5000))
    track = CleanString(required=True, validate=validate.Length(min=1, max=40))
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
    track = CleanString(validate=validate.Length(min=1, max=40))
    day = fields.Date(validate=validate.Range(min=EARLIEST.date(), max=date(2099, 12, 31)))
    q = CleanString(validate=validate.Length(max=200))


class SessionsPageSchema(Schema):
    filters = fields.Nested(SessionFiltersSchema, required=True)
    limit = fields.Integer(load_default=50, strict=True, validate=validate.Range(min=1, max=200))
    cursor = Cursor(aware_datetime, str, load_default=None, allow_none=True)


class HoldersPageSchema(Schema):
    session_id = CleanString(required=True, validate=validate.Length(min=1, max=36))
    limit = fields.Integer(load_default=1000, strict=True, validate=validate.Range(min=1, max=5000))
    cursor = Cursor(str, load_default=None, allow_none=True)


class SessionIdSchema(Schema):
    session_id = CleanString(required=True, validate=validate.Length(min=1, max=36))


class AttendeeIdSchema(Schema):
    attendee_id = CleanString(required=True, validate=validate.Length(min=1, max=36))


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
