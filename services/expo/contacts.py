"""An attendee's contact as expo finds it (in the replica, or asked of registration) and
as it shows it to exhibitors."""

from contracts.errors import NotFound
from contracts.rpc.registration import AttendeeContactAnswer
from plumbing import replica
from plumbing.events import utcnow


def find_contact(session, registration, attendee_id):
    """The attendee's replicated contact; asks ``registration`` (an RPC proxy) if the
    attendee_registered event has not arrived yet."""
    contact = replica.get(session, attendee_id)
    if contact is not None:
        return contact
    if replica.is_erased(session, [attendee_id]):
        raise NotFound("No such attendee.")
    attendee = AttendeeContactAnswer().load(registration.get_attendee(attendee_id))
    # read now, so at least as new as any event about this attendee still in flight
    replica.upsert(session, attendee, occurred_at=utcnow())
    return replica.get(session, attendee["attendee_id"])


def contact_dump(contact):
    return {
        "attendee_id": contact.attendee_id,
        "full_name": contact.full_name,
        "email": contact.email,
        "organization": contact.organization,
    }
