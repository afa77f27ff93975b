"""Bulk data written straight into the services' databases (the same rows their own
code and events would leave), so a 20,000-person scenario is ready in seconds.
Tables are reflected, so the seed names only the columns it fills."""

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import MetaData

from plumbing.tokens import secret_hash

BATCH = 1000


def insert(engine, table_name, rows):
    metadata = MetaData()
    metadata.reflect(engine, only=[table_name])
    table = metadata.tables[table_name]
    with engine.begin() as conn:
        for start in range(0, len(rows), BATCH):
            conn.execute(table.insert(), rows[start : start + BATCH])


def attendees(platform, count, run_tag):
    """``count`` registered, consenting attendees with a bearer token each, known to
    registration, expo and notifications; returns [(attendee_id, token)]."""
    now = datetime.now(UTC)
    people = [
        (str(uuid.uuid4()), f"pat_{secrets.token_urlsafe(24)}", f"seed-{run_tag}-{n}@example.org")
        for n in range(count)
    ]
    engines = {name: platform.engine(name) for name in ("registration", "expo", "notifications")}
    insert(
        engines["registration"],
        "attendees",
        [
            {
                "id": attendee_id,
                "email": email,
                "email_normalized": email,
                "full_name": "Seeded Attendee",
                "organization": "Bench",
                "job_title": "",
                "accessibility_needs": "",
                "ticket_type": "member",
                "share_with_exhibitors": True,
                "share_with_exhibitors_at": now,
                "marketing": False,
                "marketing_at": now,
                "status": "registered",
                "registered_at": now,
            }
            for attendee_id, _, email in people
        ],
    )
    insert(
        engines["registration"],
        "access_tokens",
        [
            {
                "token_hash": secret_hash(token),
                "attendee_id": attendee_id,
                "created_at": now,
                "expires_at": now + timedelta(days=1),
            }
            for attendee_id, token, _ in people
        ],
    )
    replica = [
        {
            "attendee_id": attendee_id,
            "email": email,
            "full_name": "Seeded Attendee",
            "organization": "Bench",
            "share_with_exhibitors": True,
            "marketing": False,
            "active": True,
            "updated_at": now,
        }
        for attendee_id, _, email in people
    ]
    for service in ("expo", "notifications"):  # plumbing.replica's table in both
        insert(engines[service], "attendee_replica", replica)
    for engine in engines.values():
        engine.dispose()
    return [(attendee_id, token) for attendee_id, token, _ in people]


def agenda(platform, session_id, attendee_ids):
    engine = platform.engine("sessions")
    now = datetime.now(UTC)
    insert(
        engine,
        "agenda_entries",
        [{"session_id": session_id, "attendee_id": a, "added_at": now} for a in attendee_ids],
    )
    engine.dispose()
