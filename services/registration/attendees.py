"""Registration and profile: registering, authenticating a token, the attendee's profile
and consent, cancelling a registration."""

from nameko.rpc import rpc
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contracts.enums import (
    ATTENDEE_CANCELLED,
    ATTENDEE_ERASED,
    ATTENDEE_REGISTERED,
    LOGIN_ALREADY_REGISTERED,
    LOGIN_NEW_REGISTRATION,
    RESTRICTED_TICKET_TYPES,
)
from contracts.errors import Conflict, Invalid, NotFound
from contracts.events.registration import AttendeeCancelled, AttendeeRegistered, AttendeeUpdated
from contracts.rpc.registration import (
    AttendeeSchema,
    CancellationArgs,
    ProfileChangeSchema,
    RegistrationSchema,
)
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.rpc import once_rpc
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import secret_hash
from services.registration.accounts import (
    TOKEN_PREFIX,
    find_active_by_email,
    find_attendee,
    normalized,
    revoke_access,
)
from services.registration.login import mail_login_code, new_login_code
from services.registration.models import AccessToken, Attendee, TicketCode, TicketType

PROFILE_FIELDS = (
    "full_name",
    "organization",
    "job_title",
    "country",
    "time_zone",
    "accessibility_needs",
)


class AttendeeRpcs:
    @once_rpc  # it mails a code: a request delivered again mails nothing more
    def register(self, payload):
        """Register an attendee and mail them a login code to confirm the address; an
        address already registered gets a login code mailed to its owner instead. The
        answer (None) is the same either way, after the same work, so it tells no one
        whether the address was registered; invalid input, a restricted ticket type
        without a valid code and a sold-out type are refused before the address is
        looked at, so they answer alike for both."""
        fields = load_or_invalid(RegistrationSchema, payload)
        ticket_code = usable_ticket_code(self.db, fields)
        self._check_capacity(fields["ticket_type"])
        code, code_hash = new_login_code()
        known = find_active_by_email(self.db, fields["email"])
        if known is not None:
            mail_login_code(self.db, self.config, known, code, code_hash, LOGIN_ALREADY_REGISTERED)
            return None
        now = utcnow()
        attendee = Attendee(
            email=fields["email"].strip(),
            email_normalized=normalized(fields["email"]),
            ticket_type=fields["ticket_type"],
            share_with_exhibitors=fields["consent"]["share_with_exhibitors"],
            share_with_exhibitors_at=now,
            marketing=fields["consent"]["marketing"],
            marketing_at=now,
            status=ATTENDEE_REGISTERED,
            registered_at=now,
            **{name: fields.get(name) for name in PROFILE_FIELDS},
        )
        try:
            with self.db.begin_nested():
                self.db.add(attendee)
        except IntegrityError:  # registered meanwhile by a concurrent request: the same
            known = find_active_by_email(self.db, fields["email"])
            mail_login_code(self.db, self.config, known, code, code_hash, LOGIN_ALREADY_REGISTERED)
            return None
        if ticket_code is not None:
            ticket_code.uses += 1
        emit(self.db, AttendeeRegistered, {**event_contact(attendee), **registered(attendee)})
        mail_login_code(self.db, self.config, attendee, code, code_hash, LOGIN_NEW_REGISTRATION)
        return None

    def _check_capacity(self, ticket_type):
        query = select(TicketType.capacity).where(TicketType.name == ticket_type)
        if self.db.scalars(query).one() is None:
            return
        # locked and read again: registrations of a limited type take turns, so two
        # cannot take the last seat (an unlimited type takes no lock)
        capacity = self.db.scalars(query.with_for_update()).one()
        if capacity is None:
            return
        taken = self.db.scalar(
            select(func.count())
            .select_from(Attendee)
            .where(Attendee.ticket_type == ticket_type, Attendee.status == ATTENDEE_REGISTERED)
        )
        if taken >= capacity:
            raise Conflict(f"No {ticket_type} tickets are left.", {"ticket_type": ["sold out"]})

    @rpc
    def authenticate(self, token):
        """The attendee a bearer token belongs to, or None if unknown, expired or revoked."""
        row = live_token(self.db, token)
        return (
            None if row is None else AttendeeSchema().dump(self.db.get(Attendee, row.attendee_id))
        )

    @rpc
    def check_token(self, token):
        """``authenticate`` with the token's expiry, for a gateway that keeps checked
        tokens until then (or until an event ends them): {"attendee", "expires_at"}."""
        row = live_token(self.db, token)
        if row is None:
            return None
        return {
            "attendee": AttendeeSchema().dump(self.db.get(Attendee, row.attendee_id)),
            "expires_at": row.expires_at.isoformat(),
        }

    @rpc
    def get_attendee(self, attendee_id):
        return AttendeeSchema().dump(find_attendee(self.db, attendee_id))

    @rpc
    def update_profile(self, attendee_id, changes):
        """Change profile fields and consent; emits attendee_updated naming what changed."""
        attendee = find_attendee(self.db, attendee_id, lock=True)
        fields = load_or_invalid(ProfileChangeSchema, changes)
        if attendee.status != ATTENDEE_REGISTERED:
            raise Conflict("This registration is no longer active.")
        now = utcnow()
        changed = [
            name
            for name in PROFILE_FIELDS
            if name in fields and fields[name] != getattr(attendee, name)
        ]
        for name in changed:
            setattr(attendee, name, fields[name])
        for name, value in fields.get("consent", {}).items():
            if value != getattr(attendee, name):
                setattr(attendee, name, value)
                setattr(attendee, f"{name}_at", now)
                changed.append(f"consent.{name}")
        if changed:
            emit(
                self.db,
                AttendeeUpdated,
                {**event_contact(attendee), "changed": changed, "updated_at": now},
            )
        return AttendeeSchema().dump(attendee)

    @rpc
    def cancel_registration(self, attendee_id, cancelled_by):
        """Cancel: tokens revoked, no more login, the seat freed, the address free to
        register again. Cancelling a cancelled registration changes nothing."""
        args = load_args(CancellationArgs, cancelled_by=cancelled_by)
        attendee = find_attendee(self.db, attendee_id, lock=True)
        if attendee.status == ATTENDEE_ERASED:
            raise NotFound("No such attendee.")
        if attendee.status == ATTENDEE_REGISTERED:
            now = utcnow()
            attendee.status = ATTENDEE_CANCELLED
            attendee.cancelled_at = now
            attendee.cancelled_by = args["cancelled_by"]
            attendee.email_normalized = None
            revoke_access(self.db, attendee.id, now)
            emit(
                self.db,
                AttendeeCancelled,
                {
                    "attendee_id": attendee.id,
                    "cancelled_by": attendee.cancelled_by,
                    "cancelled_at": now,
                },
            )
        return AttendeeSchema().dump(attendee)


def live_token(db, token):
    """The token's row if it is known, unexpired and not revoked, else None."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        return None
    row = db.get(AccessToken, secret_hash(token))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row


def usable_ticket_code(db, fields):
    """The ticket code row (locked) a restricted ticket type needs, or None for a public
    type; Invalid when the code is missing, unknown, expired, used up or for another type."""
    if fields["ticket_type"] not in RESTRICTED_TICKET_TYPES:
        return None
    row = None
    if fields.get("ticket_code"):
        row = db.get(TicketCode, secret_hash(fields["ticket_code"]), with_for_update=True)
    if (
        row is None
        or row.ticket_type != fields["ticket_type"]
        or row.uses >= row.max_uses
        or (row.expires_at is not None and row.expires_at <= utcnow())
    ):
        raise Invalid(
            f"The {fields['ticket_type']} ticket type needs a valid code from the organizers.",
            {"ticket_code": ["missing, unknown, expired or used up"]},
        )
    return row


def event_contact(attendee):
    return {
        "attendee_id": attendee.id,
        "email": attendee.email,
        "full_name": attendee.full_name,
        "organization": attendee.organization,
        "consent": {
            "share_with_exhibitors": attendee.share_with_exhibitors,
            "marketing": attendee.marketing,
        },
    }


def registered(attendee):
    return {"ticket_type": attendee.ticket_type, "registered_at": attendee.registered_at}
