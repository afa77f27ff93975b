"""Agendas: the sessions each attendee picked, and who picked a session."""

from nameko.rpc import rpc
from sqlalchemy import delete, select

from contracts.enums import SESSION_CANCELLED
from contracts.rpc.sessions import (
    AgendaEntrySchema,
    AttendeeIdArgs,
    AttendeeSessionArgs,
    HoldersPageArgs,
    SessionSchema,
)
from plumbing.db import insert_ignoring_duplicates
from plumbing.events import utcnow
from plumbing.pagination import keyset, keyset_page
from plumbing.schemas import load_or_invalid
from services.sessions import ical
from services.sessions.event import current_event
from services.sessions.lookup import find_session, refuse_cancelled
from services.sessions.models import AgendaEntry, ProgramSession


class AgendaRpcs:
    @rpc
    def add_to_agenda(self, attendee_id, session_id):
        """Idempotent: adding again answers the first addition's time.  ``overlaps``
        lists the other sessions of the agenda at the same time (a warning only)."""
        args = load_or_invalid(
            AttendeeSessionArgs, {"attendee_id": attendee_id, "session_id": session_id}
        )
        session = find_session(self.db, args["session_id"])
        refuse_cancelled(session)
        row = {
            "session_id": args["session_id"],
            "attendee_id": args["attendee_id"],
            "added_at": utcnow(),
        }
        # a concurrent identical call must not fail on the primary key
        insert_ignoring_duplicates(
            self.db, AgendaEntry.__table__, [row], ["session_id", "attendee_id"]
        )
        entry = self.db.get(AgendaEntry, (args["session_id"], args["attendee_id"]))
        overlaps = self.db.scalars(
            agenda_query(args["attendee_id"]).where(
                ProgramSession.id != session.id,
                ProgramSession.status != SESSION_CANCELLED,
                ProgramSession.starts_at < session.ends_at,
                ProgramSession.ends_at > session.starts_at,
            )
        ).all()
        return AgendaEntrySchema().dump(
            {"session_id": entry.session_id, "added_at": entry.added_at, "overlaps": overlaps}
        )

    @rpc
    def remove_from_agenda(self, attendee_id, session_id):
        """Idempotent: removing what is not there (or an unknown session) is fine."""
        args = load_or_invalid(
            AttendeeSessionArgs, {"attendee_id": attendee_id, "session_id": session_id}
        )
        self.db.execute(
            delete(AgendaEntry).where(
                AgendaEntry.attendee_id == args["attendee_id"],
                AgendaEntry.session_id == args["session_id"],
            )
        )

    @rpc
    def get_agenda(self, attendee_id):
        attendee_id = load_or_invalid(AttendeeIdArgs, {"attendee_id": attendee_id})["attendee_id"]
        return SessionSchema(many=True).dump(self.db.scalars(agenda_query(attendee_id)))

    @rpc
    def agenda_ics(self, attendee_id):
        attendee_id = load_or_invalid(AttendeeIdArgs, {"attendee_id": attendee_id})["attendee_id"]
        event = current_event(self.db)
        sessions = self.db.scalars(agenda_query(attendee_id))
        return ical.calendar(
            sessions, f"{event['name']}: my agenda", self.config["PUBLIC_URL"], event["time_zone"]
        )

    @rpc
    def agenda_holders(self, session_id, cursor=None, limit=1000):
        """Attendee ids with the session in their agenda, ordered by id, a page at a time."""
        page = load_or_invalid(
            HoldersPageArgs, {"session_id": session_id, "cursor": cursor, "limit": limit}
        )
        find_session(self.db, page["session_id"])
        query = keyset(
            select(AgendaEntry.attendee_id).where(AgendaEntry.session_id == page["session_id"]),
            [AgendaEntry.attendee_id],
            page["cursor"],
            page["limit"],
        )
        ids = keyset_page(
            self.db.scalars(query).all(), page["limit"], str, lambda attendee_id: (attendee_id,)
        )
        return {"attendee_ids": ids["items"], "next_cursor": ids["next_cursor"]}


def agenda_query(attendee_id):
    """The sessions in the attendee's agenda, in program order."""
    return (
        select(ProgramSession)
        .join(AgendaEntry, AgendaEntry.session_id == ProgramSession.id)
        .where(AgendaEntry.attendee_id == attendee_id)
        .order_by(ProgramSession.starts_at, ProgramSession.id)
    )
