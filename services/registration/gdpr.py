"""GDPR (personal data): the attendee's export, and erasure."""

from nameko.rpc import rpc
from sqlalchemy import delete, select

from contracts.enums import ATTENDEE_ERASED, ATTENDEE_REGISTERED
from contracts.events.registration import AttendeeErased
from contracts.rpc.registration import AttendeeSchema
from plumbing.events import utcnow
from plumbing.outbox import emit, forget_attendee
from services.registration.accounts import find_attendee
from services.registration.models import AccessToken, LoginCode
from services.registration.seats import free_seat


class GdprRpcs:
    @rpc
    def export_attendee(self, attendee_id):
        """Everything registration holds on the attendee (token secrets excepted: only
        their hashes are held)."""
        attendee = find_attendee(self.db, attendee_id)
        tokens = self.db.scalars(
            select(AccessToken)
            .where(AccessToken.attendee_id == attendee.id)
            .order_by(AccessToken.created_at)
        )
        codes = self.db.scalars(
            select(LoginCode)
            .where(LoginCode.attendee_id == attendee.id)
            .order_by(LoginCode.created_at)
        )
        return {
            "profile": AttendeeSchema().dump(attendee),
            "access_tokens": [
                {
                    "created_at": t.created_at.isoformat(),
                    "expires_at": t.expires_at.isoformat(),
                    "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
                }
                for t in tokens
            ],
            "pending_login_codes": [
                {"created_at": c.created_at.isoformat(), "expires_at": c.expires_at.isoformat()}
                for c in codes
            ],
        }

    @rpc
    def erase_attendee(self, attendee_id):
        """GDPR erasure: tokens and codes deleted, the profile anonymized (the id, ticket
        type, status and dates stay, for counts), the outbox rows that carried the
        attendee's data deleted, and attendee_erased emitted. Idempotent."""
        attendee = find_attendee(self.db, attendee_id, lock=True)
        if attendee.status == ATTENDEE_ERASED:
            return None
        now = utcnow()
        held_a_seat = attendee.status == ATTENDEE_REGISTERED
        self.db.execute(delete(AccessToken).where(AccessToken.attendee_id == attendee.id))
        self.db.execute(delete(LoginCode).where(LoginCode.attendee_id == attendee.id))
        forget_attendee(self.db, attendee.id)
        anonymize(attendee, now)
        emit(self.db, AttendeeErased, {"attendee_id": attendee.id, "erased_at": now})
        if held_a_seat:
            free_seat(self.db, attendee.ticket_type)
        return None


def anonymize(attendee, now):
    attendee.status = ATTENDEE_ERASED
    attendee.erased_at = now
    attendee.email = ""
    attendee.email_normalized = None
    attendee.email_verified_at = None
    attendee.full_name = ""
    attendee.organization = ""
    attendee.job_title = ""
    attendee.country = None
    attendee.time_zone = None
    attendee.accessibility_needs = ""
    attendee.share_with_exhibitors = attendee.marketing = False
    attendee.share_with_exhibitors_at = attendee.marketing_at = now
