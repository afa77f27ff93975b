"""Revision 0003 moves notifications' replica into plumbing's shared table, rows and all."""

from alembic import command
from sqlalchemy import create_engine, text

from plumbing.events import utcnow
from plumbing.migrations import alembic_config


def test_the_replica_keeps_its_rows_through_the_move(database_url):
    url = database_url("notifications")
    config = alembic_config("notifications", url)
    command.downgrade(config, "0002")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO attendees VALUES ('att-ada', 'ada@x.org', 'Ada', false, :now)"),
            {"now": utcnow()},
        )

    command.upgrade(config, "head")

    with engine.connect() as conn:
        replica = conn.execute(
            text("SELECT attendee_id, email, full_name, active FROM attendee_replica")
        ).all()
    engine.dispose()
    assert replica == [("att-ada", "ada@x.org", "Ada", False)]
