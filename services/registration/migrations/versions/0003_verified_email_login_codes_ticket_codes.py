"""verified email, several live login codes, organizer-issued ticket codes

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 21:30:00
"""

import sqlalchemy as sa
from alembic import op

import plumbing.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attendees", schema=None) as batch_op:
        # NULL for everyone so far: an address counts as proven at the next code sign-in
        batch_op.add_column(
            sa.Column("email_verified_at", plumbing.db.UtcDateTime(timezone=True), nullable=True)
        )
    # live codes last minutes: the old one-per-attendee table is replaced, not migrated
    op.drop_table("login_codes")
    op.create_table(
        "login_codes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["attendee_id"], ["attendees.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_codes_attendee_id", "login_codes", ["attendee_id"], unique=False)
    op.create_table(
        "ticket_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("ticket_type", sa.String(length=40), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", plumbing.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["ticket_type"], ["ticket_types.name"]),
        sa.PrimaryKeyConstraint("code_hash"),
    )


def downgrade():
    op.drop_table("ticket_codes")
    op.drop_index("ix_login_codes_attendee_id", table_name="login_codes")
    op.drop_table("login_codes")
    op.create_table(
        "login_codes",
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["attendee_id"], ["attendees.id"]),
        sa.PrimaryKeyConstraint("attendee_id"),
    )
    with op.batch_alter_table("attendees", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
