"""Replicas from other services' events: attendees (registration) and the kind and
times of program sessions (sessions)."""

from contracts.events.registration import AttendeeRegistered, AttendeeUpdated
from contracts.events.sessions import SessionCancelled, SessionScheduled, SessionUpdated
from plumbing import replica
from plumbing.consumer import consume
from plumbing.db import upsertable_insert
from services.networking.models import ProgramSession


def upsert_newer(session, model, row, key, updated_at):
    """Store ``row`` unless a newer fact about the same key is stored already."""
    statement = upsertable_insert(session, model.__table__).values(
        {**row, "updated_at": updated_at}
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[key],
            set_={column: statement.excluded[column] for column in [*row, "updated_at"]},
            where=model.updated_at <= statement.excluded.updated_at,
        )
    )


class Replicas:
    """Mixin for NetworkingService: needs ``self.db``."""

    @consume(AttendeeRegistered)
    def on_attendee_registered(self, event):
        self._replicate_attendee(event)

    @consume(AttendeeUpdated)
    def on_attendee_updated(self, event):
        self._replicate_attendee(event)

    def _replicate_attendee(self, event):
        replica.upsert(self.db, event.data, event.occurred_at)

    @consume(SessionScheduled)
    def on_session_scheduled(self, event):
        self._replicate_session(event, cancelled=False)

    @consume(SessionUpdated)
    def on_session_updated(self, event):
        self._replicate_session(event, cancelled=False)

    @consume(SessionCancelled)
    def on_session_cancelled(self, event):
        self._replicate_session(event, cancelled=True)

    def _replicate_session(self, event, cancelled):
        session = event.data
        row = {
            "session_id": session["session_id"],
            "title": session["title"],
            "kind": session["kind"],
            "starts_at": session["starts_at"],
            "ends_at": session["ends_at"],
            "cancelled": cancelled,
        }
        upsert_newer(self.db, ProgramSession, row, "session_id", event.occurred_at)
