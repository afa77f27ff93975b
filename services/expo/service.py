"""Expo: exhibitors and their products, visitors' interactions, leads and meetings.

An interaction becomes part of a lead only if the attendee agreed to share their
contact with exhibitors; otherwise it is kept as an anonymous count.  Withdrawing that
consent, or being erased, anonymizes the attendee's leads and meetings.  Consenting
later does not turn earlier anonymous interactions into a lead: they hold no attendee.
"""

import hashlib
from collections import Counter
from datetime import datetime, timedelta

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from sqlalchemy import case, delete, distinct, func, or_, select, update
from sqlalchemy.orm import selectinload

from plumbing.consumer import consume
from plumbing.db import Database, insert_ignoring_duplicates, upsertable_insert
from plumbing.errors import Conflict, Invalid, NotFound
from plumbing.events import utcnow
from plumbing.observability import Observability, OpsEndpoints
from plumbing.outbox import OutboxRelay, emit, forget_attendee
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
from services.expo.events import (
    ExhibitorCreated,
    LeadCaptured,
    LeadUpdated,
    MeetingAnswered,
    MeetingRequested,
)
from services.expo.models import (
    AttendeeContact,
    ErasedAttendee,
    Exhibitor,
    ExhibitorCategory,
    Interaction,
    Lead,
    Meeting,
    Product,
)
from services.expo.schemas import (
    MAX_PRODUCTS,
    TIERS,
    AnalyticsArgs,
    AttendeeIdArgs,
    BoothAnalyticsSchema,
    ExhibitorFiltersSchema,
    ExhibitorIdArgs,
    ExhibitorInputSchema,
    ExhibitorProfileSchema,
    ExhibitorSchema,
    ExhibitorsPageArgs,
    ExportedInteractionSchema,
    InteractionInputSchema,
    LeadFiltersSchema,
    LeadSchema,
    MeetingAnswerSchema,
    MeetingFiltersSchema,
    MeetingIdArgs,
    MeetingSchema,
    ProductChangeSchema,
    ProductIdArgs,
    ProductInputSchema,
    ProductSchema,
)
from services.registration.events import AttendeeErased, AttendeeRegistered, AttendeeUpdated

API_KEY_PREFIX = "pex_"

# What each kind of interaction says about a visitor's interest.  A lead's score is a
# pure function of the *set* of its interactions (see lead_score): the same whatever
# order they arrive in, and a repeat of the same signal adds nothing:
#   visit            1 point per UTC day with a visit
#   download         5 points per distinct product downloaded
#   meeting_request 10 points, once
LEAD_SCORE_WEIGHTS = {
    "visit": 1,
    "download": 5,
    "meeting_request": 10,
}

TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}
# full-text configuration on PostgreSQL: English stemming ("mounts" finds "mount")
TEXT_SEARCH_CONFIG = "english"


def score_signal(kind, product_id, day):
    if kind == "visit":
        return kind, day
    if kind == "download":
        return kind, product_id
    return (kind,)


def lead_score(interactions):
    """The score of a lead with these ``(kind, product_id, day)`` interactions."""
    signals = {score_signal(*interaction) for interaction in interactions}
    return sum(LEAD_SCORE_WEIGHTS[signal[0]] for signal in signals)


def visitor_hash(exhibitor_id, day, attendee_id):
    """Tells one day's visitors of one booth apart without saying who they are: it
    cannot link a person across booths or days, and is cleared on erasure."""
    return hashlib.sha256(f"{exhibitor_id}|{day.isoformat()}|{attendee_id}".encode()).hexdigest()


def upsert_contact(session, attendee, updated_at):
    """Store an attendee's contact and consent unless a newer fact is already stored,
    or the attendee was erased."""
    if session.get(ErasedAttendee, attendee["attendee_id"]) is not None:
        return
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


def anonymize(session, attendee_id, now):
    """Detach the attendee from every lead, interaction, meeting and outbox event in
    expo: counts stay, the person and their words go.  Pending meetings are withdrawn."""
    session.execute(
        update(Lead)
        .where(Lead.attendee_id == attendee_id)
        .values(attendee_id=None, anonymized_at=now)
    )
    session.execute(
        update(Interaction)
        .where(Interaction.attendee_id == attendee_id)
        .values(attendee_id=None, message=None)
    )
    session.execute(
        update(Meeting)
        .where(Meeting.attendee_id == attendee_id, Meeting.status == "pending")
        .values(status="withdrawn")
    )
    session.execute(
        update(Meeting)
        .where(Meeting.attendee_id == attendee_id)
        .values(attendee_id=None, message=None, answer=None)
    )
    # sent events are kept a while for operators; unsent ones must not go out now
    forget_attendee(session, attendee_id, pending_too=True)
    session.expire_all()


def forget_visits(session, attendee_id):
    """Clear the attendee's visitor hashes, recomputed for every (booth, day) there is."""
    booth_days = session.execute(
        select(Interaction.exhibitor_id, Interaction.day)
        .where(Interaction.visitor_hash.is_not(None))
        .distinct()
    ).all()
    hashes = [visitor_hash(exhibitor_id, day, attendee_id) for exhibitor_id, day in booth_days]
    for start in range(0, len(hashes), 500):
        session.execute(
            update(Interaction)
            .where(Interaction.visitor_hash.in_(hashes[start : start + 500]))
            .values(visitor_hash=None)
        )


def tier_rank():
    return case(TIER_RANK, value=Exhibitor.tier)


def exhibitor_sort_key(exhibitor):
    return TIER_RANK[exhibitor.tier], exhibitor.name, exhibitor.id


def matching(session, q):
    """Exhibitors matching ``q`` in their name, description, categories or a listed
    product: full-text search on PostgreSQL, a substring match on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        query = func.websearch_to_tsquery(TEXT_SEARCH_CONFIG, q)

        def hit(*columns):
            document = func.concat_ws(" ", *columns)
            return func.to_tsvector(TEXT_SEARCH_CONFIG, document).bool_op("@@")(query)

    else:

        def hit(*columns):
            return or_(*(column.icontains(q, autoescape=True) for column in columns))

    return or_(
        # a name also matches by substring, so "arch" finds "Archivium" as you type
        Exhibitor.name.icontains(q, autoescape=True),
        hit(Exhibitor.name, Exhibitor.description),
        Exhibitor.id.in_(
            select(ExhibitorCategory.exhibitor_id).where(hit(ExhibitorCategory.category))
        ),
        Exhibitor.id.in_(
            select(Product.exhibitor_id).where(
                Product.removed_at.is_(None),
                hit(Product.name, Product.description, Product.category),
            )
        ),
    )


def in_category(category):
    """Exhibitors with this category, or with a listed product in it (any case)."""
    category = category.lower()
    return or_(
        Exhibitor.id.in_(
            select(ExhibitorCategory.exhibitor_id).where(
                func.lower(ExhibitorCategory.category) == category
            )
        ),
        Exhibitor.id.in_(
            select(Product.exhibitor_id).where(
                Product.removed_at.is_(None), func.lower(Product.category) == category
            )
        ),
    )


def category_rows(categories):
    return [
        ExhibitorCategory(category=category, position=position)
        for position, category in enumerate(categories)
    ]


def contact_dump(contact):
    return {
        "attendee_id": contact.attendee_id,
        "full_name": contact.full_name,
        "email": contact.email,
        "organization": contact.organization,
    }


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
            booth=fields["booth"],
            website=fields["website"],
            logo_url=fields["logo_url"],
            staff=fields["staff"],
            api_key_hash=secret_hash(api_key),
            created_at=utcnow(),
            category_rows=category_rows(fields["categories"]),
            product_rows=[
                Product(position=position, **product)
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
    def update_exhibitor(self, exhibitor_id, payload):
        """Change the exhibitor's own profile: any of name, description, website,
        logo_url, categories, staff."""
        fields = load_or_invalid(ExhibitorProfileSchema, payload)
        exhibitor = self._exhibitor(exhibitor_id)
        categories = fields.pop("categories", None)
        for name, value in fields.items():
            setattr(exhibitor, name, value)
        if categories is not None:
            exhibitor.category_rows.clear()
            self.db.flush()  # the old rows go before new ones may take their keys
            exhibitor.category_rows.extend(category_rows(categories))
        self.db.flush()
        return ExhibitorSchema().dump(exhibitor)

    @rpc
    def rotate_api_key(self, exhibitor_id):
        """A new API key for the exhibitor; the old one stops working at once."""
        exhibitor = self._exhibitor(exhibitor_id)
        api_key = new_secret(API_KEY_PREFIX)
        exhibitor.api_key_hash = secret_hash(api_key)
        return {"id": exhibitor.id, "api_key": api_key}

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
        """Exhibitors by tier (platinum first), then name; filters ``q``, ``tier`` and
        ``category``."""
        filters = load_or_invalid(
            ExhibitorFiltersSchema,
            {} if filters is None else filters,
            detail="The filters are not valid.",
        )
        page = load_args(ExhibitorsPageArgs, limit=limit, cursor=cursor)
        query = select(Exhibitor).options(
            selectinload(Exhibitor.product_rows), selectinload(Exhibitor.category_rows)
        )
        if filters["tier"]:
            query = query.where(Exhibitor.tier == filters["tier"])
        if filters["category"]:
            query = query.where(in_category(filters["category"]))
        if filters["q"]:
            query = query.where(matching(self.db, filters["q"]))
        query = keyset(
            query, [tier_rank(), Exhibitor.name, Exhibitor.id], page["cursor"], page["limit"]
        )
        return keyset_page(
            self.db.scalars(query).all(), page["limit"], ExhibitorSchema().dump, exhibitor_sort_key
        )

    @rpc
    def get_exhibitor(self, exhibitor_id):
        return ExhibitorSchema().dump(self._exhibitor(exhibitor_id))

    # -- products ---------------------------------------------------------------------

    @rpc
    def add_product(self, exhibitor_id, payload):
        fields = load_or_invalid(ProductInputSchema, payload)
        exhibitor = self._exhibitor(exhibitor_id)
        if len(exhibitor.products) >= MAX_PRODUCTS:
            raise Conflict(f"An exhibitor lists at most {MAX_PRODUCTS} products.")
        product = Product(position=len(exhibitor.product_rows), **fields)
        exhibitor.product_rows.append(product)
        self.db.flush()
        return ProductSchema().dump(product)

    @rpc
    def update_product(self, exhibitor_id, product_id, payload):
        fields = load_or_invalid(ProductChangeSchema, payload)
        product = self._product(exhibitor_id, product_id)
        for name, value in fields.items():
            setattr(product, name, value)
        self.db.flush()
        return ProductSchema().dump(product)

    @rpc
    def remove_product(self, exhibitor_id, product_id):
        """Take a product off the booth (again is harmless); the downloads that name it
        keep their meaning."""
        product = self._product(exhibitor_id, product_id, removed_too=True)
        product.removed_at = product.removed_at or utcnow()

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
        now = utcnow()
        interaction = Interaction(
            exhibitor_id=exhibitor.id,
            kind=fields["kind"],
            product_id=fields["product_id"],
            occurred_at=now,
            day=now.date(),
            visitor_hash=visitor_hash(exhibitor.id, now.date(), attendee_id),
        )
        answer = {"kind": interaction.kind, "lead_id": None, "meeting_id": None}
        if not contact.share_with_exhibitors:
            self.db.add(interaction)  # an anonymous count: no person, no words
            self.db.flush()
            return {**answer, "interaction_id": interaction.id}

        lead, first_interaction = self._lead(exhibitor.id, contact.attendee_id, now)
        interaction.attendee_id = contact.attendee_id
        interaction.lead_id = lead.id
        interaction.message = fields["message"]
        self.db.add(interaction)
        self.db.flush()
        lead.score = self._score(lead.id)
        lead.updated_at = max(lead.updated_at, now)
        self._announce(lead, contact, interaction, first_interaction)
        answer.update(interaction_id=interaction.id, lead_id=lead.id)
        if interaction.kind == "meeting_request":
            answer["meeting_id"] = self._request_meeting(
                exhibitor, lead, interaction, fields["proposed_times"]
            )
        return answer

    @rpc
    def list_leads(self, exhibitor_id, limit=50, cursor=None, filters=None):
        """This exhibitor's leads, newest first, each with its interactions; filters
        ``min_score``, ``since`` and ``until`` (when the lead was captured)."""
        exhibitor = self._exhibitor(exhibitor_id)
        page = load_args(NewestFirstPageArgs, limit=limit, cursor=cursor)
        filters = load_or_invalid(
            LeadFiltersSchema, {} if filters is None else filters, "The filters are not valid."
        )
        query = select(Lead).where(Lead.exhibitor_id == exhibitor.id, Lead.attendee_id.is_not(None))
        if "min_score" in filters:
            query = query.where(Lead.score >= filters["min_score"])
        if "since" in filters:
            query = query.where(Lead.created_at >= filters["since"])
        if "until" in filters:
            query = query.where(Lead.created_at < filters["until"])
        query = newest_first(
            query.options(selectinload(Lead.contact), selectinload(Lead.interactions)),
            Lead,
            page["cursor"],
            page["limit"],
        )
        return keyset_page(
            self.db.scalars(query).all(), page["limit"], LeadSchema().dump, creation_key
        )

    @rpc
    def booth_analytics(self, exhibitor_id, start=None, end=None):
        """Per UTC day: visits, unique visitors, downloads, meeting requests (anonymous
        ones included) and leads captured."""
        exhibitor = self._exhibitor(exhibitor_id)
        args = load_args(AnalyticsArgs, start=start, end=end)
        by_day = {}

        def day_row(day):
            return by_day.setdefault(
                day,
                {
                    "day": day,
                    "visits": 0,
                    "unique_visitors": 0,
                    "downloads": 0,
                    "meeting_requests": 0,
                    "leads": 0,
                },
            )

        in_range = [Interaction.exhibitor_id == exhibitor.id]
        if args["start"]:
            in_range.append(Interaction.day >= args["start"])
        if args["end"]:
            in_range.append(Interaction.day <= args["end"])
        counts = select(Interaction.day, Interaction.kind, func.count()).where(*in_range)
        for day, kind, count in self.db.execute(counts.group_by(Interaction.day, Interaction.kind)):
            column = {"visit": "visits", "download": "downloads"}.get(kind, "meeting_requests")
            day_row(day)[column] = count
        visitors = select(Interaction.day, func.count(distinct(Interaction.visitor_hash))).where(
            *in_range
        )
        for day, count in self.db.execute(visitors.group_by(Interaction.day)):
            day_row(day)["unique_visitors"] = count
        captured = Counter(
            created_at.date()
            for created_at in self.db.scalars(
                select(Lead.created_at).where(Lead.exhibitor_id == exhibitor.id)
            )
        )
        for day, count in captured.items():
            if (args["start"] or day) <= day <= (args["end"] or day):
                day_row(day)["leads"] = count
        days = fill_days(by_day, day_row, args["start"], args["end"])
        totals = {
            name: sum(day[name] for day in days)
            for name in ("visits", "downloads", "meeting_requests", "leads")
        }
        return BoothAnalyticsSchema().dump(
            {"exhibitor_id": exhibitor.id, "days": days, "totals": totals}
        )

    # -- meetings ---------------------------------------------------------------------

    @rpc
    def list_meetings(self, exhibitor_id, limit=50, cursor=None, filters=None):
        """This exhibitor's meeting requests, newest first; filter ``status``."""
        exhibitor = self._exhibitor(exhibitor_id)
        page = load_args(NewestFirstPageArgs, limit=limit, cursor=cursor)
        filters = load_or_invalid(
            MeetingFiltersSchema, {} if filters is None else filters, "The filters are not valid."
        )
        query = select(Meeting).where(
            Meeting.exhibitor_id == exhibitor.id, Meeting.attendee_id.is_not(None)
        )
        if filters["status"]:
            query = query.where(Meeting.status == filters["status"])
        query = newest_first(
            query.options(selectinload(Meeting.contact)), Meeting, page["cursor"], page["limit"]
        )
        return keyset_page(
            self.db.scalars(query).all(), page["limit"], MeetingSchema().dump, creation_key
        )

    @rpc
    def answer_meeting(self, exhibitor_id, meeting_id, payload):
        """Accept (at one of the proposed times) or decline a pending meeting request."""
        fields = load_or_invalid(MeetingAnswerSchema, payload)
        exhibitor = self._exhibitor(exhibitor_id)
        meeting_id = load_args(MeetingIdArgs, meeting_id=meeting_id)["meeting_id"]
        meeting = self.db.scalars(
            select(Meeting)
            .where(
                Meeting.id == meeting_id,
                Meeting.exhibitor_id == exhibitor.id,
                Meeting.attendee_id.is_not(None),
            )
            .with_for_update()
        ).one_or_none()
        if meeting is None:
            raise NotFound("No such meeting request.")
        if meeting.status != "pending":
            raise Conflict(f"This meeting request was already {meeting.status}.")
        accepted_time = fields["accepted_time"]
        proposed = {datetime_key(time) for time in meeting.proposed_times}
        if accepted_time is not None and proposed and datetime_key(accepted_time) not in proposed:
            raise Invalid(
                "Accept one of the proposed times.",
                {"accepted_time": ["Not one of the proposed times."]},
            )
        meeting.status = fields["status"]
        meeting.accepted_time = accepted_time
        meeting.answer = fields["message"]
        meeting.answered_at = utcnow()
        self.db.flush()
        emit(
            self.db,
            MeetingAnswered,
            {
                "meeting_id": meeting.id,
                "exhibitor_id": exhibitor.id,
                "exhibitor_name": exhibitor.name,
                "attendee_id": meeting.attendee_id,
                "status": meeting.status,
                "accepted_time": accepted_time,
                "message": meeting.answer,
                "answered_at": meeting.answered_at,
            },
        )
        return MeetingSchema().dump(meeting)

    # -- GDPR ---------------------------------------------------------------------------

    @rpc
    def export_attendee(self, attendee_id):
        """Everything expo holds on this attendee.  Interactions made without consent
        are anonymous: nothing ties them to the attendee, so they are not here."""
        attendee_id = load_args(AttendeeIdArgs, attendee_id=attendee_id)["attendee_id"]
        contact = self.db.get(AttendeeContact, attendee_id)
        names = dict(self.db.execute(select(Exhibitor.id, Exhibitor.name)).all())
        interactions = self.db.scalars(
            select(Interaction)
            .where(Interaction.attendee_id == attendee_id)
            .order_by(Interaction.occurred_at, Interaction.id)
        ).all()
        leads = self.db.scalars(
            select(Lead).where(Lead.attendee_id == attendee_id).order_by(Lead.created_at)
        ).all()
        meetings = self.db.scalars(
            select(Meeting).where(Meeting.attendee_id == attendee_id).order_by(Meeting.created_at)
        ).all()
        interaction_schema = ExportedInteractionSchema()
        meeting_schema = MeetingSchema(exclude=["attendee"])
        return {
            "contact": None
            if contact is None
            else {
                **contact_dump(contact),
                "share_with_exhibitors": contact.share_with_exhibitors,
            },
            "interactions": [
                {**interaction_schema.dump(i), "exhibitor_name": names[i.exhibitor_id]}
                for i in interactions
            ],
            "leads": [
                {
                    "id": lead.id,
                    "exhibitor_id": lead.exhibitor_id,
                    "exhibitor_name": names[lead.exhibitor_id],
                    "score": lead.score,
                    "created_at": lead.created_at.isoformat(),
                    "updated_at": lead.updated_at.isoformat(),
                }
                for lead in leads
            ],
            "meetings": [
                {**meeting_schema.dump(m), "exhibitor_name": names[m.exhibitor_id]}
                for m in meetings
            ],
        }

    # -- the attendee replica -----------------------------------------------------------

    @consume(AttendeeRegistered)
    def on_attendee_registered(self, event):
        upsert_contact(self.db, event.data, updated_at=event.occurred_at)

    @consume(AttendeeUpdated)
    def on_attendee_updated(self, event):
        """A newer profile; if consent to share is now withdrawn, leads are anonymized."""
        upsert_contact(self.db, event.data, updated_at=event.occurred_at)
        contact = self.db.get(AttendeeContact, event.data["attendee_id"])
        if contact is not None and not contact.share_with_exhibitors:
            anonymize(self.db, contact.attendee_id, utcnow())

    @consume(AttendeeErased)
    def on_attendee_erased(self, event):
        attendee_id = event.data["attendee_id"]
        tombstone = {"attendee_id": attendee_id, "erased_at": event.data["erased_at"]}
        insert_ignoring_duplicates(self.db, ErasedAttendee.__table__, [tombstone], ["attendee_id"])
        anonymize(self.db, attendee_id, utcnow())
        forget_visits(self.db, attendee_id)
        self.db.execute(delete(AttendeeContact).where(AttendeeContact.attendee_id == attendee_id))

    # -- helpers ------------------------------------------------------------------------

    def _exhibitor(self, exhibitor_id):
        exhibitor_id = load_args(ExhibitorIdArgs, exhibitor_id=exhibitor_id)["exhibitor_id"]
        exhibitor = self.db.get(Exhibitor, exhibitor_id)
        if exhibitor is None:
            raise NotFound("No such exhibitor.")
        return exhibitor

    def _product(self, exhibitor_id, product_id, removed_too=False):
        """A listed product of this exhibitor (another's is not found)."""
        exhibitor = self._exhibitor(exhibitor_id)
        product_id = load_args(ProductIdArgs, product_id=product_id)["product_id"]
        for product in exhibitor.product_rows if removed_too else exhibitor.products:
            if product.id == product_id:
                return product
        raise NotFound("No such product at this booth.")

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
        if self.db.get(ErasedAttendee, attendee_id) is not None:
            raise NotFound("No such attendee.")
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
        return lead_score(
            self.db.execute(
                select(Interaction.kind, Interaction.product_id, Interaction.day).where(
                    Interaction.lead_id == lead_id
                )
            ).all()
        )

    def _request_meeting(self, exhibitor, lead, interaction, proposed_times):
        meeting = Meeting(
            exhibitor_id=exhibitor.id,
            attendee_id=lead.attendee_id,
            lead_id=lead.id,
            interaction_id=interaction.id,
            message=interaction.message,
            proposed_times=[time.isoformat() for time in proposed_times],
            status="pending",
            created_at=interaction.occurred_at,
        )
        self.db.add(meeting)
        self.db.flush()
        emit(
            self.db,
            MeetingRequested,
            {
                "exhibitor_id": exhibitor.id,
                "attendee_id": lead.attendee_id,
                "lead_id": lead.id,
                "message": interaction.message,
                "meeting_id": meeting.id,
                "exhibitor_name": exhibitor.name,
                "proposed_times": proposed_times,
            },
        )
        return meeting.id

    def _announce(self, lead, contact, interaction, first_interaction):
        emit(
            self.db,
            LeadCaptured if first_interaction else LeadUpdated,
            {
                "lead_id": lead.id,
                "exhibitor_id": lead.exhibitor_id,
                "attendee": contact_dump(contact),
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


def datetime_key(value):
    """A moment comparable whatever its offset or format (datetime or ISO string)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.timestamp()


def fill_days(by_day, day_row, start, end):
    """Every day from start (or the first with data) to end (or the last), in order."""
    if not by_day and not (start and end):
        return []
    first = start or min(by_day)
    last = end or max(by_day)
    return [day_row(first + timedelta(days=n)) for n in range((last - first).days + 1)]
