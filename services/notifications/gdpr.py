"""GDPR: an attendee's data exported, and erased for good."""

import json

from nameko.rpc import rpc
from sqlalchemy import delete, select, update

from contracts.enums import LEAD_ERASED
from contracts.events.notifications import NotificationBatch
from contracts.events.registration import AttendeeErased
from contracts.rpc.notifications import AttendeeArgs, NotificationSchema, PreferencesSchema
from plumbing import replica
from plumbing.consumer import consume
from plumbing.outbox import forget_attendee, outbox_table
from plumbing.schemas import load_args
from services.notifications import lead_notices
from services.notifications.feed import default_lead_minutes, effective_preferences
from services.notifications.models import Notification, OutgoingEmail, Preferences


def drop_from_unsent_batches(session, attendee_id):
    """Unsent fan-out batches that name the attendee go out without them. The row lock
    makes the relay (which skips locked rows) send the edited batch; a batch the relay
    is sending right now is waited for, and then deleted as a sent one."""
    batches = session.execute(
        select(outbox_table.c.seq, outbox_table.c.envelope)
        .where(
            outbox_table.c.event_type == NotificationBatch.event_type,
            outbox_table.c.published_at.is_(None),
            outbox_table.c.envelope.contains(attendee_id, autoescape=True),
        )
        .with_for_update()
    ).all()
    for seq, text in batches:
        envelope = json.loads(text)
        recipients = envelope["data"]["attendee_ids"]
        envelope["data"]["attendee_ids"] = [a for a in recipients if a != attendee_id]
        session.execute(
            update(outbox_table)
            .where(outbox_table.c.seq == seq)
            .values(envelope=json.dumps(envelope))
        )


class GdprRpcs:
    """Mixin: ``export_attendee``."""

    @rpc
    def export_attendee(self, attendee_id):
        """Everything held on the attendee: feed, preferences, emails sent to them."""
        attendee_id = load_args(AttendeeArgs, attendee_id=attendee_id)["attendee_id"]
        feed = self.db.scalars(
            select(Notification)
            .where(Notification.attendee_id == attendee_id)
            .order_by(Notification.created_at, Notification.id)
        ).all()
        sent = self.db.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.attendee_id == attendee_id)
            .order_by(OutgoingEmail.created_at, OutgoingEmail.id)
        ).all()
        preferences = self.db.get(Preferences, attendee_id)
        return {
            "feed": NotificationSchema(many=True).dump(feed),
            "preferences": PreferencesSchema().dump(
                effective_preferences(preferences, default_lead_minutes(self.config))
            ),
            "emails": [
                {
                    "id": email.id,
                    "kind": email.kind,
                    "to_address": email.to_address,
                    "subject": email.subject,
                    "text_body": email.text_body,
                    "status": email.status,
                    "created_at": email.created_at.isoformat(),
                    "sent_at": email.sent_at.isoformat() if email.sent_at else None,
                }
                for email in sent
            ],
        }


class GdprConsumers:
    """Mixin: the ``attendee_erased`` consumer."""

    @consume(AttendeeErased)
    def on_attendee_erased(self, event):
        """Delete all personal data held on the attendee; a tombstone keeps late events
        about them from bringing it back."""
        attendee_id = event.data["attendee_id"]
        lead_notices.retract_deliveries(self.db, attendee_id, LEAD_ERASED, event)
        for model in (OutgoingEmail, Notification, Preferences):
            self.db.execute(delete(model).where(model.attendee_id == attendee_id))
        replica.erase(self.db, attendee_id, event.data["erased_at"])
        drop_from_unsent_batches(self.db, attendee_id)
        forget_attendee(self.db, attendee_id)
