"""Who is calling: attendee (access token), exhibitor (API key) or organizer (token).

All three arrive as ``Authorization: Bearer <token>``; attendee and exhibitor tokens
are checked by the service that issued them, the organizer token against config.
"""

import hmac

from gateway.problems import forbidden, unauthorized


def bearer_token(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        return None
    return token


class Auth:
    """Mixin for the gateway service: needs ``self.config`` and the RPC proxies."""

    def require_attendee(self, request):
        # asked of registration once, then kept until an event ends it (logout,
        # cancellation, erasure, a profile change): see gateway.checked_tokens
        token = bearer_token(request)
        if token is None:
            raise unauthorized()
        attendee = self.reads.tokens.attendee(token, self.registration.check_token)
        if attendee is None:
            raise unauthorized("The access token is invalid, expired or revoked.")
        return attendee

    def require_exhibitor(self, request, exhibitor_id):
        key = bearer_token(request)
        if key is None:
            raise unauthorized("An exhibitor API key is required.")
        owner = self.expo.authenticate_exhibitor(key)
        if owner is None:
            raise unauthorized("The exhibitor API key is invalid.")
        if owner != exhibitor_id:
            raise forbidden("This API key belongs to another exhibitor.")
        return owner

    def require_exhibitor_or_organizer(self, request, exhibitor_id):
        """The exhibitor itself, or the organizer (who helps one that lost its key)."""
        if self.is_organizer(bearer_token(request)):
            return None
        return self.require_exhibitor(request, exhibitor_id)

    def require_organizer(self, request):
        token = bearer_token(request)
        if token is None or not self.config.get("PLENARY_ORGANIZER_TOKEN"):
            raise unauthorized("The organizer token is required.")
        if not self.is_organizer(token):
            raise forbidden("This token is not the organizer token.")

    def is_organizer(self, token):
        expected = self.config.get("PLENARY_ORGANIZER_TOKEN") or ""
        return bool(expected and token and hmac.compare_digest(token.encode(), expected.encode()))
