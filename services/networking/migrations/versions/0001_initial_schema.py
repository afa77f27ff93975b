"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-02 18:30:00
"""

import sqlalchemy as sa
from alembic import op

import plumbing.db
from plumbing.migrations import (
    create_attendee_replica_table,
    create_plumbing_tables,
    drop_plumbing_tables,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attendee_meetings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organizer_id", sa.String(length=36), nullable=False),
        sa.Column("invitee_id", sa.String(length=36), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("starts_at", plumbing.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", plumbing.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attendee_meetings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attendee_meetings_invitee", ["invitee_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_attendee_meetings_organizer", ["organizer_id", "created_at"], unique=False
        )

    create_attendee_replica_table()
    op.create_table(
        "blocks",
        sa.Column("blocker_id", sa.String(length=36), nullable=False),
        sa.Column("blocked_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id"),
    )
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blocks_blocked_id"), ["blocked_id"], unique=False)

    op.create_table(
        "connection_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("requester_id", sa.String(length=36), nullable=False),
        sa.Column("recipient_id", sa.String(length=36), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", plumbing.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("requester_id", "recipient_id"),
    )
    with op.batch_alter_table("connection_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_connection_requests_recipient",
            ["recipient_id", "status", "created_at"],
            unique=False,
        )

    op.create_table(
        "connections",
        sa.Column("attendee_a", sa.String(length=36), nullable=False),
        sa.Column("attendee_b", sa.String(length=36), nullable=False),
        sa.Column("connected_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attendee_a", "attendee_b"),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_connections_attendee_b"), ["attendee_b"], unique=False)

    op.create_table(
        "conversations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("attendee_a", sa.String(length=36), nullable=False),
        sa.Column("attendee_b", sa.String(length=36), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attendee_a", "attendee_b"),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversations_attendee_b"), ["attendee_b"], unique=False
        )

    op.create_table(
        "erased_attendees",
        sa.Column("attendee_id", sa.String(length=64), nullable=False),
        sa.Column("erased_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attendee_id"),
    )
    op.create_table(
        "faq_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.create_index("ix_faq_entries_order", ["category", "position", "id"], unique=False)

    op.create_table(
        "interests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "profiles",
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("job_title", sa.String(length=120), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("looking_for", sa.Text(), nullable=False),
        sa.Column("shown_fields", sa.JSON(), nullable=False),
        sa.Column("sort_name", sa.String(length=200), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("updated_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attendee_id"),
    )
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_profiles_listed_name", ["listed", "sort_name", "attendee_id"], unique=False
        )

    op.create_table(
        "program_sessions",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reporter_id", sa.String(length=36), nullable=True),
        sa.Column("attendee_id", sa.String(length=36), nullable=True),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", plumbing.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_attendee_id"), ["attendee_id"], unique=False)
        batch_op.create_index("ix_reports_queue", ["status", "created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_reporter_id"), ["reporter_id"], unique=False)

    op.create_table(
        "settings",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "silences",
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("silenced_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("attendee_id"),
    )
    op.create_table(
        "speed_queue",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("queued_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "attendee_id"),
    )
    with op.batch_alter_table("speed_queue", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_speed_queue_attendee_id"), ["attendee_id"], unique=False
        )
        batch_op.create_index("ix_speed_queue_session", ["session_id", "queued_at"], unique=False)

    op.create_table(
        "speed_rounds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("attendee_a", sa.String(length=36), nullable=False),
        sa.Column("attendee_b", sa.String(length=36), nullable=False),
        sa.Column("shared_interests", sa.JSON(), nullable=False),
        sa.Column("starts_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("speed_rounds", schema=None) as batch_op:
        batch_op.create_index("ix_speed_rounds_a", ["attendee_a", "ends_at"], unique=False)
        batch_op.create_index("ix_speed_rounds_b", ["attendee_b", "ends_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_speed_rounds_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "direct_messages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("sender_id", sa.String(length=36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", plumbing.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("direct_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_direct_messages_conversation", ["conversation_id", "sent_at", "id"], unique=False
        )
        batch_op.create_index("ix_direct_messages_sender", ["sender_id", "sent_at"], unique=False)

    op.create_table(
        "networking_tables",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=120), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", plumbing.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["program_sessions.session_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("networking_tables", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_networking_tables_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "profile_interests",
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("interest_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["attendee_id"], ["profiles.attendee_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("attendee_id", "interest_id"),
    )
    with op.batch_alter_table("profile_interests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_profile_interests_interest_id"), ["interest_id"], unique=False
        )

    op.create_table(
        "read_markers",
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("read_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "attendee_id"),
    )
    with op.batch_alter_table("read_markers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_read_markers_attendee_id"), ["attendee_id"], unique=False
        )

    op.create_table(
        "table_messages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("table_id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("posted_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", plumbing.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["table_id"], ["networking_tables.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("table_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_table_messages_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            "ix_table_messages_table", ["table_id", "posted_at", "id"], unique=False
        )

    op.create_table(
        "table_presence",
        sa.Column("table_id", sa.String(length=36), nullable=False),
        sa.Column("attendee_id", sa.String(length=36), nullable=False),
        sa.Column("joined_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", plumbing.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("left_at", plumbing.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["table_id"], ["networking_tables.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("table_id", "attendee_id"),
    )
    with op.batch_alter_table("table_presence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_table_presence_attendee_id"), ["attendee_id"], unique=False
        )

    create_plumbing_tables()


def downgrade():
    drop_plumbing_tables()
    with op.batch_alter_table("table_presence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_table_presence_attendee_id"))

    op.drop_table("table_presence")
    with op.batch_alter_table("table_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_table_messages_table")
        batch_op.drop_index(batch_op.f("ix_table_messages_author_id"))

    op.drop_table("table_messages")
    with op.batch_alter_table("read_markers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_read_markers_attendee_id"))

    op.drop_table("read_markers")
    with op.batch_alter_table("profile_interests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_interests_interest_id"))

    op.drop_table("profile_interests")
    with op.batch_alter_table("networking_tables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_networking_tables_session_id"))

    op.drop_table("networking_tables")
    with op.batch_alter_table("direct_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_direct_messages_sender")
        batch_op.drop_index("ix_direct_messages_conversation")

    op.drop_table("direct_messages")
    with op.batch_alter_table("speed_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_speed_rounds_session_id"))
        batch_op.drop_index("ix_speed_rounds_b")
        batch_op.drop_index("ix_speed_rounds_a")

    op.drop_table("speed_rounds")
    with op.batch_alter_table("speed_queue", schema=None) as batch_op:
        batch_op.drop_index("ix_speed_queue_session")
        batch_op.drop_index(batch_op.f("ix_speed_queue_attendee_id"))

    op.drop_table("speed_queue")
    op.drop_table("silences")
    op.drop_table("settings")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_reporter_id"))
        batch_op.drop_index("ix_reports_queue")
        batch_op.drop_index(batch_op.f("ix_reports_attendee_id"))

    op.drop_table("reports")
    op.drop_table("program_sessions")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_index("ix_profiles_listed_name")

    op.drop_table("profiles")
    op.drop_table("interests")
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_faq_entries_order")

    op.drop_table("faq_entries")
    op.drop_table("erased_attendees")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_attendee_b"))

    op.drop_table("conversations")
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connections_attendee_b"))

    op.drop_table("connections")
    with op.batch_alter_table("connection_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_connection_requests_recipient")

    op.drop_table("connection_requests")
    with op.batch_alter_table("blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blocks_blocked_id"))

    op.drop_table("blocks")
    op.drop_table("attendee_replica")
    with op.batch_alter_table("attendee_meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_attendee_meetings_organizer")
        batch_op.drop_index("ix_attendee_meetings_invitee")

    op.drop_table("attendee_meetings")
