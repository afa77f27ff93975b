from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from plumbing.db import UtcDateTime
from plumbing.tokens import new_id


class Base(DeclarativeBase):
    pass


class Attendee(Base):
    __tablename__ = "attendees"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254))
    # lower-cased, so the same address in another case is the same attendee
    email_normalized: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    organization: Mapped[str] = mapped_column(String(200), default="")
    ticket_type: Mapped[str] = mapped_column(String(40))
    share_with_exhibitors: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AccessToken(Base):
    """Only the SHA-256 of a token is stored: a leaked table grants nothing."""

    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    attendee_id: Mapped[str] = mapped_column(ForeignKey("attendees.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
