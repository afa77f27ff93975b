"""Keyset pagination.

A page is ``{"items": [...], "next_cursor": str | None}``.  A cursor is the opaque
encoding of the sort key of the page's last row; the next page is the rows whose sort
key comes after it, so rows inserted meanwhile neither repeat nor shift a page.

The arguments of a list (``Limit``, ``Cursor``) are in ``plumbing.cursors``, which has
no database code, so the contracts can declare them.
"""

from sqlalchemy import tuple_

from plumbing.cursors import NewestFirstPageArgs, encode_cursor

__all__ = ["NewestFirstPageArgs", "creation_key", "keyset", "keyset_page", "newest_first"]


def keyset(query, sort_columns, after, limit, descending=False):
    """``query`` ordered by ``sort_columns``, narrowed to the rows after the sort key
    ``after`` (a loaded Cursor, or None for the first page); one row more than a page,
    which only tells keyset_page that more follow."""
    if after is not None:
        key = tuple_(*sort_columns)
        query = query.where(key < tuple(after) if descending else key > tuple(after))
    order = [column.desc() for column in sort_columns] if descending else sort_columns
    return query.order_by(*order).limit(limit + 1)


def newest_first(query, model, after, limit):
    """keyset over ``model``'s (created_at, id), newest first; creation_key is its sort key."""
    return keyset(query, [model.created_at, model.id], after, limit, descending=True)


def creation_key(row):
    return row.created_at, row.id


def keyset_page(rows, limit, dump, sort_key):
    """The page for up to ``limit + 1`` rows; ``sort_key(row)`` gives the cursor's values."""
    shown = rows[:limit]
    next_cursor = encode_cursor(*sort_key(shown[-1])) if len(rows) > limit else None
    return {"items": [dump(row) for row in shown], "next_cursor": next_cursor}
