"""The event itself: its name, theme, days, time zone, contact and links. The organizer
writes it whole (PUT); anyone reads it; the iCalendar feeds are named after it."""

from datetime import date

from nameko.rpc import rpc

from contracts.events.sessions import EventDetailsUpdated
from contracts.rpc.sessions import EventDetailsSchema, EventPayload
from plumbing.db import insert_ignoring_duplicates
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.schemas import load_or_invalid
from services.sessions.models import DEFAULT_EVENT, EventDetails


def current_event(db):
    """The event as a dict (the defaults until the organizer has saved it)."""
    row = db.get(EventDetails, 1)
    if row is None:
        return dict(DEFAULT_EVENT)
    return {
        "name": row.name,
        "theme": row.theme,
        "description": row.description,
        "time_zone": row.time_zone,
        "kickoff_day": row.kickoff_day,
        "conference_days": [date.fromisoformat(day) for day in row.conference_days],
        "contact": row.contact,
        "links": row.links,
        "updated_at": row.updated_at,
    }


def first_row():
    defaults = {name: value for name, value in DEFAULT_EVENT.items() if name != "updated_at"}
    return {"id": 1, **defaults, "updated_at": utcnow()}


class EventRpcs:
    @rpc
    def get_event(self):
        return EventDetailsSchema().dump(current_event(self.db))

    @rpc
    def update_event(self, payload):
        fields = load_or_invalid(EventPayload, payload)
        # two first saves at once: the second waits on the row rather than failing on the key
        insert_ignoring_duplicates(self.db, EventDetails.__table__, [first_row()], ["id"])
        row = self.db.get(EventDetails, 1, with_for_update=True)
        row.name = fields["name"]
        row.theme = fields["theme"]
        row.description = fields["description"]
        row.time_zone = fields["time_zone"]
        row.kickoff_day = fields["kickoff_day"]
        row.conference_days = [day.isoformat() for day in fields["conference_days"]]
        row.contact = {**DEFAULT_EVENT["contact"], **fields["contact"]}
        row.links = fields["links"]
        row.updated_at = utcnow()
        self.db.flush()
        emit(self.db, EventDetailsUpdated, {"name": row.name, "updated_at": row.updated_at})
        return EventDetailsSchema().dump(current_event(self.db))
