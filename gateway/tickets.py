"""Tickets for the live stream: an ``EventSource`` cannot send an Authorization header,
so the app trades its bearer token for a ticket and puts that in the stream's URL.

A ticket is the attendee id and an expiry, signed with ``STREAM_TICKET_SECRET`` (HMAC),
so any replica sharing the secret can check it without a lookup. Single use across
replicas needs shared state: a redeemed ticket is counted in the rate limits' storage
(``RATE_LIMIT_STORAGE_URI``; ``memory://`` is per replica) until it would have expired.
"""

import base64
import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime

from limits.storage import storage_from_string
from marshmallow import Schema, fields
from nameko.extensions import DependencyProvider

from gateway.problems import unauthorized


class StreamTicketSchema(Schema):
    ticket = fields.String(
        required=True, metadata={"description": "for ?ticket= of the stream; single use"}
    )
    expires_at = fields.DateTime(required=True)


class StreamTickets(DependencyProvider):
    """``issue(attendee_id)`` → ticket document; ``redeem(ticket)`` → attendee id or 401."""

    def setup(self):
        config = self.container.config
        self.secret = (config.get("STREAM_TICKET_SECRET") or secrets.token_hex(32)).encode()
        self.lifetime = int(config["STREAM_TICKET_SECONDS"])
        self.spent = storage_from_string(config["RATE_LIMIT_STORAGE_URI"])

    def get_dependency(self, worker_ctx):
        return self

    def issue(self, attendee_id):
        expires = int(time.time()) + self.lifetime
        claim = f"{expires}:{secrets.token_urlsafe(12)}:{attendee_id}".encode()
        ticket = f"{encode(claim)}.{encode(self.sign(claim))}"
        expires_at = datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z")
        return {"ticket": ticket, "expires_at": expires_at}

    def redeem(self, ticket):
        claim = self.verified_claim(ticket)
        if claim is None:
            raise unauthorized("The stream ticket is invalid.")
        expires, _, attendee_id = claim.split(":", 2)
        remaining = int(expires) - time.time()
        if remaining <= 0:
            raise unauthorized("The stream ticket has expired; ask for a new one.")
        key = "stream-ticket:" + hashlib.sha256(ticket.encode()).hexdigest()
        if self.spent.incr(key, max(1, int(remaining) + 1)) > 1:
            raise unauthorized("The stream ticket was used already; ask for a new one.")
        return attendee_id

    def sign(self, claim):
        return hmac.new(self.secret, claim, hashlib.sha256).digest()

    def verified_claim(self, ticket):
        claim_part, _, signature_part = ticket.partition(".")
        try:
            claim, signature = decode(claim_part), decode(signature_part)
            if not hmac.compare_digest(signature, self.sign(claim)):
                return None
            text = claim.decode()
            int(text.split(":", 1)[0])
        except ValueError:  # also binascii.Error and UnicodeDecodeError
            return None
        return text if text.count(":") >= 2 else None


def encode(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
