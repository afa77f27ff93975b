"""booths, products, categories, meetings, erasure

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:48:20.756587
"""

import sqlalchemy as sa
from alembic import op

import plumbing.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "erased_attendees",
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("erased_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attendee_id"),
    )
    op.create_table(
        "exhibitor_categories",
        sa.Column("exhibitor_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitors.id"],
        ),
        sa.PrimaryKeyConstraint("exhibitor_id", "category"),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("exhibitor_id", sa.String(length=36), nullable=False),
        sa.Column("attendee_id", sa.String(length=36), nullable=True),
        sa.Column("lead_id", sa.String(length=36), nullable=False),
        sa.Column("interaction_id", sa.String(length=36), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("proposed_times", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("accepted_time", plumbing.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", plumbing.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["attendee_id"],
            ["attendee_contacts.attendee_id"],
        ),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitors.id"],
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_attendee_id"), ["attendee_id"], unique=False)
        batch_op.create_index(
            "ix_meetings_exhibitor_newest", ["exhibitor_id", "created_at", "id"], unique=False
        )

    with op.batch_alter_table("exhibitors", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("booth", sa.String(length=50), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("logo_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("staff", sa.JSON(), nullable=False, server_default="[]"))

    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("day", sa.Date(), nullable=True))
    # existing interactions get the UTC day they happened on
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE interactions SET day = (occurred_at AT TIME ZONE 'UTC')::date")
    else:
        op.execute("UPDATE interactions SET day = date(occurred_at)")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.alter_column("day", existing_type=sa.Date(), nullable=False)
        batch_op.add_column(sa.Column("visitor_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_interactions_visitor_hash"), ["visitor_hash"], unique=False
        )

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("anonymized_at", plumbing.db.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column("attendee_id", existing_type=sa.VARCHAR(length=36), nullable=True)

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("category", sa.String(length=50), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("media_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("resource_url", sa.String(length=2000), nullable=True))
        batch_op.add_column(
            sa.Column("removed_at", plumbing.db.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_exhibitor_newest")
        batch_op.drop_index(batch_op.f("ix_meetings_attendee_id"))

    op.drop_table("meetings")
    # the old schema has no anonymous leads: their interactions become plain counts
    op.execute(
        "UPDATE interactions SET lead_id = NULL"
        " WHERE lead_id IN (SELECT id FROM leads WHERE attendee_id IS NULL)"
    )
    op.execute("DELETE FROM leads WHERE attendee_id IS NULL")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
        batch_op.drop_column("resource_url")
        batch_op.drop_column("media_url")
        batch_op.drop_column("category")

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.alter_column("attendee_id", existing_type=sa.VARCHAR(length=36), nullable=False)
        batch_op.drop_column("anonymized_at")

    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_visitor_hash"))
        batch_op.drop_column("visitor_hash")
        batch_op.drop_column("day")

    with op.batch_alter_table("exhibitors", schema=None) as batch_op:
        batch_op.drop_column("staff")
        batch_op.drop_column("logo_url")
        batch_op.drop_column("booth")

    op.drop_table("exhibitor_categories")
    op.drop_table("erased_attendees")
