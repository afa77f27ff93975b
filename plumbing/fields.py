"""marshmallow fields every service needs the same way.

Every string a service stores or queries with goes through one of these: PostgreSQL
cannot hold a NUL character, so it is refused here rather than failing in the database.
"""

from marshmallow import ValidationError, fields, validate

MAX_ID_LENGTH = 36  # ids are uuid4 strings


def refuse_nul(text):
    if "\x00" in text:
        raise ValidationError("Must not contain NUL characters.")
    return text


class Text(fields.String):
    """A string PostgreSQL can store: NUL characters are refused, not a server error."""

    def _deserialize(self, value, attr, data, **kwargs):
        return refuse_nul(super()._deserialize(value, attr, data, **kwargs))


class TrimmedText(Text):
    """Text without its surrounding whitespace, validated after trimming."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Url(Text, fields.Url):
    """A URL PostgreSQL can store (marshmallow's URL check lets NUL through in the path)."""


class Id(Text):
    """An id argument: a non-empty string no longer than a uuid4."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(min=1, max=MAX_ID_LENGTH), **kwargs)


def not_blank(text):
    if not text.strip():
        raise ValidationError("Must not be blank.")


class StrictBoolean(fields.Boolean):
    """JSON true or false only: not "yes", 1 or "on" (consent, flags)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
