"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 22:29:44.638334
"""

import sqlalchemy as sa
from alembic import op

import plumbing.db
from plumbing.migrations import create_plumbing_tables, drop_plumbing_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attendee_contacts",
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organization", sa.String(length=200), nullable=False),
        sa.Column("share_with_exhibitors", sa.Boolean(), nullable=False),
        sa.Column("updated_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attendee_id"),
    )
    op.create_table(
        "exhibitors",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("website", sa.String(length=2000), nullable=True),
        sa.Column("api_key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("api_key_hash"),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("exhibitor_id", sa.String(length=36), nullable=False),
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendee_id"],
            ["attendee_contacts.attendee_id"],
        ),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitors.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("exhibitor_id", "attendee_id"),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_attendee_id"), ["attendee_id"], unique=False)
        batch_op.create_index(
            "ix_leads_exhibitor_newest", ["exhibitor_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "products",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("exhibitor_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitors.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_products_exhibitor_id"), ["exhibitor_id"], unique=False
        )

    op.create_table(
        "interactions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("exhibitor_id", sa.String(length=36), nullable=False),
        sa.Column("attendee_id", sa.String(length=36), nullable=True),
        sa.Column("lead_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("occurred_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attendee_id"],
            ["attendee_contacts.attendee_id"],
        ),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitors.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interactions_attendee_id"), ["attendee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_interactions_exhibitor_id"), ["exhibitor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_interactions_lead_id"), ["lead_id"], unique=False)

    create_plumbing_tables()


def downgrade():
    drop_plumbing_tables()
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_lead_id"))
        batch_op.drop_index(batch_op.f("ix_interactions_exhibitor_id"))
        batch_op.drop_index(batch_op.f("ix_interactions_attendee_id"))

    op.drop_table("interactions")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_exhibitor_id"))

    op.drop_table("products")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_exhibitor_newest")
        batch_op.drop_index(batch_op.f("ix_leads_attendee_id"))

    op.drop_table("leads")
    op.drop_table("exhibitors")
    op.drop_table("attendee_contacts")
