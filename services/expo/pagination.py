"""Keyset pagination: a cursor is the opaque, encoded sort key of a page's last row."""

import base64
import binascii
import json

from plumbing.errors import Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR_LENGTH = 1000


def page_limit(limit):
    """``limit`` checked (1..200); None means the default."""
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise Invalid(
            f"limit must be an integer from 1 to {MAX_LIMIT}.",
            {"limit": [f"Must be an integer from 1 to {MAX_LIMIT}."]},
        )
    return limit


def encode_cursor(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor, types):
    """The list of values in ``cursor``, one of each of ``types``; None for no cursor."""
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("cursor too long")
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (TypeError, ValueError, binascii.Error):
        raise bad_cursor() from None
    if not (
        isinstance(values, list)
        and len(values) == len(types)
        and all(type(value) is kind for value, kind in zip(values, types, strict=True))
    ):
        raise bad_cursor()
    return values


def bad_cursor():
    return Invalid("The cursor is not one this list returned.", {"cursor": ["Not a valid cursor."]})


def page(rows, limit, dump, sort_key):
    """A page from up to ``limit + 1`` rows: the extra row only says there is more."""
    shown = rows[:limit]
    next_cursor = encode_cursor(sort_key(shown[-1])) if len(rows) > limit else None
    return {"items": [dump(row) for row in shown], "next_cursor": next_cursor}
