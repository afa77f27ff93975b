from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from plumbing.db import UtcDateTime
from plumbing.tokens import new_id


class Base(DeclarativeBase):
    pass


class Exhibitor(Base):
    __tablename__ = "exhibitors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tier: Mapped[str] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(2000))
    # only the SHA-256 of the API key is stored: a leaked table grants nothing
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    products: Mapped[list["Product"]] = relationship(order_by="Product.position")


class Product(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    exhibitor_id: Mapped[str] = mapped_column(ForeignKey("exhibitors.id"), index=True)
    # keeps the exhibitor's own order of its products
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class AttendeeContact(Base):
    """Local replica of registration's attendee: contact details and consent.

    ``updated_at`` is when the source fact was true (the event's ``occurred_at``, or
    the time of an RPC read), so an older fact never overwrites a newer one."""

    __tablename__ = "attendee_contacts"

    attendee_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    organization: Mapped[str] = mapped_column(String(200), default="")
    share_with_exhibitors: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("exhibitor_id", "attendee_id"),
        Index("ix_leads_exhibitor_newest", "exhibitor_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    exhibitor_id: Mapped[str] = mapped_column(ForeignKey("exhibitors.id"))
    attendee_id: Mapped[str] = mapped_column(
        ForeignKey("attendee_contacts.attendee_id"), index=True
    )
    score: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    contact: Mapped[AttendeeContact] = relationship()
    interactions: Mapped[list["Interaction"]] = relationship(
        order_by="[Interaction.occurred_at, Interaction.id]"
    )


class Interaction(Base):
    """One visit, download or meeting request.  Without the attendee's consent it is
    an anonymous count: no attendee, no lead."""

    __tablename__ = "interactions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    exhibitor_id: Mapped[str] = mapped_column(ForeignKey("exhibitors.id"), index=True)
    attendee_id: Mapped[str | None] = mapped_column(
        ForeignKey("attendee_contacts.attendee_id"), index=True
    )
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"))
    message: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
