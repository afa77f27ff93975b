"""Registration: attendees, their consent and their access tokens."""

from datetime import timedelta

from nameko.dependency_providers import Config
from nameko.rpc import rpc
from sqlalchemy.exc import IntegrityError

from plumbing.db import Database
from plumbing.errors import Conflict, NotFound
from plumbing.events import utcnow
from plumbing.observability import Observability, OpsEndpoints
from plumbing.outbox import OutboxRelay, emit
from plumbing.schemas import load_or_invalid
from plumbing.tokens import new_secret, secret_hash
from services.registration.events import AttendeeRegistered
from services.registration.models import AccessToken, Attendee
from services.registration.schemas import AttendeeSchema, RegistrationSchema

TOKEN_PREFIX = "pat_"


class RegistrationService(OpsEndpoints):
    name = "registration"

    config = Config()
    db = Database()
    outbox = OutboxRelay()
    observability = Observability()

    @rpc
    def register(self, payload):
        """Register an attendee; returns the attendee and a fresh access token."""
        fields = load_or_invalid(RegistrationSchema, payload)
        attendee = Attendee(
            email=fields["email"].strip(),
            email_normalized=fields["email"].strip().lower(),
            full_name=fields["full_name"].strip(),
            organization=fields["organization"].strip(),
            ticket_type=fields["ticket_type"],
            share_with_exhibitors=fields["consent"]["share_with_exhibitors"],
            registered_at=utcnow(),
        )
        self.db.add(attendee)
        try:
            self.db.flush()
        except IntegrityError:  # the unique normalized email
            raise Conflict(
                "An attendee with this email is already registered.",
                {"email": ["already registered"]},
            ) from None
        token = self._issue_token(attendee.id)
        emit(
            self.db,
            AttendeeRegistered,
            {
                "attendee_id": attendee.id,
                "email": attendee.email,
                "full_name": attendee.full_name,
                "organization": attendee.organization,
                "ticket_type": attendee.ticket_type,
                "consent": {"share_with_exhibitors": attendee.share_with_exhibitors},
                "registered_at": attendee.registered_at,
            },
        )
        return {
            "attendee_id": attendee.id,
            "access_token": token,
            "attendee": AttendeeSchema().dump(attendee),
        }

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
        known = isinstance(attendee_id, str) and "\x00" not in attendee_id
        attendee = self.db.get(Attendee, attendee_id) if known else None
        if attendee is None:
            raise NotFound("No such attendee.")
        return AttendeeSchema().dump(attendee)

    def _issue_token(self, attendee_id):
        token = new_secret(TOKEN_PREFIX)
        now = utcnow()
        ttl = timedelta(hours=float(self.config["ACCESS_TOKEN_TTL_HOURS"]))
        self.db.add(
            AccessToken(
                token_hash=secret_hash(token),
                attendee_id=attendee_id,
                created_at=now,
                expires_at=now + ttl,
            )
        )
        return token
