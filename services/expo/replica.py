"""The attendee replica: contacts and consent from registration's events, and
anonymizing an attendee who withdraws consent or is erased."""

from sqlalchemy import select, update

from contracts.enums import MEETING_PENDING, MEETING_WITHDRAWN
from contracts.events.registration import AttendeeErased, AttendeeRegistered, AttendeeUpdated
from plumbing import replica
from plumbing.consumer import consume
from plumbing.events import utcnow
from plumbing.outbox import forget_attendee
from services.expo.leads import visitor_hash
from services.expo.models import Interaction, Lead, Meeting


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
        .where(Meeting.attendee_id == attendee_id, Meeting.status == MEETING_PENDING)
        .values(status=MEETING_WITHDRAWN)
    )
    session.execute(
        update(Meeting)
        .where(Meeting.attendee_id == attendee_id)
        .values(attendee_id=None, message=None, answer=None)
    )
    # sent events are kept a while for operators; unsent ones must not go out now
    forget_attendee(session, attendee_id)
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


class ReplicaConsumers:
    """Mixin for ExpoService: registration's events about attendees."""

    @consume(AttendeeRegistered)
    def on_attendee_registered(self, event):
        replica.upsert(self.db, event.data, event.occurred_at)

    @consume(AttendeeUpdated)
    def on_attendee_updated(self, event):
        """A newer profile; if consent to share is now withdrawn, leads are anonymized."""
        replica.upsert(self.db, event.data, event.occurred_at)
        contact = replica.get(self.db, event.data["attendee_id"])
        if contact is not None and not contact.share_with_exhibitors:
            anonymize(self.db, contact.attendee_id, utcnow())

    @consume(AttendeeErased)
    def on_attendee_erased(self, event):
        attendee_id = event.data["attendee_id"]
        anonymize(self.db, attendee_id, utcnow())
        forget_visits(self.db, attendee_id)
        replica.erase(self.db, attendee_id, event.data["erased_at"])
