import zoneinfo
from datetime import UTC, date, datetime

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from contracts.enums import MESSAGE_KINDS, SESSION_KINDS
from plumbing.cursors import Cursor, Limit, aware_datetime, text
from plumbing.fields import Id, MultiLine, SingleLine, StrictBoolean, Text, Url, not_blank

# Plausible conference dates; also keeps date arithmetic far from datetime's limits.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
PROGRAM_YEARS = (EARLIEST.year, LATEST.year - 1)


def within_program_years(moment):
    """The year as written (OpenAPI publishes it as a pattern): 2000 to 2099."""
    if not PROGRAM_YEARS[0] <= moment.year <= PROGRAM_YEARS[1]:
        raise ValidationError(f"The year is from {PROGRAM_YEARS[0]} to {PROGRAM_YEARS[1]}.")


WITHIN_PROGRAM_YEARS = within_program_years
PROGRAM_DAYS = validate.Range(min=EARLIEST.date(), max=date(LATEST.year - 1, 12, 31))
MESSAGE_MAX_CHARS = 1000
# the chat viewer the gateway passes for the organizer token (attendees pass themselves)
ORGANIZER = {"organizer": True}


# the names OpenAPI publishes (an enum): ZoneInfo alone would take more (``posix/...``)
TIME_ZONES = frozenset(zoneinfo.available_timezones())


def time_zone(name):
    """An IANA time zone name (``Europe/Paris``) -> ZoneInfo; ValidationError otherwise."""
    if name not in TIME_ZONES:
        raise ValidationError("Not a known IANA time zone.")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError("Not a known IANA time zone.") from None


class TimeZone(Text):
    def _deserialize(self, value, attr, data, **kwargs):
        name = super()._deserialize(value, attr, data, **kwargs)
        if not 1 <= len(name) <= 64:
            raise ValidationError("Not a known IANA time zone.")
        time_zone(name)
        return name


class SpeakerSchema(Schema):
    name = SingleLine(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    organization = SingleLine(load_default="", validate=validate.Length(max=200))
    bio = MultiLine(load_default="", validate=validate.Length(max=2000))
    # never shown publicly: an attendee signed in with this email moderates the session
    email = fields.Email(validate=validate.Length(max=320))


class NewSessionSchema(Schema):
    """Payload of create_session."""

    title = SingleLine(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    abstract = MultiLine(load_default="", validate=validate.Length(max=5000))
    track = SingleLine(required=True, validate=validate.Length(min=1, max=40))
    kind = fields.String(required=True, validate=validate.OneOf(SESSION_KINDS))
    starts_at = fields.AwareDateTime(required=True, validate=WITHIN_PROGRAM_YEARS)
    ends_at = fields.AwareDateTime(required=True, validate=WITHIN_PROGRAM_YEARS)
    speakers = fields.List(
        fields.Nested(SpeakerSchema), load_default=list, validate=validate.Length(max=20)
    )
    capacity = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=100_000)
    )
    stream_url = Url(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    recording_url = Url(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def ends_after_start(self, data, **kwargs):
        if "starts_at" in data and "ends_at" in data and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("Must be after starts_at.", "ends_at")

    @post_load
    def tidy(self, data, **kwargs):
        if "title" in data:
            data["title"] = data["title"].strip()
        for name in ("starts_at", "ends_at"):
            if name in data:
                data[name] = data[name].astimezone(UTC)
        return data


class SessionChangesSchema(NewSessionSchema):
    """Payload of update_session: any fields of a new session, at least one."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.")


class CancellationSchema(Schema):
    reason = SingleLine(load_default="", validate=validate.Length(max=500))


class NewTrackSchema(Schema):
    id = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,39}$", error="Use 1-40 of a-z, 0-9, -."),
    )
    name = SingleLine(required=True, validate=[validate.Length(min=1, max=100), not_blank])
    description = MultiLine(load_default="", validate=validate.Length(max=500))


# -- the event itself (the organizer edits it; the home page and the feeds name it) ------

EVENT_MAX_DAYS = 14
EVENT_MAX_LINKS = 20
EVENT_DAYS = validate.Range(min=EARLIEST.date(), max=date(2099, 12, 31))


def event_url(**kwargs):
    """A link a browser opens: http(s) only, never javascript: or data:."""
    return Url(schemes={"http", "https"}, validate=validate.Length(max=2000), **kwargs)


class EventContactSchema(Schema):
    name = SingleLine(load_default="", validate=validate.Length(max=200))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = SingleLine(
        load_default="",
        validate=validate.Regexp(r"^[0-9+()./ -]{0,40}$", error="Digits, spaces and +()-./ only."),
    )
    url = event_url(load_default=None, allow_none=True)


class EventLinkSchema(Schema):
    title = SingleLine(required=True, validate=[validate.Length(min=1, max=100), not_blank])
    url = event_url(required=True)


class EventPayload(Schema):
    """Body of PUT /v1/event: the whole event (what is left out takes its default)."""

    name = SingleLine(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    theme = SingleLine(load_default="", validate=validate.Length(max=200))
    description = MultiLine(trim=True, load_default="", validate=validate.Length(max=5000))
    time_zone = TimeZone(required=True, metadata={"description": "IANA zone, e.g. Europe/Paris"})
    kickoff_day = fields.Date(load_default=None, allow_none=True, validate=EVENT_DAYS)
    conference_days = fields.List(
        fields.Date(validate=EVENT_DAYS),
        load_default=list,
        validate=validate.Length(max=EVENT_MAX_DAYS),
        metadata={"uniqueItems": True, "description": "each day once"},
    )
    contact = fields.Nested(EventContactSchema, load_default=dict)
    links = fields.List(
        fields.Nested(EventLinkSchema),
        load_default=list,
        validate=validate.Length(max=EVENT_MAX_LINKS),
    )

    @validates_schema
    def days_in_order(self, data, **kwargs):
        days = data.get("conference_days") or []
        if len(set(days)) != len(days):
            raise ValidationError("Each day once.", "conference_days")
        kickoff = data.get("kickoff_day")
        if kickoff is not None and days and kickoff >= min(days):
            raise ValidationError("Must be before the first conference day.", "kickoff_day")

    @post_load
    def sort_days(self, data, **kwargs):
        data["conference_days"] = sorted(data["conference_days"])
        return data


class SessionFiltersSchema(Schema):
    track = SingleLine(validate=validate.Length(min=1, max=40))
    day = fields.Date(validate=PROGRAM_DAYS)
    tz = TimeZone(metadata={"description": "IANA zone the day is in (default UTC)"})
    kind = fields.String(validate=validate.OneOf(SESSION_KINDS))
    speaker = SingleLine(validate=validate.Length(min=1, max=200))
    q = SingleLine(validate=validate.Length(max=200))


class SessionsPageArgs(Schema):
    filters = fields.Nested(SessionFiltersSchema, required=True)
    limit = Limit()
    cursor = Cursor(aware_datetime, text)


class HoldersPageArgs(Schema):
    session_id = Id(required=True)
    limit = Limit(default=1000, maximum=5000)
    cursor = Cursor(text)


class SessionIdArgs(Schema):
    session_id = Id(required=True)


class AttendeeIdArgs(Schema):
    attendee_id = Id(required=True)


class AttendeeSessionArgs(AttendeeIdArgs, SessionIdArgs):
    pass


class ActingAttendeeArgs(Schema):
    """Who is acting, as the gateway authenticated them."""

    attendee_id = Id(required=True)
    full_name = SingleLine(required=True, validate=validate.Length(max=200))
    email = Text(required=True, validate=validate.Length(max=320))
    # when the attendee proved owning ``email`` (a login code); None: not proven, and
    # then the email gives no speaker's rights
    email_verified_at = fields.AwareDateTime(load_default=None, allow_none=True)


class SessionActorArgs(SessionIdArgs):
    attendee = fields.Nested(ActingAttendeeArgs, required=True)


class ReportPageArgs(SessionIdArgs):
    limit = Limit()
    cursor = Cursor(text)


class NewMessageSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(MESSAGE_KINDS))
    body = MultiLine(
        trim=True,
        required=True,
        validate=[validate.Length(min=1, max=MESSAGE_MAX_CHARS), not_blank],
    )


class MessageChangesSchema(Schema):
    answered = StrictBoolean()
    hidden = StrictBoolean()

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give answered, hidden or both.")


class MessagesPageArgs(SessionIdArgs):
    kind = fields.String(validate=validate.OneOf(MESSAGE_KINDS))
    limit = Limit()
    cursor = Cursor(aware_datetime, text)


class MessageIdArgs(Schema):
    message_id = Id(required=True)


# -- what the service answers ------------------------------------------------------------


class TrackSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()


class PublicSpeakerSchema(Schema):
    name = fields.String()
    organization = fields.String()
    bio = fields.String()


class SessionSchema(Schema):
    """A session as anyone may see it."""

    id = fields.String()
    title = fields.String()
    abstract = fields.String()
    track = fields.String(attribute="track_id")
    kind = fields.String()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    speakers = fields.List(fields.Nested(PublicSpeakerSchema))
    capacity = fields.Integer(allow_none=True)
    status = fields.String()
    cancel_reason = fields.String()
    recording_url = fields.String(allow_none=True)
    sequence = fields.Integer()
    updated_at = fields.AwareDateTime()


class SpeakerViewSchema(PublicSpeakerSchema):
    email = fields.String()


class OrganizerSessionSchema(SessionSchema):
    """A session as its organizers see it: with the stream and the speakers' emails."""

    speakers = fields.List(fields.Nested(SpeakerViewSchema))
    stream_url = fields.String(allow_none=True)


class OverlapSchema(Schema):
    session_id = fields.String(attribute="id")
    title = fields.String()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()


class AgendaEntrySchema(Schema):
    session_id = fields.String()
    added_at = fields.AwareDateTime()
    overlaps = fields.List(
        fields.Nested(OverlapSchema),
        metadata={"description": "sessions already in the agenda at the same time"},
    )


class JoinSchema(Schema):
    session_id = fields.String()
    status = fields.String()
    stream_url = fields.String(allow_none=True)
    joined_at = fields.AwareDateTime()
    heartbeat_seconds = fields.Integer(
        metadata={"description": "join again within this many seconds to stay counted"}
    )


class AttendanceSchema(Schema):
    attendee_id = fields.String()
    full_name = fields.String()
    email = fields.String()
    minutes = fields.Float()
    first_joined_at = fields.AwareDateTime()
    last_seen_at = fields.AwareDateTime()


class AttendanceReportSchema(Schema):
    session_id = fields.String()
    items = fields.List(fields.Nested(AttendanceSchema))
    next_cursor = fields.String(allow_none=True)


class MessageSchema(Schema):
    id = fields.String()
    session_id = fields.String()
    kind = fields.String()
    author_id = fields.String()
    author_name = fields.String()
    body = fields.String()
    posted_at = fields.AwareDateTime()
    upvotes = fields.Integer()
    answered = fields.Function(lambda message: message.answered_at is not None)
    hidden = fields.Function(lambda message: message.hidden_at is not None)


class EventContactViewSchema(Schema):
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String()
    url = fields.String(allow_none=True)


class EventLinkViewSchema(Schema):
    title = fields.String()
    url = fields.String()


class EventDetailsSchema(Schema):
    """The event as anyone may see it."""

    name = fields.String()
    theme = fields.String()
    description = fields.String()
    time_zone = fields.String()
    kickoff_day = fields.Date(allow_none=True)
    conference_days = fields.List(fields.Date())
    contact = fields.Nested(EventContactViewSchema)
    links = fields.List(fields.Nested(EventLinkViewSchema))
    updated_at = fields.AwareDateTime(allow_none=True)
