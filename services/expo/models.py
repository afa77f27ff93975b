from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from plumbing.db import UtcDateTime
from plumbing.replica import AttendeeReplica
from plumbing.tokens import new_id

# leads, interactions and meetings point at the attendee replica (plumbing.replica)
ATTENDEE_ID = AttendeeReplica.__table__.c.attendee_id


class Base(DeclarativeBase):
    pass


class Exhibitor(Base):
    __tablename__ = "exhibitors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tier: Mapped[str] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(2000))
    booth: Mapped[str] = mapped_column(String(50), default="")
    logo_url: Mapped[str | None] = mapped_column(String(2000))
    # [{name, role, email}]: the people the exhibitor chose to show on its booth
    staff: Mapped[list] = mapped_column(JSON, default=list)
    # only the SHA-256 of the API key is stored: a leaked table grants nothing
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    product_rows: Mapped[list["Product"]] = relationship(order_by="Product.position")
    category_rows: Mapped[list["ExhibitorCategory"]] = relationship(
        order_by="ExhibitorCategory.position", cascade="all, delete-orphan"
    )

    @property
    def products(self):
        return [product for product in self.product_rows if product.removed_at is None]

    @property
    def categories(self):
        return [row.category for row in self.category_rows]


class ExhibitorCategory(Base):
    """A row per category, so filtering by category is the same SQL on both backends."""

    __tablename__ = "exhibitor_categories"

    exhibitor_id: Mapped[str] = mapped_column(ForeignKey("exhibitors.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(50), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    exhibitor_id: Mapped[str] = mapped_column(ForeignKey("exhibitors.id"), index=True)
    # keeps the exhibitor's own order of its products
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(50), default="")
    media_url: Mapped[str | None] = mapped_column(String(2000))
    resource_url: Mapped[str | None] = mapped_column(String(2000))
    # removed products stay, so the downloads that name them keep their meaning
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Lead(Base):
    """A consenting attendee's interest in one exhibitor.  When the attendee withdraws
    consent or is erased the lead stays as an anonymous one (``attendee_id`` None,
    ``anonymized_at`` set): the exhibitor's counts keep, the person goes."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("exhibitor_id", "attendee_id"),
        Index("ix_leads_exhibitor_newest", "exhibitor_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    exhibitor_id: Mapped[str] = mapped_column(ForeignKey("exhibitors.id"))
    attendee_id: Mapped[str | None] = mapped_column(ForeignKey(ATTENDEE_ID), index=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    anonymized_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    contact: Mapped[AttendeeReplica] = relationship()
    interactions: Mapped[list["Interaction"]] = relationship(
        order_by="[Interaction.occurred_at, Interaction.id]"
    )


class Interaction(Base):
    """One visit, download or meeting request.  Without the attendee's consent it is
    an anonymous count: no attendee, no lead."""

    __tablename__ = "interactions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    exhibitor_id: Mapped[str] = mapped_column(ForeignKey("exhibitors.id"), index=True)
    attendee_id: Mapped[str | None] = mapped_column(ForeignKey(ATTENDEE_ID), index=True)
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"))
    message: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # the UTC day of occurred_at, for the booth's per-day analytics on both backends
    day: Mapped[date] = mapped_column(Date)
    # counts unique visitors without keeping who: a hash of (exhibitor, day, attendee),
    # cleared when the attendee is erased
    visitor_hash: Mapped[str | None] = mapped_column(String(64), index=True)


class Meeting(Base):
    """A consenting attendee's meeting request, answered by the exhibitor."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_exhibitor_newest", "exhibitor_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    exhibitor_id: Mapped[str] = mapped_column(ForeignKey("exhibitors.id"))
    attendee_id: Mapped[str | None] = mapped_column(ForeignKey(ATTENDEE_ID), index=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id"))
    interaction_id: Mapped[str] = mapped_column(ForeignKey("interactions.id"))
    message: Mapped[str | None] = mapped_column(Text)
    proposed_times: Mapped[list] = mapped_column(JSON)  # ISO 8601 strings
    status: Mapped[str] = mapped_column(String(20))  # one of MEETING_STATUSES
    accepted_time: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    contact: Mapped[AttendeeReplica | None] = relationship()
