"""The FAQ: organizers write entries; everyone reads the published ones."""

from nameko.rpc import rpc
from sqlalchemy import delete, func, or_, select

from contracts.errors import NotFound
from contracts.rpc.networking import (
    FaqChangesPayload,
    FaqEntrySchema,
    FaqPayload,
    FaqQuery,
    IdArgs,
)
from plumbing.events import utcnow
from plumbing.schemas import load_args, load_or_invalid
from services.networking.models import FaqEntry

MAX_FAQ_ENTRIES = 500


def faq_page(entries):
    """Entries by their position, and the categories in the order they first appear."""
    categories = list(dict.fromkeys(entry.category for entry in entries))
    return {"categories": categories, "items": FaqEntrySchema(many=True).dump(entries)}


class FaqRpcs:
    """Mixin for NetworkingService: needs ``self.db``."""

    @rpc
    def list_faq(self, query=None, drafts=False):
        """Published entries (organizers: ``drafts`` too), ordered by position; ``q``
        searches questions and answers word by word, ``category`` filters (any case)."""
        args = load_or_invalid(FaqQuery, query or {}, "The query is not valid.")
        statement = select(FaqEntry)
        if not drafts:
            statement = statement.where(FaqEntry.published)
        if args.get("category"):
            statement = statement.where(func.lower(FaqEntry.category) == args["category"].lower())
        for word in (args.get("q") or "").split():
            statement = statement.where(
                or_(
                    FaqEntry.question.icontains(word, autoescape=True),
                    FaqEntry.answer.icontains(word, autoescape=True),
                )
            )
        entries = self.db.scalars(
            statement.order_by(FaqEntry.position, FaqEntry.created_at, FaqEntry.id).limit(
                MAX_FAQ_ENTRIES
            )
        ).all()
        return faq_page(entries)

    @rpc
    def create_faq_entry(self, payload):
        fields = load_or_invalid(FaqPayload, payload)
        now = utcnow()
        entry = FaqEntry(**fields, created_at=now, updated_at=now)
        self.db.add(entry)
        self.db.flush()
        return FaqEntrySchema().dump(entry)

    @rpc
    def update_faq_entry(self, entry_id, payload):
        changes = load_or_invalid(FaqChangesPayload, payload)
        entry = self._faq_entry(entry_id)
        for name, value in changes.items():
            setattr(entry, name, value)
        entry.updated_at = utcnow()
        self.db.flush()
        return FaqEntrySchema().dump(entry)

    @rpc
    def delete_faq_entry(self, entry_id):
        """Idempotent."""
        entry_id = load_args(IdArgs, id=entry_id)["id"]
        self.db.execute(delete(FaqEntry).where(FaqEntry.id == entry_id))

    def _faq_entry(self, entry_id):
        entry_id = load_args(IdArgs, id=entry_id)["id"]
        entry = self.db.get(FaqEntry, entry_id)
        if entry is None:
            raise NotFound("No such FAQ entry.")
        return entry
