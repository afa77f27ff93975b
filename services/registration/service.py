"""Registration: attendees, their profile and consent, ticket types, access tokens,
passwordless login and GDPR export/erasure."""

import secrets
from collections import Counter, defaultdict
from datetime import timedelta
from urllib.parse import urlencode

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from plumbing.db import Database
from plumbing.errors import Conflict, NotFound
from plumbing.events import utcnow
from plumbing.fields import MAX_ID_LENGTH
from plumbing.observability import Observability, OpsEndpoints
from plumbing.outbox import OutboxRelay, emit, forget_attendee
from plumbing.pagination import keyset, keyset_page
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import new_secret, secret_hash
from services.registration.events import (
    AttendeeCancelled,
    AttendeeErased,
    AttendeeRegistered,
    AttendeeUpdated,
    LoginLinkRequested,
)
from services.registration.models import (
    CANCELLED,
    ERASED,
    REGISTERED,
    AccessToken,
    Attendee,
    LoginCode,
    TicketType,
)
from services.registration.schemas import (
    TICKET_TYPES,
    AttendeeSchema,
    AttendeesPageArgs,
    CancellationArgs,
    LoginLinkRequestSchema,
    ProfileChangeSchema,
    RegistrationSchema,
    TicketTypeArgs,
    TicketTypeChangeSchema,
    TokenRequestSchema,
)

TOKEN_PREFIX = "pat_"
CONSENTS = ("share_with_exhibitors", "marketing")
PROFILE_FIELDS = (
    "full_name",
    "organization",
    "job_title",
    "country",
    "time_zone",
    "accessibility_needs",
)


class RegistrationService(OpsEndpoints):
    name = "registration"

    config = Config()
    db = Database()
    outbox = OutboxRelay()
    observability = Observability()

    # -- registration and profile ----------------------------------------------------

    @rpc
    def register(self, payload):
        """Register an attendee; returns the attendee and a fresh access token.
        Conflict when the email is taken or the ticket type is sold out."""
        fields = load_or_invalid(RegistrationSchema, payload)
        self._check_capacity(fields["ticket_type"])
        now = utcnow()
        attendee = Attendee(
            email=fields["email"].strip(),
            email_normalized=normalized(fields["email"]),
            ticket_type=fields["ticket_type"],
            share_with_exhibitors=fields["consent"]["share_with_exhibitors"],
            share_with_exhibitors_at=now,
            marketing=fields["consent"]["marketing"],
            marketing_at=now,
            status=REGISTERED,
            registered_at=now,
            **{name: fields.get(name) for name in PROFILE_FIELDS},
        )
        self.db.add(attendee)
        try:
            self.db.flush()
        except IntegrityError:  # the unique normalized email
            raise Conflict(
                "An attendee with this email is already registered.",
                {"email": ["already registered"]},
            ) from None
        token, _ = self._issue_token(attendee.id)
        emit(self.db, AttendeeRegistered, {**event_contact(attendee), **registered(attendee)})
        return {
            "attendee_id": attendee.id,
            "access_token": token,
            "attendee": AttendeeSchema().dump(attendee),
        }

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
            .where(Attendee.ticket_type == ticket_type, Attendee.status == REGISTERED)
        )
        if taken >= capacity:
            raise Conflict(f"No {ticket_type} tickets are left.", {"ticket_type": ["sold out"]})

    @rpc
    def authenticate(self, token):
        """The attendee a bearer token belongs to, or None if unknown, expired or revoked."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            return None
        row = self.db.get(AccessToken, secret_hash(token))
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
            return None
        return AttendeeSchema().dump(self.db.get(Attendee, row.attendee_id))

    @rpc
    def get_attendee(self, attendee_id):
        return AttendeeSchema().dump(self._attendee(attendee_id))

    @rpc
    def update_profile(self, attendee_id, changes):
        """Change profile fields and consent; emits attendee_updated naming what changed."""
        attendee = self._attendee(attendee_id, lock=True)
        fields = load_or_invalid(ProfileChangeSchema, changes)
        if attendee.status != REGISTERED:
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
        attendee = self._attendee(attendee_id, lock=True)
        if attendee.status == ERASED:
            raise NotFound("No such attendee.")
        if attendee.status == REGISTERED:
            now = utcnow()
            attendee.status = CANCELLED
            attendee.cancelled_at = now
            attendee.cancelled_by = args["cancelled_by"]
            attendee.email_normalized = None
            self._revoke_all(attendee.id, now)
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

    def _attendee(self, attendee_id, lock=False):
        attendee = None
        if is_id(attendee_id):
            query = select(Attendee).where(Attendee.id == attendee_id)
            attendee = self.db.scalars(query.with_for_update() if lock else query).one_or_none()
        if attendee is None:
            raise NotFound("No such attendee.")
        return attendee

    # -- passwordless login and tokens -----------------------------------------------

    @rpc
    def request_login_link(self, email):
        """Mail a one-time code to a registered address (through login_link_requested).
        Unknown addresses get the same silent answer after the same hashing work."""
        email = load_or_invalid(LoginLinkRequestSchema, {"email": email})["email"]
        code = f"{secrets.randbelow(10**8):08d}"
        code_hash = secret_hash(code)
        attendee = self._active_by_email(email)
        if attendee is None:
            return None
        now = utcnow()
        expires_at = now + timedelta(seconds=float(self.config["LOGIN_CODE_TTL_SECONDS"]))
        self.db.execute(delete(LoginCode).where(LoginCode.attendee_id == attendee.id))
        self.db.add(
            LoginCode(
                attendee_id=attendee.id,
                code_hash=code_hash,
                created_at=now,
                expires_at=expires_at,
                failed_attempts=0,
            )
        )
        link = self.config["PUBLIC_URL"] + "/login#" + urlencode({"email": email, "code": code})
        emit(
            self.db,
            LoginLinkRequested,
            {
                "attendee_id": attendee.id,
                "email": attendee.email,
                "full_name": attendee.full_name,
                "code": code,
                "link": link,
                "expires_at": expires_at,
            },
        )
        return None

    @rpc
    def exchange_login_code(self, email, code):
        """An access token for a live code, used up by this call; None for a wrong,
        expired or used code (a wrong one counts towards the code's attempt limit).
        Returns rather than raises so the attempt count commits."""
        fields = load_or_invalid(TokenRequestSchema, {"email": email, "code": code})
        code_hash = secret_hash(fields["code"])
        attendee = self._active_by_email(fields["email"])
        login = None
        if attendee is not None:
            login = self.db.scalars(
                select(LoginCode).where(LoginCode.attendee_id == attendee.id).with_for_update()
            ).one_or_none()
        if login is None:
            return None
        max_attempts = int(self.config["LOGIN_CODE_MAX_ATTEMPTS"])
        if login.expires_at <= utcnow() or login.failed_attempts >= max_attempts:
            self.db.delete(login)
            return None
        if not secrets.compare_digest(login.code_hash, code_hash):
            login.failed_attempts += 1
            return None
        self.db.delete(login)
        token, expires_at = self._issue_token(attendee.id)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_at": expires_at.isoformat(),
            "attendee_id": attendee.id,
        }

    @rpc
    def revoke_token(self, token):
        """Log out: the token stops working at once. Unknown tokens are ignored."""
        if isinstance(token, str):
            self.db.execute(
                update(AccessToken)
                .where(
                    AccessToken.token_hash == secret_hash(token), AccessToken.revoked_at.is_(None)
                )
                .values(revoked_at=utcnow())
            )

    def _active_by_email(self, email):
        return self.db.scalars(
            select(Attendee).where(Attendee.email_normalized == normalized(email))
        ).one_or_none()

    def _issue_token(self, attendee_id):
        token = new_secret(TOKEN_PREFIX)
        now = utcnow()
        expires_at = now + timedelta(hours=float(self.config["ACCESS_TOKEN_TTL_HOURS"]))
        self.db.add(
            AccessToken(
                token_hash=secret_hash(token),
                attendee_id=attendee_id,
                created_at=now,
                expires_at=expires_at,
            )
        )
        return token, expires_at

    def _revoke_all(self, attendee_id, now):
        self.db.execute(
            update(AccessToken)
            .where(AccessToken.attendee_id == attendee_id, AccessToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        self.db.execute(delete(LoginCode).where(LoginCode.attendee_id == attendee_id))

    # -- GDPR ------------------------------------------------------------------------

    @rpc
    def export_attendee(self, attendee_id):
        """Everything registration holds on the attendee (token secrets excepted: only
        their hashes are held)."""
        attendee = self._attendee(attendee_id)
        tokens = self.db.scalars(
            select(AccessToken)
            .where(AccessToken.attendee_id == attendee.id)
            .order_by(AccessToken.created_at)
        )
        login = self.db.get(LoginCode, attendee.id)
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
            "pending_login_code": None
            if login is None
            else {
                "created_at": login.created_at.isoformat(),
                "expires_at": login.expires_at.isoformat(),
            },
        }

    @rpc
    def erase_attendee(self, attendee_id):
        """GDPR erasure: tokens and codes deleted, the profile anonymized (the id, ticket
        type, status and dates stay, for counts), the outbox rows that carried the
        attendee's data deleted, and attendee_erased emitted. Idempotent."""
        attendee = self._attendee(attendee_id, lock=True)
        if attendee.status == ERASED:
            return None
        now = utcnow()
        self.db.execute(delete(AccessToken).where(AccessToken.attendee_id == attendee.id))
        self.db.execute(delete(LoginCode).where(LoginCode.attendee_id == attendee.id))
        # registration's events are each about one attendee: unsent ones go too
        forget_attendee(self.db, attendee.id, pending_too=True)
        anonymize(attendee, now)
        emit(self.db, AttendeeErased, {"attendee_id": attendee.id, "erased_at": now})
        return None

    # -- organizer tools -------------------------------------------------------------

    @rpc
    def list_attendees(self, filters=None, limit=50, cursor=None):
        """Attendees in registration order; filters ``q`` (email, name, organization),
        ``ticket_type``, ``status``."""
        page = load_or_invalid(
            AttendeesPageArgs,
            {"filters": {} if filters is None else filters, "limit": limit, "cursor": cursor},
        )
        query = keyset(
            filtered(select(Attendee), page["filters"]),
            [Attendee.registered_at, Attendee.id],
            page["cursor"],
            page["limit"],
        )
        return keyset_page(
            self.db.scalars(query).all(),
            page["limit"],
            AttendeeSchema().dump,
            lambda attendee: (attendee.registered_at, attendee.id),
        )

    @rpc
    def ticket_types(self):
        counts = Counter(
            {
                (ticket_type, status): n
                for ticket_type, status, n in self.db.execute(
                    select(Attendee.ticket_type, Attendee.status, func.count()).group_by(
                        Attendee.ticket_type, Attendee.status
                    )
                )
            }
        )
        capacities = dict(self.db.execute(select(TicketType.name, TicketType.capacity)).all())
        return [ticket_type_summary(name, capacities[name], counts) for name in TICKET_TYPES]

    @rpc
    def set_ticket_capacity(self, ticket_type, capacity):
        """Set (or with None lift) a ticket type's capacity. A capacity below the
        registrations already made refuses new ones and cancels none."""
        name = load_args(TicketTypeArgs, ticket_type=ticket_type)["ticket_type"]
        capacity = load_or_invalid(TicketTypeChangeSchema, {"capacity": capacity})["capacity"]
        self.db.get(TicketType, name, with_for_update=True).capacity = capacity
        return next(t for t in self.ticket_types() if t["ticket_type"] == name)

    @rpc
    def stats(self):
        """Registrations by day (UTC) and ticket type, and totals by status."""
        rows = self.db.execute(
            select(Attendee.registered_at, Attendee.ticket_type, Attendee.status)
        ).all()
        by_day = defaultdict(Counter)
        for registered_at, ticket_type, _ in rows:
            by_day[registered_at.date().isoformat()][ticket_type] += 1
        statuses = Counter(status for _, _, status in rows)
        return {
            "registrations": len(rows),
            "active": statuses[REGISTERED],
            "cancelled": statuses[CANCELLED],
            "erased": statuses[ERASED],
            "active_by_ticket_type": {
                name: sum(1 for _, t, s in rows if t == name and s == REGISTERED)
                for name in TICKET_TYPES
            },
            "registrations_by_day": [
                {"day": day, "total": sum(counts.values()), "by_ticket_type": dict(counts)}
                for day, counts in sorted(by_day.items())
            ],
        }


def is_id(value):
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and "\x00" not in value


def normalized(email):
    return email.strip().lower()


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


def anonymize(attendee, now):
    attendee.status = ERASED
    attendee.erased_at = now
    attendee.email = ""
    attendee.email_normalized = None
    attendee.full_name = ""
    attendee.organization = ""
    attendee.job_title = ""
    attendee.country = None
    attendee.time_zone = None
    attendee.accessibility_needs = ""
    attendee.share_with_exhibitors = attendee.marketing = False
    attendee.share_with_exhibitors_at = attendee.marketing_at = now


def filtered(query, filters):
    if "q" in filters:
        q = filters["q"]
        query = query.where(
            or_(
                Attendee.email.icontains(q, autoescape=True),
                Attendee.full_name.icontains(q, autoescape=True),
                Attendee.organization.icontains(q, autoescape=True),
            )
        )
    if "ticket_type" in filters:
        query = query.where(Attendee.ticket_type == filters["ticket_type"])
    if "status" in filters:
        query = query.where(Attendee.status == filters["status"])
    return query


def ticket_type_summary(name, capacity, counts):
    active = counts[(name, REGISTERED)]
    return {
        "ticket_type": name,
        "capacity": capacity,
        "registered": active,
        "cancelled": counts[(name, CANCELLED)],
        "remaining": None if capacity is None else max(capacity - active, 0),
    }
