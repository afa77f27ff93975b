from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from contracts.enums import INTERACTION_KINDS, MEETING_ANSWERS, MEETING_STATUSES, TIERS
from plumbing.cursors import Cursor, Limit, integer, text
from plumbing.fields import Id, Text, TrimmedText, Url, not_blank
from plumbing.schemas import load_or_invalid

# in the order exhibitors are listed
MAX_PRODUCTS = 100
MAX_PROPOSED_TIMES = 5
MAX_ANALYTICS_DAYS = 366
# base64 of [tier rank, name, id] for a 200-character name at 4 UTF-8 bytes a character
EXHIBITOR_CURSOR_LENGTH = 1200


def load_filters(schema_cls, filters):
    """A list RPC's ``filters`` argument loaded by ``schema_cls`` (None is no filter)."""
    return load_or_invalid(
        schema_cls, {} if filters is None else filters, "The filters are not valid."
    )


def web_url(**kwargs):
    return Url(
        allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=2000), **kwargs
    )


def category_field(**kwargs):
    return TrimmedText(validate=[validate.Length(min=1, max=50), not_blank], **kwargs)


class StaffInputSchema(Schema):
    name = TrimmedText(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    role = TrimmedText(load_default="", validate=validate.Length(max=100))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))


class ProductInputSchema(Schema):
    name = TrimmedText(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    description = Text(load_default="", validate=validate.Length(max=2000))
    category = TrimmedText(load_default="", validate=validate.Length(max=50))
    media_url = web_url(load_default=None)
    resource_url = web_url(
        load_default=None, metadata={"description": "What a download of this product fetches."}
    )


class ProductChangeSchema(Schema):
    """Body of PATCH /v1/exhibitors/{id}/products/{product_id}: any subset."""

    name = TrimmedText(validate=[validate.Length(min=1, max=200), not_blank])
    description = Text(validate=validate.Length(max=2000))
    category = TrimmedText(validate=validate.Length(max=50))
    media_url = web_url()
    resource_url = web_url()


def distinct_categories(categories):
    """Categories without case-insensitive repeats, in the order given."""
    seen, kept = set(), []
    for category in categories:
        if category.lower() not in seen:
            seen.add(category.lower())
            kept.append(category)
    return kept


class ExhibitorProfileSchema(Schema):
    """The fields an exhibitor edits itself (PATCH /v1/exhibitors/{id}): any subset."""

    name = TrimmedText(validate=[validate.Length(min=1, max=200), not_blank])
    description = Text(validate=validate.Length(max=5000))
    website = web_url()
    logo_url = web_url()
    categories = fields.List(category_field(), validate=validate.Length(max=20))
    staff = fields.List(fields.Nested(StaffInputSchema), validate=validate.Length(max=20))

    @post_load
    def without_repeated_categories(self, data, **kwargs):
        if "categories" in data:
            data["categories"] = distinct_categories(data["categories"])
        return data


class ExhibitorInputSchema(ExhibitorProfileSchema):
    """Payload of create_exhibitor (POST /v1/exhibitors, organizers only): tier and
    booth are the organizer's to set."""

    name = TrimmedText(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    description = Text(load_default="", validate=validate.Length(max=5000))
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))
    booth = TrimmedText(load_default="", validate=validate.Length(max=50))
    website = web_url(load_default=None)
    logo_url = web_url(load_default=None)
    categories = fields.List(category_field(), load_default=list, validate=validate.Length(max=20))
    staff = fields.List(
        fields.Nested(StaffInputSchema), load_default=list, validate=validate.Length(max=20)
    )
    products = fields.List(
        fields.Nested(ProductInputSchema),
        load_default=list,
        validate=validate.Length(max=MAX_PRODUCTS),
    )


class ExhibitorFiltersSchema(Schema):
    q = TrimmedText(load_default="", allow_none=True, validate=validate.Length(max=200))
    tier = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TIERS))
    category = TrimmedText(load_default=None, allow_none=True, validate=validate.Length(max=50))


class ExhibitorsPageArgs(Schema):
    limit = Limit()
    cursor = Cursor(integer, text, text, max_length=EXHIBITOR_CURSOR_LENGTH)


class ExhibitorIdArgs(Schema):
    exhibitor_id = Id(required=True)


class ProductIdArgs(Schema):
    product_id = Id(required=True)


class MeetingIdArgs(Schema):
    meeting_id = Id(required=True)


class AttendeeIdArgs(Schema):
    attendee_id = Id(required=True)


class InteractionInputSchema(Schema):
    """Payload of record_interaction (POST /v1/exhibitors/{id}/interactions)."""

    kind = fields.String(required=True, validate=validate.OneOf(INTERACTION_KINDS))
    product_id = Id(load_default=None, allow_none=True)
    message = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    proposed_times = fields.List(
        fields.AwareDateTime(),
        load_default=list,
        validate=validate.Length(max=MAX_PROPOSED_TIMES),
        metadata={"description": "meeting_request only: times the attendee could meet"},
    )

    @validates_schema
    def fields_fit_the_kind(self, data, **kwargs):
        if data["kind"] == "download" and data["product_id"] is None:
            raise ValidationError("A download names the product downloaded.", "product_id")
        if data["kind"] != "meeting_request" and data["proposed_times"]:
            raise ValidationError("Only a meeting request proposes times.", "proposed_times")


class LeadFiltersSchema(Schema):
    min_score = fields.Integer(strict=True, validate=validate.Range(min=0))
    since = fields.AwareDateTime(metadata={"description": "captured at or after"})
    until = fields.AwareDateTime(metadata={"description": "captured before"})


class AnalyticsArgs(Schema):
    start = fields.Date(load_default=None, allow_none=True)
    end = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def a_bounded_range(self, data, **kwargs):
        start, end = data["start"], data["end"]
        if start and end and not 0 <= (end - start).days < MAX_ANALYTICS_DAYS:
            raise ValidationError(
                f"end is on or after start, at most {MAX_ANALYTICS_DAYS} days later.", "end"
            )


class MeetingFiltersSchema(Schema):
    status = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(MEETING_STATUSES)
    )


class MeetingAnswerSchema(Schema):
    """Body of POST /v1/exhibitors/{id}/meetings/{meeting_id}/answer."""

    status = fields.String(required=True, validate=validate.OneOf(MEETING_ANSWERS))
    accepted_time = fields.AwareDateTime(load_default=None, allow_none=True)
    message = Text(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def acceptance_names_a_time(self, data, **kwargs):
        if data["status"] == "accepted" and data["accepted_time"] is None:
            raise ValidationError("Accepting a meeting names its time.", "accepted_time")
        if data["status"] == "declined" and data["accepted_time"] is not None:
            raise ValidationError("A declined meeting has no time.", "accepted_time")


# -- what the service returns -----------------------------------------------------------


class StaffSchema(Schema):
    name = fields.String()
    role = fields.String()
    email = fields.String(allow_none=True)


class ProductSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    category = fields.String()
    media_url = fields.String(allow_none=True)
    resource_url = fields.String(allow_none=True)


class ExhibitorSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    tier = fields.String()
    booth = fields.String()
    website = fields.String(allow_none=True)
    logo_url = fields.String(allow_none=True)
    categories = fields.List(fields.String())
    staff = fields.List(fields.Nested(StaffSchema))
    products = fields.List(fields.Nested(ProductSchema))


class LeadContactSchema(Schema):
    full_name = fields.String()
    email = fields.String()
    organization = fields.String()


class LeadInteractionSchema(Schema):
    kind = fields.String()
    product_id = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    occurred_at = fields.AwareDateTime()


class ExportedInteractionSchema(LeadInteractionSchema):
    id = fields.String()
    exhibitor_id = fields.String()
    lead_id = fields.String(allow_none=True)


class LeadSchema(Schema):
    id = fields.String()
    attendee = fields.Nested(LeadContactSchema, attribute="contact")
    score = fields.Integer()
    interactions = fields.List(fields.Nested(LeadInteractionSchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class MeetingSchema(Schema):
    id = fields.String()
    exhibitor_id = fields.String()
    lead_id = fields.String()
    attendee = fields.Nested(LeadContactSchema, attribute="contact")
    message = fields.String(allow_none=True)
    proposed_times = fields.List(fields.String())
    status = fields.String()
    accepted_time = fields.AwareDateTime(allow_none=True)
    answer = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    answered_at = fields.AwareDateTime(allow_none=True)


class BoothTotalsSchema(Schema):
    visits = fields.Integer()
    downloads = fields.Integer()
    meeting_requests = fields.Integer()
    leads = fields.Integer(metadata={"description": "leads captured"})


class BoothDaySchema(BoothTotalsSchema):
    day = fields.Date()
    # unique visitors are counted per day only (see Interaction.visitor_hash)
    unique_visitors = fields.Integer()


class BoothAnalyticsSchema(Schema):
    exhibitor_id = fields.String()
    days = fields.List(fields.Nested(BoothDaySchema))
    totals = fields.Nested(BoothTotalsSchema)
