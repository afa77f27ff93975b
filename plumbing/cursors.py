"""The arguments of a paged list: its page size and its cursor (see plumbing.pagination).

marshmallow only, no database code: the contracts declare their list arguments with these.
"""

import base64
import binascii
import json
import re
from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate

from plumbing.errors import NotFound
from plumbing.fields import refuse_nul

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR_LENGTH = 500
# what encode_cursor writes: unpadded URL-safe base64 (OpenAPI publishes this pattern)
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"


def encode_cursor(*values):
    """The cursor of a sort key; datetimes travel as ISO 8601 strings."""
    raw = json.dumps(
        [value.isoformat() if isinstance(value, datetime) else value for value in values],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# Converters for Cursor: each takes one decoded JSON value and returns it typed, or
# raises ValueError.


def text(value):
    if not isinstance(value, str):
        raise ValueError("not a string")
    return refuse_nul(value)


def integer(value):
    if type(value) is not int:  # bool is an int too
        raise ValueError("not an integer")
    return value


def aware_datetime(value):
    moment = datetime.fromisoformat(text(value))
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment


class Cursor(fields.String):
    """A cursor argument; loads to the list of its sort key's values, one per converter.

    Absent or None is the first page. A value that is not a cursor at all (not the
    published pattern, too long) is invalid (422); one of the right form that this list
    did not hand out names no page: NotFound (404), as the published contract says.
    """

    def __init__(self, *converters, max_length=MAX_CURSOR_LENGTH, **kwargs):
        super().__init__(load_default=None, allow_none=True, **kwargs)
        self.converters = converters
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        encoded = super()._deserialize(value, attr, data, **kwargs)
        if not 1 <= len(encoded) <= self.max_length or not re.match(CURSOR_PATTERN, encoded):
            raise ValidationError("Not a valid cursor.")
        try:
            values = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
            if not isinstance(values, list):
                raise ValueError("not a list")
            # zip(strict=True) raises ValueError on a wrong number of values
            return [convert(v) for convert, v in zip(self.converters, values, strict=True)]
        except (ValueError, binascii.Error, RecursionError):
            # raised through marshmallow, which collects ValidationErrors only
            raise NotFound("No page at this cursor: this list did not hand it out.") from None


class Limit(fields.Integer):
    """A page size argument: an integer from 1 to ``maximum``, ``default`` when absent."""

    def __init__(self, default=DEFAULT_LIMIT, maximum=MAX_LIMIT, **kwargs):
        super().__init__(
            strict=True, load_default=default, validate=validate.Range(min=1, max=maximum), **kwargs
        )


class NewestFirstPageArgs(Schema):
    """The paging arguments of a list ordered by newest_first."""

    limit = Limit()
    cursor = Cursor(aware_datetime, text)
