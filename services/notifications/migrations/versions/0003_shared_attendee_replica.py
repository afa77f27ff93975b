"""the attendee replica moves to plumbing's shared tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import plumbing.db
from plumbing.migrations import create_attendee_replica_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

attendees = sa.table(
    "attendees",
    sa.column("attendee_id"),
    sa.column("email"),
    sa.column("full_name"),
    sa.column("active"),
    sa.column("updated_at"),
)
attendee_replica = sa.table(
    "attendee_replica",
    sa.column("attendee_id"),
    sa.column("email"),
    sa.column("full_name"),
    sa.column("organization"),
    sa.column("share_with_exhibitors"),
    sa.column("marketing"),
    sa.column("active"),
    sa.column("updated_at"),
)
ATTENDEE_COLUMNS = ["attendee_id", "email", "full_name", "active", "updated_at"]


def upgrade():
    create_attendee_replica_table()
    # notifications never kept the organization or consent: the next event about the
    # attendee fills them in; none is read by notifications
    op.execute(
        attendee_replica.insert().from_select(
            [*ATTENDEE_COLUMNS, "organization", "share_with_exhibitors", "marketing"],
            sa.select(
                *(attendees.c[name] for name in ATTENDEE_COLUMNS),
                sa.literal(""),
                sa.false(),
                sa.false(),
            ),
        )
    )
    op.drop_table("attendees")


def downgrade():
    op.create_table(
        "attendees",
        sa.Column("attendee_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attendee_id"),
    )
    op.execute(
        attendees.insert().from_select(
            ATTENDEE_COLUMNS, sa.select(*(attendee_replica.c[name] for name in ATTENDEE_COLUMNS))
        )
    )
    op.drop_table("attendee_replica")
