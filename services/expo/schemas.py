from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plumbing.fields import Id, Text, TrimmedText, Url
from plumbing.pagination import Cursor, Limit, integer, text

# in the order exhibitors are listed
TIERS = ("platinum", "gold", "silver", "standard")
INTERACTION_KINDS = ("visit", "download", "meeting_request")
# base64 of [tier rank, name, id] for a 200-character name at 4 UTF-8 bytes a character
EXHIBITOR_CURSOR_LENGTH = 1200


class ProductInputSchema(Schema):
    name = TrimmedText(required=True, validate=validate.Length(min=1, max=200))
    description = Text(load_default="", validate=validate.Length(max=2000))


class ExhibitorInputSchema(Schema):
    """Payload of create_exhibitor (POST /v1/exhibitors)."""

    name = TrimmedText(required=True, validate=validate.Length(min=1, max=200))
    description = Text(load_default="", validate=validate.Length(max=5000))
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))
    website = Url(
        load_default=None,
        allow_none=True,
        schemes={"http", "https"},
        validate=validate.Length(max=2000),
    )
    products = fields.List(
        fields.Nested(ProductInputSchema), load_default=list, validate=validate.Length(max=100)
    )


class ExhibitorFiltersSchema(Schema):
    q = TrimmedText(load_default="", allow_none=True, validate=validate.Length(max=200))
    tier = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TIERS))


class ExhibitorsPageArgs(Schema):
    limit = Limit()
    cursor = Cursor(integer, text, text, max_length=EXHIBITOR_CURSOR_LENGTH)


class ExhibitorIdArgs(Schema):
    exhibitor_id = Id(required=True)


class AttendeeIdArgs(Schema):
    attendee_id = Id(required=True)


class InteractionInputSchema(Schema):
    """Payload of record_interaction (POST /v1/exhibitors/{id}/interactions)."""

    kind = fields.String(required=True, validate=validate.OneOf(INTERACTION_KINDS))
    product_id = Id(load_default=None, allow_none=True)
    message = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def download_names_its_product(self, data, **kwargs):
        if data["kind"] == "download" and data["product_id"] is None:
            raise ValidationError("A download names the product downloaded.", "product_id")


class ProductSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()


class ExhibitorSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    tier = fields.String()
    website = fields.String()
    products = fields.List(fields.Nested(ProductSchema))


class LeadContactSchema(Schema):
    full_name = fields.String()
    email = fields.String()
    organization = fields.String()


class LeadInteractionSchema(Schema):
    kind = fields.String()
    product_id = fields.String()
    message = fields.String()
    occurred_at = fields.AwareDateTime()


class LeadSchema(Schema):
    id = fields.String()
    attendee = fields.Nested(LeadContactSchema, attribute="contact")
    score = fields.Integer()
    interactions = fields.List(fields.Nested(LeadInteractionSchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
