"""Loading RPC input with marshmallow: whatever is wrong with it becomes Invalid."""

from marshmallow import ValidationError

from plumbing.errors import Invalid


def load_or_invalid(schema_cls, payload, detail="The request is not valid."):
    """``payload`` loaded by ``schema_cls``; Invalid, naming each bad field, if it cannot be."""
    if not isinstance(payload, dict):
        raise Invalid(detail, {"_schema": ["Must be an object."]})
    try:
        return schema_cls().load(payload)
    except ValidationError as exc:
        raise Invalid(detail, exc.normalized_messages()) from None


def load_args(schema_cls, **args):
    """RPC arguments loaded by ``schema_cls``; None stands for "not given"."""
    return load_or_invalid(
        schema_cls, {name: value for name, value in args.items() if value is not None}
    )
