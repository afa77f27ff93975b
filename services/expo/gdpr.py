"""GDPR: everything expo holds on an attendee (erasure is consumed in replica.py)."""

from nameko.rpc import rpc
from sqlalchemy import select

from contracts.rpc.expo import AttendeeIdArgs, ExportedInteractionSchema, MeetingSchema
from plumbing import replica
from plumbing.schemas import load_args
from services.expo.contacts import contact_dump
from services.expo.models import Exhibitor, Interaction, Lead, Meeting


class GdprRpcs:
    """Mixin for ExpoService: the attendee's data export."""

    @rpc
    def export_attendee(self, attendee_id):
        """Everything expo holds on this attendee.  Interactions made without consent
        are anonymous: nothing ties them to the attendee, so they are not here."""
        attendee_id = load_args(AttendeeIdArgs, attendee_id=attendee_id)["attendee_id"]
        contact = replica.get(self.db, attendee_id)
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
