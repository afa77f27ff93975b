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

# the tables whose attendee_id points at the replica
REFERRING_TABLES = ("leads", "interactions", "meetings")
# names SQLite's unnamed foreign keys get when a batch operation reflects them
NAMING_CONVENTION = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}

attendee_contacts = sa.table(
    "attendee_contacts",
    sa.column("attendee_id"),
    sa.column("full_name"),
    sa.column("email"),
    sa.column("organization"),
    sa.column("share_with_exhibitors"),
    sa.column("updated_at"),
)
attendee_replica = sa.table(
    "attendee_replica",
    sa.column("attendee_id"),
    sa.column("full_name"),
    sa.column("email"),
    sa.column("organization"),
    sa.column("share_with_exhibitors"),
    sa.column("marketing"),
    sa.column("active"),
    sa.column("updated_at"),
)
CONTACT_COLUMNS = [
    "attendee_id",
    "full_name",
    "email",
    "organization",
    "share_with_exhibitors",
    "updated_at",
]


def upgrade():
    create_attendee_replica_table()
    # expo never kept marketing consent or cancellation: the next event about the
    # attendee fills them in; neither is read by expo
    contacts = [attendee_contacts.c[name] for name in CONTACT_COLUMNS]
    op.execute(
        attendee_replica.insert().from_select(
            [*CONTACT_COLUMNS, "marketing", "active"],
            sa.select(*contacts, sa.false(), sa.true()),
        )
    )
    point_attendee_ids_at("attendee_contacts", "attendee_replica", 36, 64)
    with op.batch_alter_table("erased_attendees", schema=None) as batch_op:
        resize_attendee_id(batch_op, 36, 64)
    op.drop_table("attendee_contacts")


def downgrade():
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
    op.execute(
        attendee_contacts.insert().from_select(
            CONTACT_COLUMNS, sa.select(*(attendee_replica.c[name] for name in CONTACT_COLUMNS))
        )
    )
    point_attendee_ids_at("attendee_replica", "attendee_contacts", 64, 36)
    with op.batch_alter_table("erased_attendees", schema=None) as batch_op:
        resize_attendee_id(batch_op, 64, 36)
    op.drop_table("attendee_replica")


def point_attendee_ids_at(old, new, old_length, new_length):
    """Move the foreign key of every referring table's attendee_id from table ``old`` to
    table ``new``, and resize the column to ``new``'s."""
    inspector = sa.inspect(op.get_bind())
    for table in REFERRING_TABLES:
        [name] = [
            fk["name"] or f"fk_{table}_attendee_id_{old}"
            for fk in inspector.get_foreign_keys(table)
            if fk["referred_table"] == old
        ]
        with op.batch_alter_table(table, naming_convention=NAMING_CONVENTION) as batch_op:
            batch_op.drop_constraint(name, type_="foreignkey")
            resize_attendee_id(batch_op, old_length, new_length, nullable=True)
            batch_op.create_foreign_key(
                f"{table}_attendee_id_fkey", new, ["attendee_id"], ["attendee_id"]
            )


def resize_attendee_id(batch_op, old_length, new_length, nullable=False):
    batch_op.alter_column(
        "attendee_id",
        existing_type=sa.String(length=old_length),
        type_=sa.String(length=new_length),
        existing_nullable=nullable,
    )
