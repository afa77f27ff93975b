from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from contracts.enums import ATTENDEE_REGISTERED
from plumbing.db import UtcDateTime
from plumbing.tokens import new_id


class Base(DeclarativeBase):
    pass


class TicketType(Base):
    """One of the six ticket types (seeded by the migrations); no capacity is no limit.

    ``taken`` counts the type's registered attendees while it has a capacity
    (``seats.py``): a registration takes a seat with one guarded UPDATE instead of
    counting attendees under a lock. An unlimited type's count is not kept up (that
    would make its registrations queue on this row); setting a capacity counts again."""

    __tablename__ = "ticket_types"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class Attendee(Base):
    __tablename__ = "attendees"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254))
    # lower-cased, so the same address in another case is the same attendee; NULL once
    # cancelled or erased, so the address may register again
    email_normalized: Mapped[str | None] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    organization: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str | None] = mapped_column(String(2))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    accessibility_needs: Mapped[str] = mapped_column(String(1000), default="")
    ticket_type: Mapped[str] = mapped_column(String(40), index=True)
    share_with_exhibitors: Mapped[bool] = mapped_column(Boolean, default=False)
    # when each consent was last given or withdrawn
    share_with_exhibitors_at: Mapped[datetime] = mapped_column(UtcDateTime())
    marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # only a registered attendee can log in and counts against capacity
    status: Mapped[str] = mapped_column(String(20), default=ATTENDEE_REGISTERED)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(20))
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # set when the attendee signs in with a code mailed to the address: rights that come
    # from the email (moderating as a session's speaker) need this proof
    email_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AccessToken(Base):
    """Only the SHA-256 of a token is stored: a leaked table grants nothing."""

    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    attendee_id: Mapped[str] = mapped_column(ForeignKey("attendees.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class LoginCode(Base):
    """A one-time login code mailed to an attendee; only its SHA-256 is stored. Several
    may be live at once (up to LOGIN_CODE_MAX_LIVE): asking again never kills the code
    the owner already has."""

    __tablename__ = "login_codes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    attendee_id: Mapped[str] = mapped_column(ForeignKey("attendees.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)


class TicketCode(Base):
    """An organizer-issued code that lets its holders choose a restricted ticket type,
    ``max_uses`` times; only its SHA-256 is stored."""

    __tablename__ = "ticket_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_type: Mapped[str] = mapped_column(ForeignKey("ticket_types.name"))
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
