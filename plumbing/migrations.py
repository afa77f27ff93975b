"""Alembic, one history per service: ``services/<name>/migrations``.

Each service's ``migrations/env.py`` calls :func:`run_env` with its models' metadata;
the plumbing tables (outbox, processed_events) are migrated with every service, the
attendee replica's (``plumbing.replica``) with those that keep one.
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config

from plumbing import consumer, outbox  # noqa: F401  (registers the plumbing tables)
from plumbing.db import UtcDateTime, create_db_engine, plumbing_metadata

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def alembic_config(service, database_url):
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(service, database_url, revision="head"):
    command.upgrade(alembic_config(service, database_url), revision)


def run_env(*metadata):
    """Body of every service's migrations/env.py (online mode only): the service's
    models' metadata, and ``replica_metadata`` if it keeps an attendee replica."""
    url = context.config.attributes["database_url"]
    engine = create_db_engine(url, pool_size=1)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=[*metadata, plumbing_metadata],
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


# The plumbing tables as every service's first migration creates them. Frozen: a later
# change to them is a new function here and a new revision in every service.
def create_plumbing_tables():
    op.create_table(
        "outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_at", UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_published_at"), ["published_at"], unique=False)

    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("processed_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )


def drop_plumbing_tables():
    op.drop_table("processed_events")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_published_at"))
    op.drop_table("outbox")


# The attendee replica's row table (plumbing.replica) as a service's migration creates
# it; frozen too. Expo's and notifications' tombstone tables predate it (see their 0003).
def create_attendee_replica_table():
    op.create_table(
        "attendee_replica",
        sa.Column("attendee_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=300), nullable=False),
        sa.Column("organization", sa.String(length=200), nullable=False),
        sa.Column("share_with_exhibitors", sa.Boolean(), nullable=False),
        sa.Column("marketing", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attendee_id"),
    )
