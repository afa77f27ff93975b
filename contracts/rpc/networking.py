"""RPC payloads and answers of the networking service; the gateway validates HTTP
bodies and queries with the same schemas and documents them in OpenAPI."""

from datetime import UTC

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from plumbing.cursors import Cursor, Limit, aware_datetime, text
from plumbing.fields import Id, MultiLine, SingleLine, StrictBoolean, Text, not_blank

PROFILE_FIELDS = ("organization", "job_title", "interests", "bio", "looking_for")
CONNECTION_STATES = ("none", "pending_out", "pending_in", "connected")
REQUEST_DIRECTIONS = ("incoming", "outgoing")
MEETING_STATUSES = ("proposed", "accepted", "declined", "cancelled")
REPORT_REASONS = ("spam", "harassment", "inappropriate", "impersonation", "other")
REPORT_STATUSES = ("open", "resolved", "dismissed")
REPORT_OUTCOMES = ("resolved", "dismissed")
MAX_INTERESTS = 100
MAX_CHOSEN_INTERESTS = 10
MAX_SLOTS = 5
DM_MAX_CHARS = 2000
TABLE_MESSAGE_MAX_CHARS = 1000
DIRECTORY_MIN_QUERY = 2
MEETING_MIN_MINUTES = 5
MEETING_MAX_MINUTES = 120
# base64 of [name, id] for a 200-character name at 4 UTF-8 bytes a character
DIRECTORY_CURSOR_LENGTH = 1200


def line(max_length, required=False, **kwargs):
    checks = [validate.Length(min=1 if required else 0, max=max_length)]
    if required:
        checks.append(not_blank)
    return SingleLine(required=required, validate=checks, **kwargs)


def paragraph(max_length, required=False, **kwargs):
    checks = [validate.Length(min=1 if required else 0, max=max_length)]
    if required:
        checks.append(not_blank)
    return MultiLine(trim=True, required=required, validate=checks, **kwargs)


class AttendeeIdArgs(Schema):
    attendee_id = Id(required=True)


class ActorSchema(Schema):
    """Who is acting, as the gateway authenticated them."""

    attendee_id = Id(required=True)
    full_name = SingleLine(required=True, validate=validate.Length(max=200))
    email = Text(required=True, validate=validate.Length(max=320))
    organization = SingleLine(load_default="", validate=validate.Length(max=200))


class PageArgs(Schema):
    limit = Limit()
    cursor = Cursor(aware_datetime, text)


# -- directory, profile, interests, settings -------------------------------------------


class InterestSchema(Schema):
    id = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,39}$", error="Use 1-40 of a-z, 0-9, -."),
    )
    label = line(80, required=True)


class InterestsPayload(Schema):
    """Body of PUT /v1/networking/interests: the whole list, in its order."""

    interests = fields.List(
        fields.Nested(InterestSchema), required=True, validate=validate.Length(max=MAX_INTERESTS)
    )

    @validates_schema
    def distinct_ids(self, data, **kwargs):
        ids = [interest["id"] for interest in data.get("interests", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("Each interest id once.", "interests")


class SettingsPayload(Schema):
    open_messaging = StrictBoolean(
        metadata={"description": "any two listed attendees may message without connecting"}
    )

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one setting.")


class SettingsSchema(Schema):
    open_messaging = fields.Boolean()


class ProfilePayload(Schema):
    """Body of PUT /v1/me/profile: the whole profile."""

    listed = StrictBoolean(required=True, metadata={"description": "appear in the directory"})
    job_title = line(120, load_default="")
    bio = paragraph(500, load_default="")
    looking_for = paragraph(300, load_default="")
    interests = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        load_default=list,
        validate=validate.Length(max=MAX_CHOSEN_INTERESTS),
        metadata={"description": "ids from GET /v1/networking/interests"},
    )
    shown_fields = fields.List(
        fields.String(validate=validate.OneOf(PROFILE_FIELDS)),
        load_default=lambda: list(PROFILE_FIELDS),
        validate=validate.Length(max=len(PROFILE_FIELDS)),
        metadata={"description": "what the directory shows besides the name"},
    )

    @post_load
    def distinct(self, data, **kwargs):
        for name in ("interests", "shown_fields"):
            data[name] = list(dict.fromkeys(data[name]))
        return data


class DirectoryQuery(Schema):
    q = SingleLine(
        validate=validate.Length(min=DIRECTORY_MIN_QUERY, max=100),
        metadata={"description": f"name or organization, at least {DIRECTORY_MIN_QUERY} chars"},
    )
    interest = fields.String(validate=validate.Length(min=1, max=40))
    limit = Limit()
    cursor = Cursor(text, text, max_length=DIRECTORY_CURSOR_LENGTH)


class DirectoryEntrySchema(Schema):
    attendee_id = fields.String()
    full_name = fields.String()
    organization = fields.String(allow_none=True)
    job_title = fields.String(allow_none=True)
    interests = fields.List(fields.String(), allow_none=True)
    bio = fields.String(allow_none=True)
    looking_for = fields.String(allow_none=True)


class DirectoryProfileSchema(DirectoryEntrySchema):
    connection = fields.String(metadata={"enum": list(CONNECTION_STATES)})
    email = fields.String(
        allow_none=True, metadata={"description": "only between connected attendees"}
    )


class MyProfileSchema(Schema):
    attendee_id = fields.String()
    full_name = fields.String()
    organization = fields.String()
    listed = fields.Boolean()
    job_title = fields.String()
    bio = fields.String()
    looking_for = fields.String()
    interests = fields.List(fields.String())
    shown_fields = fields.List(fields.String())
    updated_at = fields.AwareDateTime(allow_none=True)


# -- connections ---------------------------------------------------------------------


class ConnectionRequestPayload(Schema):
    attendee_id = Id(required=True)
    message = paragraph(300, load_default="")


class RequestQuery(Schema):
    direction = fields.String(load_default="incoming", validate=validate.OneOf(REQUEST_DIRECTIONS))
    limit = Limit()
    cursor = Cursor(aware_datetime, text)


class PersonSchema(Schema):
    attendee_id = fields.String()
    full_name = fields.String()


class ConnectionRequestSchema(Schema):
    id = fields.String()
    requester = fields.Nested(PersonSchema)
    recipient = fields.Nested(PersonSchema)
    message = fields.String()
    status = fields.String(metadata={"enum": ["pending", "accepted", "declined", "withdrawn"]})
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()


class ConnectionSchema(Schema):
    attendee_id = fields.String()
    full_name = fields.String()
    organization = fields.String()
    email = fields.String()
    connected_at = fields.AwareDateTime()


class ConnectResultSchema(Schema):
    status = fields.String(metadata={"enum": ["pending", "connected"]})
    request = fields.Nested(ConnectionRequestSchema, allow_none=True)
    connection = fields.Nested(ConnectionSchema, allow_none=True)


# -- direct messages -----------------------------------------------------------------


class NewDirectMessagePayload(Schema):
    to = Id(required=True, metadata={"description": "the recipient's attendee id"})
    body = paragraph(DM_MAX_CHARS, required=True)


class MessageBodyPayload(Schema):
    body = paragraph(DM_MAX_CHARS, required=True)


class DirectMessageSchema(Schema):
    id = fields.String()
    conversation_id = fields.String()
    sender_id = fields.String()
    body = fields.String(allow_none=True, metadata={"description": "null when hidden"})
    hidden = fields.Boolean()
    sent_at = fields.AwareDateTime()


class ConversationSchema(Schema):
    id = fields.String()
    other = fields.Nested(PersonSchema)
    last_message = fields.Nested(DirectMessageSchema, allow_none=True)
    unread_count = fields.Integer()
    updated_at = fields.AwareDateTime()


class ConversationsPageSchema(Schema):
    items = fields.List(fields.Nested(ConversationSchema))
    next_cursor = fields.String(allow_none=True)
    unread_count = fields.Integer(metadata={"description": "unread messages in all"})


class ReadMarkerSchema(Schema):
    conversation_id = fields.String()
    unread_count = fields.Integer()
    read_at = fields.AwareDateTime()


# -- blocks, reports, silences ---------------------------------------------------------


class BlockSchema(Schema):
    attendee_id = fields.String()
    full_name = fields.String()
    blocked_at = fields.AwareDateTime()


class ReportPayload(Schema):
    attendee_id = Id(load_default=None, allow_none=True)
    message_id = Id(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=validate.OneOf(REPORT_REASONS))
    details = paragraph(1000, load_default="")

    @validates_schema
    def one_subject(self, data, **kwargs):
        if (data.get("attendee_id") is None) == (data.get("message_id") is None):
            raise ValidationError("Report a person (attendee_id) or a message (message_id).")


class ReportQuery(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(REPORT_STATUSES))
    limit = Limit()
    cursor = Cursor(aware_datetime, text)


class ReportResolutionPayload(Schema):
    status = fields.String(required=True, validate=validate.OneOf(REPORT_OUTCOMES))
    note = paragraph(1000, load_default="")


class ReportSchema(Schema):
    id = fields.String()
    reporter_id = fields.String(allow_none=True)
    attendee_id = fields.String(allow_none=True, metadata={"description": "who is reported"})
    message_id = fields.String(allow_none=True)
    message_body = fields.String(allow_none=True)
    reason = fields.String()
    details = fields.String()
    status = fields.String()
    note = fields.String()
    created_at = fields.AwareDateTime()
    resolved_at = fields.AwareDateTime(allow_none=True)


class SilencePayload(Schema):
    reason = line(300, load_default="")


class SilenceSchema(Schema):
    attendee_id = fields.String()
    reason = fields.String()
    silenced_at = fields.AwareDateTime()


# -- meetings --------------------------------------------------------------------------


class SlotSchema(Schema):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)

    @validates_schema
    def a_sensible_length(self, data, **kwargs):
        if "starts_at" not in data or "ends_at" not in data:
            return
        minutes = (data["ends_at"] - data["starts_at"]).total_seconds() / 60
        if not MEETING_MIN_MINUTES <= minutes <= MEETING_MAX_MINUTES:
            raise ValidationError(
                f"A meeting lasts {MEETING_MIN_MINUTES} to {MEETING_MAX_MINUTES} minutes.",
                "ends_at",
            )

    @post_load
    def in_utc(self, data, **kwargs):
        return {name: moment.astimezone(UTC) for name, moment in data.items()}


class MeetingPayload(Schema):
    with_ = Id(required=True, data_key="with", metadata={"description": "attendee id"})
    message = paragraph(500, load_default="")
    slots = fields.List(
        fields.Nested(SlotSchema), required=True, validate=validate.Length(min=1, max=MAX_SLOTS)
    )


class MeetingAcceptPayload(Schema):
    slot = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=MAX_SLOTS - 1),
        metadata={"description": "index of the accepted slot"},
    )


class AttendeeMeetingQuery(Schema):
    status = fields.String(validate=validate.OneOf(MEETING_STATUSES))
    limit = Limit()
    cursor = Cursor(aware_datetime, text)


class SlotOutSchema(Schema):
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()


class AttendeeMeetingSchema(Schema):
    id = fields.String()
    organizer = fields.Nested(PersonSchema)
    invitee = fields.Nested(PersonSchema)
    message = fields.String()
    slots = fields.List(fields.Nested(SlotOutSchema))
    status = fields.String(metadata={"enum": list(MEETING_STATUSES)})
    starts_at = fields.AwareDateTime(allow_none=True)
    ends_at = fields.AwareDateTime(allow_none=True)
    room_url = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


# -- networking tables -------------------------------------------------------------------


class TablePayload(Schema):
    topic = line(120, required=True)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=2, max=50))


class TableChangesPayload(Schema):
    topic = line(120)
    capacity = fields.Integer(strict=True, validate=validate.Range(min=2, max=50))

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give topic, capacity or both.")


class TableSchema(Schema):
    id = fields.String()
    session_id = fields.String()
    topic = fields.String()
    capacity = fields.Integer()
    present = fields.Integer()
    created_at = fields.AwareDateTime()


class TableJoinSchema(Schema):
    table_id = fields.String()
    room_url = fields.String()
    joined_at = fields.AwareDateTime()
    heartbeat_seconds = fields.Integer(
        metadata={"description": "join again within this many seconds to stay present"}
    )


class TableMessagePayload(Schema):
    body = paragraph(TABLE_MESSAGE_MAX_CHARS, required=True)


class TableMessageSchema(Schema):
    id = fields.String()
    table_id = fields.String()
    author = fields.Nested(PersonSchema)
    body = fields.String(allow_none=True, metadata={"description": "null when hidden"})
    hidden = fields.Boolean()
    posted_at = fields.AwareDateTime()


# -- speed networking ------------------------------------------------------------------


class SpeedRoundSchema(Schema):
    id = fields.String()
    session_id = fields.String()
    partner = fields.Nested(DirectoryEntrySchema)
    shared_interests = fields.List(fields.String())
    room_url = fields.String()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()


class SpeedStatusSchema(Schema):
    status = fields.String(metadata={"enum": ["idle", "waiting", "paired"]})
    queued_at = fields.AwareDateTime(allow_none=True)
    round = fields.Nested(SpeedRoundSchema, allow_none=True)


# -- FAQ -------------------------------------------------------------------------------


class FaqPayload(Schema):
    question = line(300, required=True)
    answer = paragraph(5000, required=True)
    category = line(60, load_default="General")
    position = fields.Integer(
        load_default=0, strict=True, validate=validate.Range(min=0, max=10_000)
    )
    published = StrictBoolean(load_default=True)


class FaqChangesPayload(Schema):
    question = line(300)
    answer = paragraph(5000)
    category = line(60)
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))
    published = StrictBoolean()

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.")


class FaqQuery(Schema):
    q = SingleLine(validate=validate.Length(max=100))
    category = SingleLine(validate=validate.Length(max=60))


class FaqEntrySchema(Schema):
    id = fields.String()
    question = fields.String()
    answer = fields.String()
    category = fields.String()
    position = fields.Integer()
    published = fields.Boolean()
    updated_at = fields.AwareDateTime()


class IdArgs(Schema):
    """Any one id argument (request, conversation, meeting, table, report, entry...)."""

    id = Id(required=True)


class FaqListSchema(Schema):
    categories = fields.List(fields.String(), metadata={"description": "in their FAQ order"})
    items = fields.List(fields.Nested(FaqEntrySchema))


class HiddenSchema(Schema):
    message_id = fields.String()
    hidden = fields.Boolean()
