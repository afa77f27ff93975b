"""ticket_types.taken: the seats a capped ticket type has given, back-filled

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 00:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ticket_types", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("taken", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    # every type's registered attendees now: registration keeps the count of a capped
    # type from here on, and setting a capacity counts again
    op.execute(
        "UPDATE ticket_types SET taken = (SELECT count(*) FROM attendees"
        " WHERE attendees.ticket_type = ticket_types.name"
        " AND attendees.status = 'registered')"
    )


def downgrade():
    with op.batch_alter_table("ticket_types", schema=None) as batch_op:
        batch_op.drop_column("taken")
