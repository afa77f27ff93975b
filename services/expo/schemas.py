from marshmallow import Schema, ValidationError, fields, validate, validates_schema

# in the order exhibitors are listed
TIERS = ("platinum", "gold", "silver", "standard")
INTERACTION_KINDS = ("visit", "download", "meeting_request")


class TrimmedString(fields.String):
    """A string without its surrounding whitespace, validated after trimming."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class ProductInputSchema(Schema):
    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=2000))


class ExhibitorInputSchema(Schema):
    """Payload of create_exhibitor (POST /v1/exhibitors)."""

    name = TrimmedString(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    tier = fields.String(required=True, validate=validate.OneOf(TIERS))
    website = fields.URL(
        load_default=None,
        allow_none=True,
        schemes={"http", "https"},
        validate=validate.Length(max=2000),
    )
    products = fields.List(
        fields.Nested(ProductInputSchema), load_default=list, validate=validate.Length(max=100)
    )


class ExhibitorFiltersSchema(Schema):
    q = TrimmedString(load_default="", allow_none=True, validate=validate.Length(max=200))
    tier = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TIERS))


class InteractionInputSchema(Schema):
    """Payload of record_interaction (POST /v1/exhibitors/{id}/interactions)."""

    kind = fields.String(required=True, validate=validate.OneOf(INTERACTION_KINDS))
    product_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=36)
    )
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

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
