from contracts.enums import BY_ATTENDEE
from contracts.rpc.registration import (
    AccessTokenSchema,
    AttendeeSchema,
    ExportSchema,
    LoginLinkAcceptedSchema,
    LoginLinkRequestSchema,
    ProfileChangeSchema,
    RegistrationAcceptedSchema,
    RegistrationSchema,
    TokenRequestSchema,
)
from gateway.auth import bearer_token
from gateway.http import api, read_json
from gateway.problems import HttpProblem
from plumbing.events import utcnow
from plumbing.registry import BACKEND_SERVICES

REGISTRATION_ACCEPTED = (
    "Check your email: a login code is on its way. Enter it to sign in (POST /v1/auth/token)."
)


class AttendeeRoutes:
    @api(
        "POST",
        "/v1/registrations",
        "Register an attendee: 202 and a login code mailed to the address, whether new "
        "(a code to confirm it) or already registered (a code for its owner), so the "
        "answer tells no one who is registered; exchange the code at POST /v1/auth/token "
        "(409 when the ticket type is sold out; a restricted type needs a ticket_code, "
        "403 when the code is unknown, expired, used up or for another type)",
        "attendees",
        body=RegistrationSchema,
        response=RegistrationAcceptedSchema,
        status=202,
        errors=[403, 409, 413, 422, 429],
    )
    def register(self, request):
        self.rate_limits.check(request, "registration")
        payload = read_json(request, RegistrationSchema, self.max_body_bytes)
        self.registration.register(payload)
        return 202, {"detail": REGISTRATION_ACCEPTED}

    @api(
        "GET",
        "/v1/me",
        "The calling attendee's profile",
        "attendees",
        auth="attendee",
        response=AttendeeSchema,
    )
    def me(self, request):
        return self.require_attendee(request)

    @api(
        "PATCH",
        "/v1/me",
        "Change my profile or consent",
        "attendees",
        auth="attendee",
        body=ProfileChangeSchema,
        response=AttendeeSchema,
        errors=[413, 422],
    )
    def update_me(self, request):
        attendee = self.require_attendee(request)
        payload = read_json(request, ProfileChangeSchema, self.max_body_bytes)
        changed = self.registration.update_profile(attendee["attendee_id"], payload)
        self.reads.tokens.forget(attendee["attendee_id"])  # its kept profile is stale
        return changed

    @api(
        "DELETE",
        "/v1/me",
        "Erase me (GDPR): every service deletes or anonymizes my data; my tokens stop working",
        "attendees",
        auth="attendee",
        status=204,
    )
    def erase_me(self, request):
        attendee = self.require_attendee(request)
        self.registration.erase_attendee(attendee["attendee_id"])
        self.reads.tokens.forget(attendee["attendee_id"])
        return 204, None

    @api(
        "GET",
        "/v1/me/export",
        "Everything every service holds on me (GDPR), as one JSON document",
        "attendees",
        auth="attendee",
        response=ExportSchema,
    )
    def export_me(self, request):
        attendee_id = self.require_attendee(request)["attendee_id"]
        export = {"attendee_id": attendee_id, "exported_at": utcnow().isoformat()}
        for service in BACKEND_SERVICES:
            export[service] = getattr(self, service).export_attendee(attendee_id)
        return export

    @api(
        "POST",
        "/v1/me/cancellation",
        "Cancel my registration: my tokens are revoked and my seat freed",
        "attendees",
        auth="attendee",
        response=AttendeeSchema,
    )
    def cancel_me(self, request):
        attendee = self.require_attendee(request)
        cancelled = self.registration.cancel_registration(attendee["attendee_id"], BY_ATTENDEE)
        self.reads.tokens.forget(attendee["attendee_id"])
        return cancelled

    @api(
        "POST",
        "/v1/auth/login-link",
        "Mail me a one-time login code (the same answer whether or not the email is known)",
        "auth",
        body=LoginLinkRequestSchema,
        response=LoginLinkAcceptedSchema,
        status=202,
        errors=[413, 422, 429],
    )
    def request_login_link(self, request):
        self.rate_limits.check(request, "login_link")
        payload = read_json(request, LoginLinkRequestSchema, self.max_body_bytes)
        self.registration.request_login_link(payload["email"])
        return 202, {"detail": "If this email is registered, a login code is on its way."}

    @api(
        "POST",
        "/v1/auth/token",
        "Exchange a mailed login code for an access token",
        "auth",
        body=TokenRequestSchema,
        response=AccessTokenSchema,
        errors=[401, 413, 422, 429],
    )
    def exchange_login_code(self, request):
        self.rate_limits.check(request, "auth_token")
        payload = read_json(request, TokenRequestSchema, self.max_body_bytes)
        token = self.registration.exchange_login_code(payload["email"], payload["code"])
        if token is None:
            # a credential that does not authenticate: 401, as for a bad token
            raise HttpProblem(
                401,
                "Invalid login code",
                "The code is wrong, expired, already used or tried too often; ask for a new one.",
                slug="invalid-login-code",
            )
        # signing in with a mailed code verifies the email: the kept profile is stale
        self.reads.tokens.forget(token["attendee_id"])
        return token

    @api(
        "POST",
        "/v1/auth/logout",
        "Revoke the access token of this request",
        "auth",
        auth="attendee",
        status=204,
    )
    def logout(self, request):
        attendee = self.require_attendee(request)
        self.registration.revoke_token(bearer_token(request))
        self.reads.tokens.forget(attendee["attendee_id"])  # here at once, elsewhere by event
        return 204, None
