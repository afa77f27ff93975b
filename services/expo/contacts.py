"""The attendee replica's rows: an attendee's contact and consent, as stored and as
shown to exhibitors."""

from plumbing.db import upsertable_insert
from services.expo.models import AttendeeContact, ErasedAttendee


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


def contact_dump(contact):
    return {
        "attendee_id": contact.attendee_id,
        "full_name": contact.full_name,
        "email": contact.email,
        "organization": contact.organization,
    }
