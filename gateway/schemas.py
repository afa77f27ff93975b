"""Schemas of the HTTP layer itself: query strings and list envelopes. Bodies and the
filters in query strings use the contracts' schemas, so the gateway and the service
validate alike."""

from marshmallow import Schema, fields, validate

from contracts.rpc.expo import (
    EXHIBITOR_CURSOR_LENGTH,
    AnalyticsArgs,
    ExhibitorFiltersSchema,
    ExhibitorSchema,
    LeadFiltersSchema,
    MeetingFiltersSchema,
)
from contracts.rpc.sessions import SessionFiltersSchema
from plumbing.cursors import CURSOR_PATTERN, MAX_CURSOR_LENGTH
from plumbing.fields import Text


def cursor_field(max_length=MAX_CURSOR_LENGTH):
    """The cursor of a list, described as its service checks it: the pattern and the
    length of what it hands out (a well-formed cursor it did not hand out is a 404)."""
    return Text(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(min=1, max=max_length), validate.Regexp(CURSOR_PATTERN)],
        metadata={"description": "next_cursor of the previous page; absent: the first page"},
    )


class PageQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = cursor_field()


# in this order of bases limit and cursor come first, as in the other list queries
class SessionQuery(SessionFiltersSchema, PageQuery):
    pass


class ExhibitorQuery(ExhibitorFiltersSchema, PageQuery):
    cursor = cursor_field(EXHIBITOR_CURSOR_LENGTH)


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
