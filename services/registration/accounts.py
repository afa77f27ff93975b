"""What the parts of registration share, as plain functions of the database session:
finding an attendee, issuing and revoking their access."""

from datetime import timedelta

from sqlalchemy import delete, select, update

from contracts.errors import NotFound
from plumbing.events import utcnow
from plumbing.fields import MAX_ID_LENGTH
from plumbing.tokens import new_secret, secret_hash
from services.registration.models import AccessToken, Attendee, LoginCode

TOKEN_PREFIX = "pat_"


def normalized(email):
    return email.strip().lower()


def is_id(value):
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and "\x00" not in value


def find_attendee(db, attendee_id, lock=False):
    """The attendee (its row locked with ``lock``); NotFound if there is none."""
    attendee = None
    if is_id(attendee_id):
        query = select(Attendee).where(Attendee.id == attendee_id)
        attendee = db.scalars(query.with_for_update() if lock else query).one_or_none()
    if attendee is None:
        raise NotFound("No such attendee.")
    return attendee


def find_active_by_email(db, email):
    """The attendee registered with this address now, or None."""
    return db.scalars(
        select(Attendee).where(Attendee.email_normalized == normalized(email))
    ).one_or_none()


def issue_token(db, attendee_id, ttl_hours):
    """A new access token (only its hash is stored) and when it expires."""
    token = new_secret(TOKEN_PREFIX)
    now = utcnow()
    expires_at = now + timedelta(hours=float(ttl_hours))
    db.add(
        AccessToken(
            token_hash=secret_hash(token),
            attendee_id=attendee_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return token, expires_at


def revoke_access(db, attendee_id, now):
    """Every live token of the attendee revoked, their login code deleted."""
    db.execute(
        update(AccessToken)
        .where(AccessToken.attendee_id == attendee_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.execute(delete(LoginCode).where(LoginCode.attendee_id == attendee_id))
