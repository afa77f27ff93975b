import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import UtcDateTime
from plumbing.tokens import new_id

# the status of an outgoing email or a webhook delivery: waiting for its timer, or done
PENDING = "pending"
SENT = "sent"  # an email
SUCCEEDED = "succeeded"  # a webhook delivery
FAILED = "failed"


def new_webhook_message_id():
    return "msg_" + uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


class Notification(Base):
    """One item of an attendee's feed."""

    __tablename__ = "notifications"
    __table_args__ = (
        # a redelivered trigger inserts nothing
        UniqueConstraint("attendee_id", "dedupe_key"),
        # the feed is read newest first, page by page (this also serves attendee_id alone)
        Index("ix_notifications_feed", "attendee_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    attendee_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    dedupe_key: Mapped[str] = mapped_column(String(200))


class OutgoingEmail(Base):
    """An email to send: written with its trigger, sent later by the email timer."""

    __tablename__ = "outgoing_emails"
    __table_args__ = (Index("ix_outgoing_emails_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # whom it is about, when an attendee: erasure deletes their emails
    attendee_id: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="")
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # a login code: the bodies hold emails.SECRET_MARKER in its place, filled in when
    # the mail is built; NULL once sent or parked, so no stored row keeps the code
    secret: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)  # or SENT, FAILED
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    exhibitor_id: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(100))
    # after a rotation the old secret still signs (a second signature) until it expires
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # who is emailed when the endpoint is disabled
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # set by the first failed attempt after a success; failing long enough disables
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebhookDelivery(Base):
    """One event for one endpoint. Its id is the ``webhook-id`` header: the same on
    every retry, so receivers can de-duplicate."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "source_event_id"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at", "id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=new_webhook_message_id)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_type: Mapped[str] = mapped_column(String(40))
    # the exact JSON body sent (and signed) on every attempt
    payload: Mapped[str] = mapped_column(Text)
    source_event_id: Mapped[str] = mapped_column(String(64))
    # the attendee the payload is about, if any: erasure deletes the delivery
    attendee_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)  # or SUCCEEDED, FAILED
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DeliveryAttempt(Base):
    __tablename__ = "webhook_delivery_attempts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class Preferences(Base):
    """Which kinds of notification an attendee wants by which channel."""

    __tablename__ = "notification_preferences"

    attendee_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # {kind: {"feed": bool, "email": bool}}; a kind or channel left out has its default
    channels: Mapped[dict] = mapped_column(JSON)
    reminder_minutes_before: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
