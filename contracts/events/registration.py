from marshmallow import Schema, fields, validate

from contracts.enums import LOGIN_PURPOSES, LOGIN_SIGN_IN
from plumbing.events import EventSchema


class Consent(Schema):
    """The attendee's consent as events carry it (its own schema: an API change to
    consent input must not silently change the events)."""

    share_with_exhibitors = fields.Boolean(required=True)
    marketing = fields.Boolean(load_default=False)


class AttendeeRegistered(EventSchema):
    source_service = "registration"
    event_type = "attendee_registered"
    version = 1

    attendee_id = fields.String(required=True)
    email = fields.Email(required=True)
    full_name = fields.String(required=True)
    organization = fields.String(load_default="")
    ticket_type = fields.String(required=True)
    consent = fields.Nested(Consent, required=True)
    registered_at = fields.AwareDateTime(required=True)


class AttendeeUpdated(EventSchema):
    """The profile or consent changed; ``changed`` names the fields that did."""

    source_service = "registration"
    event_type = "attendee_updated"
    version = 1

    attendee_id = fields.String(required=True)
    email = fields.Email(required=True)
    full_name = fields.String(required=True)
    organization = fields.String(load_default="")
    consent = fields.Nested(Consent, required=True)
    changed = fields.List(fields.String(), required=True)
    updated_at = fields.AwareDateTime(required=True)


class AttendeeCancelled(EventSchema):
    source_service = "registration"
    event_type = "attendee_cancelled"
    version = 1

    attendee_id = fields.String(required=True)
    cancelled_by = fields.String(required=True)  # "attendee" | "organizer"
    cancelled_at = fields.AwareDateTime(required=True)


class AttendeeErased(EventSchema):
    """GDPR erasure: every service deletes or anonymizes this attendee's personal data."""

    source_service = "registration"
    event_type = "attendee_erased"
    version = 1

    attendee_id = fields.String(required=True)
    erased_at = fields.AwareDateTime(required=True)


class TokenRevoked(EventSchema):
    """An access token was revoked (logout): gateways that checked it forget it. Carries
    the token's SHA-256 (as stored), never the token."""

    source_service = "registration"
    event_type = "token_revoked"
    version = 1

    attendee_id = fields.String(required=True)
    token_hash = fields.String(required=True)


class LoginLinkRequested(EventSchema):
    """A one-time login code for notifications to mail; the code is single use and
    short-lived, and registration stores only its hash. The code and the link travel in
    the event but are blanked in the outbox once published (``secret_fields``), and
    notifications blanks them in the mail it keeps once the mail is sent. ``purpose``
    says which mail: a sign-in, a new registration to confirm, or a registration
    attempt with an address that is already registered."""

    source_service = "registration"
    event_type = "login_link_requested"
    version = 1
    secret_fields = ("code", "link")

    purpose = fields.String(load_default=LOGIN_SIGN_IN, validate=validate.OneOf(LOGIN_PURPOSES))
    attendee_id = fields.String(required=True)
    email = fields.Email(required=True)
    full_name = fields.String(required=True)
    code = fields.String(required=True)
    link = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)
