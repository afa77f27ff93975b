"""Event contracts: the envelope every event travels in, and the base for data schemas.

Each producing service's events are declared in ``contracts/events/<service>.py``::

    class AttendeeRegistered(EventSchema):
        source_service = "registration"
        event_type = "attendee_registered"
        version = 1
        attendee_id = fields.String(required=True)

and consumers import that class: the schema is the contract between them.  ``version``
is the event's major version: fields may be added within it (consumers ignore what they
do not know), a breaking change is a new major, and a consumer parks an event of a
major its schema does not describe (docs/events.md).
"""

import uuid
from datetime import UTC, datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

ISO = "iso"
REDACTED = "[redacted]"
# event type -> the data fields the outbox blanks once the event is published
SECRET_FIELDS = {}


class EventSchema(Schema):
    """Schema of one event's ``data``. Subclasses set the three class attributes, and
    ``secret_fields`` for data that must travel but not be kept (a login code)."""

    source_service: str = ""
    event_type: str = ""
    version: int = 1
    secret_fields: tuple = ()

    class Meta:
        # a newer producer may add fields; an older consumer ignores them
        unknown = EXCLUDE

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.secret_fields:
            SECRET_FIELDS[cls.event_type] = tuple(cls.secret_fields)


def redacted(envelope):
    """``envelope`` with its event type's secret fields blanked (the same dict if none)."""
    secret = SECRET_FIELDS.get(envelope.get("type"), ())
    if not secret:
        return envelope
    data = {
        name: REDACTED if name in secret and value else value
        for name, value in envelope["data"].items()
    }
    return {**envelope, "data": data}


class EnvelopeSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    occurred_at = fields.AwareDateTime(required=True, format=ISO)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    data = fields.Dict(required=True)

    class Meta:
        unknown = EXCLUDE


def utcnow():
    return datetime.now(UTC)


def new_envelope(schema_cls, data):
    """Validate ``data`` against the event's schema and wrap it in an envelope (a dict
    ready for JSON). Raises ValidationError: emitting a malformed event is a bug."""
    schema = schema_cls()
    dumped = schema.dump(data)
    errors = schema.validate(dumped)
    if errors:
        raise ValidationError(errors)
    return {
        "id": str(uuid.uuid4()),
        "type": schema_cls.event_type,
        "occurred_at": utcnow().isoformat(),
        "version": schema_cls.version,
        "data": dumped,
    }


class UnsupportedVersion(Exception):
    """An event of a major version its consumer's schema does not describe."""

    def __init__(self, version, schema_cls):
        super().__init__(
            f"unsupported version {version} of {schema_cls.event_type} "
            f"(this consumer knows {schema_cls.version})"
        )


def parse_envelope(body, schema_cls):
    """Return ``(envelope, data)``; raise ValidationError for a malformed message and
    UnsupportedVersion for another major version than ``schema_cls``'s (its data is not
    read: the schema cannot tell what it means)."""
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["event body must be a JSON object"]})
    envelope = EnvelopeSchema().load(body)
    if envelope["type"] != schema_cls.event_type:
        raise ValidationError({"type": [f"expected {schema_cls.event_type}"]})
    if envelope["version"] != schema_cls.version:
        raise UnsupportedVersion(envelope["version"], schema_cls)
    data = schema_cls().load(envelope["data"])
    return envelope, data
