"""marshmallow fields every service needs the same way."""

from marshmallow import ValidationError, fields


class Text(fields.String):
    """A string PostgreSQL can store: NUL characters are refused, not a server error."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        return text


def not_blank(text):
    if not text.strip():
        raise ValidationError("Must not be blank.")
