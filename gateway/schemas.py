"""Schemas of the HTTP layer itself: query strings and list envelopes. Bodies use the
owning service's schemas, so the gateway and the service validate alike."""

from marshmallow import Schema, fields, validate

from contracts.enums import SESSION_KINDS
from contracts.rpc.expo import (
    AnalyticsArgs,
    ExhibitorSchema,
    LeadFiltersSchema,
    MeetingFiltersSchema,
)
from contracts.rpc.sessions import TimeZone
from plumbing.fields import SingleLine, Text


class PageQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class SessionQuery(PageQuery):
    track = SingleLine(validate=validate.Length(max=50))
    day = fields.Date()
    tz = TimeZone(metadata={"description": "IANA zone the day is in (default UTC)"})
    kind = fields.String(validate=validate.OneOf(SESSION_KINDS))
    speaker = SingleLine(validate=validate.Length(min=1, max=200))
    q = SingleLine(validate=validate.Length(max=200))


class ExhibitorQuery(PageQuery):
    q = SingleLine(validate=validate.Length(max=200))
    tier = fields.String(validate=validate.OneOf(["platinum", "gold", "silver", "standard"]))
    category = SingleLine(validate=validate.Length(max=50))


class LeadQuery(PageQuery, LeadFiltersSchema):
    """Leads: a page, filtered by score and by when they were captured."""

    # a query string is text: "17" is a number here, unlike in the RPC payload
    min_score = fields.Integer(validate=validate.Range(min=0))


class MeetingQuery(PageQuery, MeetingFiltersSchema):
    pass


class AnalyticsQuery(AnalyticsArgs):
    """Booth analytics: UTC days from ``start`` to ``end``, both included."""


def page_of(item_schema):
    """An ``{items, next_cursor}`` schema for OpenAPI."""
    return type(
        f"{item_schema.__name__.removesuffix('Schema')}PageSchema",
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema)),
            "next_cursor": fields.String(allow_none=True),
        },
    )


def filters_from(query, *names):
    return {name: query[name] for name in names if query.get(name) is not None}


class CreatedExhibitorSchema(ExhibitorSchema):
    api_key = fields.String(metadata={"description": "Shown once; store it now."})


class InteractionResultSchema(Schema):
    interaction_id = fields.String()
    kind = fields.String()
    lead_id = fields.String(
        allow_none=True,
        metadata={
            "description": "null when the attendee has not consented to share with exhibitors"
        },
    )
    meeting_id = fields.String(
        allow_none=True,
        metadata={"description": "the meeting a consenting attendee's request opened"},
    )


class RotatedKeySchema(Schema):
    id = fields.String()
    api_key = fields.String(metadata={"description": "Shown once; the old key stops working."})
