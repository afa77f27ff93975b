"""Registration and profile: registering, authenticating a token, the attendee's profile
and consent, cancelling a registration."""

from nameko.rpc import rpc

from contracts.enums import (
    ATTENDEE_CANCELLED,
    ATTENDEE_ERASED,
    ATTENDEE_REGISTERED,
    LOGIN_ALREADY_REGISTERED,
    LOGIN_NEW_REGISTRATION,
    RESTRICTED_TICKET_TYPES,
)
from contracts.errors import Conflict, Forbidden, Invalid, NotFound
from contracts.events.registration import (
    AttendeeCancelled,
    AttendeeRegistered,
    AttendeeUpdated,
    LoginLinkRequested,
)
from contracts.rpc.registration import (
    AttendeeSchema,
    CancellationArgs,
    ProfileChangeSchema,
    RegistrationSchema,
)
from plumbing.db import upsertable_insert
from plumbing.events import utcnow
from plumbing.outbox import emit, emit_many
from plumbing.rpc import once_rpc
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import new_id, secret_hash
from services.registration.accounts import (
    TOKEN_PREFIX,
    find_active_by_email,
    find_attendee,
    normalized,
    revoke_access,
)
from services.registration.login import add_login_code, mail_login_code, new_login_code
from services.registration.models import AccessToken, Attendee, TicketCode
from services.registration.seats import free_seat, has_seat, take_seat

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
        answer (None) is the same either way, so it tells no one whether the address
        was registered; invalid input, a restricted ticket type without a valid code and
        a sold-out type are refused for both alike.

        A new attendee costs five statements: the request's id (``once_rpc``), the
        attendee (an INSERT that does nothing
        for a known address), their login code, both events (one INSERT), and the seat
        (``seats.take_seat``, last: a capped type's row stays locked until the commit)."""
        fields = load_or_invalid(RegistrationSchema, payload)
        ticket_code = usable_ticket_code(self.db, fields)
        code, code_hash = new_login_code()
        now = utcnow()
        attendee = Attendee(
            id=new_id(),
            email=fields["email"].strip(),
            email_normalized=normalized(fields["email"]),
            ticket_type=fields["ticket_type"],
            share_with_exhibitors=fields["consent"]["share_with_exhibitors"],
            share_with_exhibitors_at=now,
            marketing=fields["consent"]["marketing"],
            marketing_at=now,
            status=ATTENDEE_REGISTERED,
            registered_at=now,
            cancelled_at=None,
            cancelled_by=None,
            erased_at=None,
            email_verified_at=None,
            **{name: fields.get(name) for name in PROFILE_FIELDS},
        )
        if not self._insert_new(attendee):  # the address is registered already
            self._mail_owner(fields, code, code_hash)
            return None
        if ticket_code is not None:
            ticket_code.uses += 1
        login = add_login_code(
            self.db, self.config, attendee, code, code_hash, LOGIN_NEW_REGISTRATION, now
        )
        emit_many(
            self.db,
            [
                (AttendeeRegistered, {**event_contact(attendee), **registered(attendee)}),
                (LoginLinkRequested, login),
            ],
        )
        if not take_seat(self.db, attendee.ticket_type):
            raise sold_out(attendee.ticket_type)  # rolls the attendee back
        return None

    def _insert_new(self, attendee):
        """INSERT the attendee unless their address is registered (or being registered
        by a concurrent request, which this waits for); True if inserted. ``attendee``
        stays out of the session: it only carries the values."""
        values = {
            column.key: getattr(attendee, column.key) for column in Attendee.__table__.columns
        }
        inserted = self.db.scalar(
            upsertable_insert(self.db, Attendee.__table__)
            .values(values)
            .on_conflict_do_nothing(index_elements=["email_normalized"])
            .returning(Attendee.id)
        )
        return inserted is not None

    def _mail_owner(self, fields, code, code_hash):
        """A known address: refused alike if the type is sold out, else its owner gets a
        login code (nothing if they cancelled in between)."""
        if not has_seat(self.db, fields["ticket_type"]):
            raise sold_out(fields["ticket_type"])
        known = find_active_by_email(self.db, fields["email"])
        if known is not None:
            mail_login_code(self.db, self.config, known, code, code_hash, LOGIN_ALREADY_REGISTERED)

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
            free_seat(self.db, attendee.ticket_type)
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
    type. Invalid (422) when the code is missing: the request breaks a documented rule;
    Forbidden (403) when it is unknown, expired, used up or for another type: the request
    is well formed, but the code does not entitle it to the type."""
    ticket_type = fields["ticket_type"]
    if ticket_type not in RESTRICTED_TICKET_TYPES:
        return None
    if not fields.get("ticket_code"):
        raise Invalid(
            f"The {ticket_type} ticket type needs a code from the organizers.",
            {"ticket_code": ["required for this ticket type"]},
        )
    row = db.get(TicketCode, secret_hash(fields["ticket_code"]), with_for_update=True)
    if (
        row is None
        or row.ticket_type != ticket_type
        or row.uses >= row.max_uses
        or (row.expires_at is not None and row.expires_at <= utcnow())
    ):
        raise Forbidden(
            f"This code does not give a {ticket_type} ticket.",
            {"ticket_code": ["unknown, expired, used up or for another ticket type"]},
        )
    return row


def sold_out(ticket_type):
    return Conflict(f"No {ticket_type} tickets are left.", {"ticket_type": ["sold out"]})


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
