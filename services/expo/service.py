"""Expo: exhibitors and their products, visitors' interactions, and leads.

An interaction becomes part of a lead only if the attendee agreed to share their
contact with exhibitors; otherwise it is kept as an anonymous count.
"""

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from plumbing.consumer import consume
from plumbing.db import Database, insert_ignoring_duplicates, upsertable_insert
from plumbing.errors import Invalid, NotFound
from plumbing.events import utcnow
from plumbing.observability import Observability, OpsEndpoints
from plumbing.outbox import OutboxRelay, emit
from plumbing.pagination import (
    NewestFirstPageArgs,
    creation_key,
    keyset,
    keyset_page,
    newest_first,
)
from plumbing.rpc import TimedRpcProxy
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import new_id, new_secret, secret_hash
from services.expo.events import ExhibitorCreated, LeadCaptured, LeadUpdated, MeetingRequested
from services.expo.models import AttendeeContact, Exhibitor, Interaction, Lead, Product
from services.expo.schemas import (
    TIERS,
    AttendeeIdArgs,
    ExhibitorFiltersSchema,
    ExhibitorIdArgs,
    ExhibitorInputSchema,
    ExhibitorSchema,
    ExhibitorsPageArgs,
    InteractionInputSchema,
    LeadSchema,
)
from services.registration.events import AttendeeRegistered

API_KEY_PREFIX = "pex_"

# How much each kind of interaction says about a visitor's interest.  A lead's score is
# the sum over its interactions, so it is the same whatever order they arrive in.
LEAD_SCORE_WEIGHTS = {
    "visit": 1,
    "download": 5,
    "meeting_request": 10,
}

TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}


def upsert_contact(session, attendee, updated_at):
    """Store an attendee's contact and consent unless a newer fact is already stored."""
    row = {
        "attendee_id": attendee["attendee_id"],
        "full_name": attendee["full_name"],
        "email": attendee["email"],
        "organization": attendee["organization"],
        "share_with_exhibitors": attendee["consent"]["share_with_exhibitors"],
        "updated_at": updated_at,
    }
    statement = upsertable_insert(session, AttendeeContact).values(row)
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
    return TIER_RANK[exhibitor.tier], exhibitor.name, exhibitor.id


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
        fields = load_or_invalid(ExhibitorInputSchema, payload)
        api_key = new_secret(API_KEY_PREFIX)
        exhibitor = Exhibitor(
            name=fields["name"],
            description=fields["description"],
            tier=fields["tier"],
            website=fields["website"],
            api_key_hash=secret_hash(api_key),
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
            select(Exhibitor.id).where(Exhibitor.api_key_hash == secret_hash(api_key))
        )

    @rpc
    def list_exhibitors(self, filters=None, limit=50, cursor=None):
        """Exhibitors by tier (platinum first), then name; filters ``q`` and ``tier``."""
        filters = load_or_invalid(
            ExhibitorFiltersSchema,
            {} if filters is None else filters,
            detail="The filters are not valid.",
        )
        page = load_args(ExhibitorsPageArgs, limit=limit, cursor=cursor)
        query = select(Exhibitor).options(selectinload(Exhibitor.products))
        if filters["tier"]:
            query = query.where(Exhibitor.tier == filters["tier"])
        if filters["q"]:
            query = query.where(matching(filters["q"]))
        query = keyset(
            query, [tier_rank(), Exhibitor.name, Exhibitor.id], page["cursor"], page["limit"]
        )
        return keyset_page(
            self.db.scalars(query).all(), page["limit"], ExhibitorSchema().dump, exhibitor_sort_key
        )

    @rpc
    def get_exhibitor(self, exhibitor_id):
        return ExhibitorSchema().dump(self._exhibitor(exhibitor_id))

    # -- interactions and leads -------------------------------------------------------

    @rpc
    def record_interaction(self, exhibitor_id, attendee_id, payload):
        """Record a visit, download or meeting request; it joins the attendee's lead
        with this exhibitor only if the attendee consented to share their contact."""
        attendee_id = load_args(AttendeeIdArgs, attendee_id=attendee_id)["attendee_id"]
        fields = load_or_invalid(InteractionInputSchema, payload)
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
        page = load_args(NewestFirstPageArgs, limit=limit, cursor=cursor)
        query = newest_first(
            select(Lead)
            .where(Lead.exhibitor_id == exhibitor.id)
            .options(selectinload(Lead.contact), selectinload(Lead.interactions)),
            Lead,
            page["cursor"],
            page["limit"],
        )
        return keyset_page(
            self.db.scalars(query).all(), page["limit"], LeadSchema().dump, creation_key
        )

    # -- the attendee replica -----------------------------------------------------------

    @consume(AttendeeRegistered)
    def on_attendee_registered(self, event):
        upsert_contact(self.db, event.data, updated_at=event.occurred_at)

    # -- helpers ------------------------------------------------------------------------

    def _exhibitor(self, exhibitor_id):
        exhibitor_id = load_args(ExhibitorIdArgs, exhibitor_id=exhibitor_id)["exhibitor_id"]
        exhibitor = self.db.get(Exhibitor, exhibitor_id)
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
