"""Keyset pagination, newest first, with an opaque cursor: (created_at, id) of the
last item of the previous page."""

import base64
import binascii
import json
from datetime import datetime

from sqlalchemy import and_, or_

from plumbing.errors import Invalid


def encode_cursor(item):
    raw = json.dumps([item.created_at.isoformat(), item.id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor):
    try:
        created_at, item_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        position = datetime.fromisoformat(created_at), str(item_id)
    except (binascii.Error, UnicodeError, ValueError, TypeError):
        position = None
    if position is None or position[0].tzinfo is None:
        raise Invalid("The cursor is not valid.", {"cursor": ["not a valid cursor"]})
    return position


def newest_first(query, model, cursor, limit):
    """``query`` narrowed to one page; fetch ``limit + 1`` rows to know if more follow."""
    if cursor is not None:
        created_at, item_id = decode_cursor(cursor)
        query = query.where(
            or_(
                model.created_at < created_at,
                and_(model.created_at == created_at, model.id < item_id),
            )
        )
    return query.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)


def page(rows, limit, dump):
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1]) if len(rows) > limit else None
    return {"items": [dump(item) for item in items], "next_cursor": next_cursor}
