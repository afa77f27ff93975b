"""CSV downloads of paginated lists (leads for exhibitors, registrations for organizers)."""

import csv
import io

from werkzeug.wrappers import Response

PAGE_SIZE = 200


def spreadsheet_safe(value):
    """Defuse CSV formula injection: a cell a spreadsheet would evaluate is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_download(filename, columns, fetch_page, to_row):
    """Every page ``fetch_page(limit, cursor)`` returns, one row per item, as an
    attachment named ``filename``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    cursor = None
    while True:
        page = fetch_page(PAGE_SIZE, cursor)
        for item in page["items"]:
            writer.writerow([spreadsheet_safe(value) for value in to_row(item)])
        cursor = page["next_cursor"]
        if not cursor:
            break
    return Response(
        buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
