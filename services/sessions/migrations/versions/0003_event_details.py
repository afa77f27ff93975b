"""the event itself (name, theme, days, time zone, contact, links)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 21:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import plumbing.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    # no row: GET /v1/event answers the defaults until the organizer saves the event
    op.create_table(
        "event_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("kickoff_day", sa.Date(), nullable=True),
        sa.Column("conference_days", sa.JSON(), nullable=False),
        sa.Column("contact", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("updated_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_event_details_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("event_details")
