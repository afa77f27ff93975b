"""Revision 0003 moves expo's replica into plumbing's shared table, rows and all."""

from alembic import command
from sqlalchemy import create_engine, text

from plumbing.events import utcnow
from plumbing.migrations import alembic_config


def test_the_replica_keeps_its_rows_and_leads_through_the_move(database_url):
    url = database_url("expo")
    config = alembic_config("expo", url)
    command.downgrade(config, "0002")
    engine = create_engine(url)
    rows = {
        "attendee_contacts": "('att-ada', 'Ada', 'ada@x.org', 'Org', true, :now)",
        "exhibitors (id, name, description, tier, api_key_hash, created_at, booth, staff)": (
            "('exh-1', 'Acme', '', 'gold', 'hash', :now, '', '[]')"
        ),
        "leads (id, exhibitor_id, attendee_id, score, created_at, updated_at)": (
            "('lead-1', 'exh-1', 'att-ada', 1, :now, :now)"
        ),
    }
    with engine.begin() as conn:
        for table, values in rows.items():
            conn.execute(text(f"INSERT INTO {table} VALUES {values}"), {"now": utcnow()})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        replica = conn.execute(
            text(
                "SELECT attendee_id, full_name, share_with_exhibitors, active FROM attendee_replica"
            )
        ).all()
        joined = conn.execute(
            text("SELECT r.email FROM leads JOIN attendee_replica r USING (attendee_id)")
        ).scalar()
    engine.dispose()
    assert replica == [("att-ada", "Ada", True, True)]
    assert joined == "ada@x.org"
