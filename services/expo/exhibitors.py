"""Exhibitors: their profiles, API keys and the searchable hall."""

from nameko.rpc import rpc
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from contracts.enums import TIERS
from contracts.errors import NotFound
from contracts.events.expo import ExhibitorCreated, ExhibitorUpdated
from contracts.rpc.expo import (
    ExhibitorFiltersSchema,
    ExhibitorIdArgs,
    ExhibitorInputSchema,
    ExhibitorProfileSchema,
    ExhibitorSchema,
    ExhibitorsPageArgs,
    load_filters,
)
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.pagination import keyset, keyset_page
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import new_secret, secret_hash
from services.expo.models import Exhibitor, ExhibitorCategory, Product

API_KEY_PREFIX = "pex_"

TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}
# full-text configuration on PostgreSQL: English stemming ("mounts" finds "mount")
TEXT_SEARCH_CONFIG = "english"


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


def hall_changed(session, exhibitor_id, what):
    """The public hall's view of the exhibitor changed (``profile`` or ``products``)."""
    emit(session, ExhibitorUpdated, {"exhibitor_id": exhibitor_id, "changed": [what]})


def find_exhibitor(session, exhibitor_id):
    """The exhibitor, for every area that works on one; NotFound if there is none."""
    exhibitor_id = load_args(ExhibitorIdArgs, exhibitor_id=exhibitor_id)["exhibitor_id"]
    exhibitor = session.get(Exhibitor, exhibitor_id)
    if exhibitor is None:
        raise NotFound("No such exhibitor.")
    return exhibitor


class ExhibitorRpcs:
    """Mixin for ExpoService: exhibitors, their API keys and the hall."""

    @rpc
    def create_exhibitor(self, payload):
        """Create an exhibitor and its products; its API key is returned only here."""
        fields = load_or_invalid(ExhibitorInputSchema, payload)
        api_key = new_secret(API_KEY_PREFIX)
        categories, products = fields.pop("categories"), fields.pop("products")
        exhibitor = Exhibitor(
            **fields,
            api_key_hash=secret_hash(api_key),
            created_at=utcnow(),
            category_rows=category_rows(categories),
            product_rows=[
                Product(position=position, **product) for position, product in enumerate(products)
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
        exhibitor = find_exhibitor(self.db, exhibitor_id)
        categories = fields.pop("categories", None)
        for name, value in fields.items():
            setattr(exhibitor, name, value)
        if categories is not None:
            exhibitor.category_rows.clear()
            self.db.flush()  # the old rows go before new ones may take their keys
            exhibitor.category_rows.extend(category_rows(categories))
        self.db.flush()
        hall_changed(self.db, exhibitor.id, "profile")
        return ExhibitorSchema().dump(exhibitor)

    @rpc
    def rotate_api_key(self, exhibitor_id):
        """A new API key for the exhibitor; the old one stops working at once."""
        exhibitor = find_exhibitor(self.db, exhibitor_id)
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
        filters = load_filters(ExhibitorFiltersSchema, filters)
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
        return ExhibitorSchema().dump(find_exhibitor(self.db, exhibitor_id))
