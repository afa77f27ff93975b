"""Expo: exhibitors and their products, visitors' interactions, and leads.

An interaction becomes part of a lead only if the attendee agreed to share their
contact with exhibitors; otherwise it is kept as an anonymous count.
"""

import hashlib
import secrets
from datetime import datetime

from marshmallow import ValidationError
from nameko.dependency_providers import Config
from nameko.rpc import rpc
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from plumbing.consumer import consume
from plumbing.db import Database, insert_ignoring_duplicates
from plumbing.errors import Invalid, NotFound
from plumbing.events import utcnow
from plumbing.observability import Observability, OpsEndpoints
from plumbing.outbox import OutboxRelay, emit
from plumbing.rpc import TimedRpcProxy
from services.expo.events import ExhibitorCreated, LeadCaptured, LeadUpdated, MeetingRequested
from services.expo.models import AttendeeContact, Exhibitor, Interaction, Lead, Product, new_id
from services.expo.pagination import bad_cursor, decode_cursor, page, page_limit
from services.expo.schemas import (
    TIERS,
    ExhibitorFiltersSchema,
    ExhibitorInputSchema,
    ExhibitorSchema,
    InteractionInputSchema,
    LeadSchema,
)
from services.registration.events import AttendeeRegistered

API_KEY_PREFIX = "pex_"
MAX_ID_LENGTH = 36  # ids are uuid4 strings

# How much each kind of interaction says about a visitor's interest.  A lead's score is
# the sum over its interactions, so it is the same whatever order they arrive in.
LEAD_SCORE_WEIGHTS = {
    "visit": 1,
    "download": 5,
    "meeting_request": 10,
}

TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}


def hash_api_key(api_key):
    return hashlib.sha256(api_key.encode()).hexdigest()


def load(schema_cls, payload, what="The request body"):
    if not isinstance(payload, dict):
        raise Invalid(f"{what} must be an object.", {"_schema": ["Must be an object."]})
    try:
        return schema_cls().load(payload)
    except ValidationError as exc:
        raise Invalid(f"{what} is not valid.", exc.normalized_messages()) from None


def require_id(field, value):
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID_LENGTH:
        raise Invalid(f"{field} is not a valid id.", {field: ["Not a valid id."]})
    return value


def upsert_contact(session, attendee, updated_at):
    """Store an attendee's contact and consent unless a newer fact is already stored."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    row = {
        "attendee_id": attendee["attendee_id"],
        "full_name": attendee["full_name"],
        "email": attendee["email"],
        "organization": attendee["organization"],
        "share_with_exhibitors": attendee["consent"]["share_with_exhibitors"],
        "updated_at": updated_at,
    }
    statement = dialect.insert(AttendeeContact).values(row)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["attendee_id"],
            set_={column: statement.excluded[column] for column in row if column != "attendee_id"},
            where=AttendeeContact.updated_at <= statement.excluded.updated_at,
        )
    )


def tier_rank():
    return case(TIER_RANK, value=Exhibitor.tier)


def exhibitor_sort_key(exhibitor):
    return [TIER_RANK[exhibitor.tier], exhibitor.name, exhibitor.id]


def after_exhibitor(cursor):
    """The WHERE clause for exhibitors listed after ``cursor``, or None."""
    values = decode_cursor(cursor, (int, str, str))
    if values is None:
        return None
    rank, name, exhibitor_id = values
    return or_(
        tier_rank() > rank,
        and_(tier_rank() == rank, Exhibitor.name > name),
        and_(tier_rank() == rank, Exhibitor.name == name, Exhibitor.id > exhibitor_id),
    )


def lead_sort_key(lead):
    return [lead.created_at.isoformat(), lead.id]


def after_lead(cursor):
    """The WHERE clause for leads listed (newest first) after ``cursor``, or None."""
    values = decode_cursor(cursor, (str, str))
    if values is None:
        return None
    created_at, lead_id = values
    try:
        created_at = datetime.fromisoformat(created_at)
    except ValueError:
        raise bad_cursor() from None
    if created_at.tzinfo is None:
        raise bad_cursor()
    return or_(Lead.created_at < created_at, and_(Lead.created_at == created_at, Lead.id < lead_id))


def matching(q):
    """Exhibitors whose name, description or a product's name contains ``q``."""
    return or_(
        Exhibitor.name.icontains(q, autoescape=True),
        Exhibitor.description.icontains(q, autoescape=True),
        Exhibitor.id.in_(
            select(Product.exhibitor_id).where(Product.name.icontains(q, autoescape=True))
        ),
    )


class ExpoService(OpsEndpoints):
    name = "expo"

    config = Config()
    db = Database()
    outbox = OutboxRelay()
    observability = Observability()
    registration = TimedRpcProxy("registration")

    # -- exhibitors -------------------------------------------------------------------

    @rpc
    def create_exhibitor(self, payload):
        """Create an exhibitor and its products; its API key is returned only here."""
        fields = load(ExhibitorInputSchema, payload)
        api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        exhibitor = Exhibitor(
            name=fields["name"],
            description=fields["description"],
            tier=fields["tier"],
            website=fields["website"],
            api_key_hash=hash_api_key(api_key),
            created_at=utcnow(),
            products=[
                Product(position=position, name=product["name"], description=product["description"])
                for position, product in enumerate(fields["products"])
            ],
        )
        self.db.add(exhibitor)
        self.db.flush()
        emit(
            self.db,
            ExhibitorCreated,
            {"exhibitor_id": exhibitor.id, "name": exhibitor.name, "tier": exhibitor.tier},
        )
        return {**ExhibitorSchema().dump(exhibitor), "api_key": api_key}

    @rpc
    def authenticate_exhibitor(self, api_key):
        """The id of the exhibitor this API key belongs to, or None."""
        if not isinstance(api_key, str) or not api_key.startswith(API_KEY_PREFIX):
            return None
        return self.db.scalar(
            select(Exhibitor.id).where(Exhibitor.api_key_hash == hash_api_key(api_key))
        )

    @rpc
    def list_exhibitors(self, filters=None, limit=50, cursor=None):
        """Exhibitors by tier (platinum first), then name; filters ``q`` and ``tier``."""
        filters = load(ExhibitorFiltersSchema, {} if filters is None else filters, "The filters")
        limit = page_limit(limit)
        query = (
            select(Exhibitor)
            .options(selectinload(Exhibitor.products))
            .order_by(tier_rank(), Exhibitor.name, Exhibitor.id)
            .limit(limit + 1)
        )
        if filters["tier"]:
            query = query.where(Exhibitor.tier == filters["tier"])
        if filters["q"]:
            query = query.where(matching(filters["q"]))
        after = after_exhibitor(cursor)
        if after is not None:
            query = query.where(after)
        return page(self.db.scalars(query).all(), limit, ExhibitorSchema().dump, exhibitor_sort_key)

    @rpc
    def get_exhibitor(self, exhibitor_id):
        return ExhibitorSchema().dump(self._exhibitor(exhibitor_id))

    # -- interactions and leads -------------------------------------------------------

    @rpc
    def record_interaction(self, exhibitor_id, attendee_id, payload):
        """Record a visit, download or meeting request; it joins the attendee's lead
        with this exhibitor only if the attendee consented to share their contact."""
        require_id("attendee_id", attendee_id)
        fields = load(InteractionInputSchema, payload)
        exhibitor = self._exhibitor(exhibitor_id)
        self._check_product(exhibitor, fields["product_id"])
        contact = self._contact(attendee_id)
        interaction = Interaction(
            exhibitor_id=exhibitor.id,
            kind=fields["kind"],
            product_id=fields["product_id"],
            message=fields["message"],
            occurred_at=utcnow(),
        )
        if not contact.share_with_exhibitors:
            self.db.add(interaction)
            self.db.flush()
            return {"interaction_id": interaction.id, "kind": interaction.kind, "lead_id": None}

        lead, first_interaction = self._lead(
            exhibitor.id, contact.attendee_id, interaction.occurred_at
        )
        interaction.attendee_id = contact.attendee_id
        interaction.lead_id = lead.id
        self.db.add(interaction)
        self.db.flush()
        lead.score = self._score(lead.id)
        lead.updated_at = interaction.occurred_at
        self._announce(lead, contact, interaction, first_interaction)
        return {"interaction_id": interaction.id, "kind": interaction.kind, "lead_id": lead.id}

    @rpc
    def list_leads(self, exhibitor_id, limit=50, cursor=None):
        """This exhibitor's leads, newest first, each with its interactions."""
        exhibitor = self._exhibitor(exhibitor_id)
        limit = page_limit(limit)
        query = (
            select(Lead)
            .where(Lead.exhibitor_id == exhibitor.id)
            .options(selectinload(Lead.contact), selectinload(Lead.interactions))
            .order_by(Lead.created_at.desc(), Lead.id.desc())
            .limit(limit + 1)
        )
        after = after_lead(cursor)
        if after is not None:
            query = query.where(after)
        return page(self.db.scalars(query).all(), limit, LeadSchema().dump, lead_sort_key)

    # -- the attendee replica -----------------------------------------------------------

    @consume(AttendeeRegistered)
    def on_attendee_registered(self, event):
        upsert_contact(self.db, event.data, updated_at=event.occurred_at)

    # -- helpers ------------------------------------------------------------------------

    def _exhibitor(self, exhibitor_id):
        exhibitor = self.db.get(Exhibitor, require_id("exhibitor_id", exhibitor_id))
        if exhibitor is None:
            raise NotFound("No such exhibitor.")
        return exhibitor

    def _check_product(self, exhibitor, product_id):
        if product_id is not None and all(p.id != product_id for p in exhibitor.products):
            raise Invalid(
                "The product is not one of this exhibitor's.",
                {"product_id": ["Not a product of this exhibitor."]},
            )

    def _contact(self, attendee_id):
        """The attendee's replicated contact; asks registration if the
        attendee_registered event has not arrived yet."""
        contact = self.db.get(AttendeeContact, attendee_id)
        if contact is not None:
            return contact
        attendee = AttendeeRegistered().load(self.registration.get_attendee(attendee_id))
        # read now, so at least as new as any event about this attendee still in flight
        upsert_contact(self.db, attendee, updated_at=utcnow())
        return self.db.get(AttendeeContact, attendee["attendee_id"])

    def _lead(self, exhibitor_id, attendee_id, now):
        """(the lead, locked for this transaction; whether it was just created)."""
        row = {
            "id": new_id(),
            "exhibitor_id": exhibitor_id,
            "attendee_id": attendee_id,
            "score": 0,
            "created_at": now,
            "updated_at": now,
        }
        unique_key = ["exhibitor_id", "attendee_id"]
        created = insert_ignoring_duplicates(self.db, Lead.__table__, [row], unique_key) == 1
        lead = self.db.scalars(
            select(Lead)
            .where(Lead.exhibitor_id == exhibitor_id, Lead.attendee_id == attendee_id)
            .with_for_update()
        ).one()
        return lead, created

    def _score(self, lead_id):
        weight = case(LEAD_SCORE_WEIGHTS, value=Interaction.kind, else_=0)
        return self.db.scalar(
            select(func.coalesce(func.sum(weight), 0)).where(Interaction.lead_id == lead_id)
        )

    def _announce(self, lead, contact, interaction, first_interaction):
        emit(
            self.db,
            LeadCaptured if first_interaction else LeadUpdated,
            {
                "lead_id": lead.id,
                "exhibitor_id": lead.exhibitor_id,
                "attendee": {
                    "attendee_id": contact.attendee_id,
                    "full_name": contact.full_name,
                    "email": contact.email,
                    "organization": contact.organization,
                },
                "score": lead.score,
                "interaction": {
                    "interaction_id": interaction.id,
                    "kind": interaction.kind,
                    "product_id": interaction.product_id,
                    "message": interaction.message,
                    "occurred_at": interaction.occurred_at,
                },
            },
        )
        if interaction.kind == "meeting_request":
            emit(
                self.db,
                MeetingRequested,
                {
                    "exhibitor_id": lead.exhibitor_id,
                    "attendee_id": contact.attendee_id,
                    "lead_id": lead.id,
                    "message": interaction.message,
                },
            )
