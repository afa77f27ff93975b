"""Passwordless login and access tokens: mailing a one-time code, exchanging it for a
token, revoking tokens.

Several codes may be live at once (``LOGIN_CODE_MAX_LIVE``): asking for a code never
kills the one its owner already holds, so knowing an address is not enough to lock its
owner out. A request beyond the limit mails nothing, with the same answer. A wrong code
counts against every live code of the address, each dying after
``LOGIN_CODE_MAX_ATTEMPTS`` wrong tries, so guessing stays bounded however many live.
"""

import secrets
from datetime import timedelta
from urllib.parse import urlencode

from nameko.rpc import rpc
from sqlalchemy import delete, or_, select, update

from contracts.enums import LOGIN_SIGN_IN
from contracts.events.registration import LoginLinkRequested, TokenRevoked
from contracts.rpc.registration import LoginLinkRequestSchema, TokenRequestSchema
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.rpc import once_rpc
from plumbing.schemas import load_or_invalid
from plumbing.tokens import secret_hash
from services.registration.accounts import find_active_by_email, issue_token
from services.registration.models import AccessToken, Attendee, LoginCode


def new_login_code():
    code = f"{secrets.randbelow(10**8):08d}"
    return code, secret_hash(code)


def mail_login_code(db, config, attendee, code, code_hash, purpose):
    """Keep the code's hash and emit login_link_requested for notifications to mail it,
    unless the attendee already has LOGIN_CODE_MAX_LIVE live codes."""
    now = utcnow()
    max_attempts = int(config["LOGIN_CODE_MAX_ATTEMPTS"])
    db.execute(
        delete(LoginCode).where(
            LoginCode.attendee_id == attendee.id,
            or_(LoginCode.expires_at <= now, LoginCode.failed_attempts >= max_attempts),
        )
    )
    # the attendee's row, locked: concurrent requests take turns, so the limit holds
    db.execute(select(Attendee.id).where(Attendee.id == attendee.id).with_for_update())
    live = db.scalars(select(LoginCode.id).where(LoginCode.attendee_id == attendee.id)).all()
    if len(live) >= int(config["LOGIN_CODE_MAX_LIVE"]):
        return
    login = add_login_code(db, config, attendee, code, code_hash, purpose, now)
    emit(db, LoginLinkRequested, login)


def add_login_code(db, config, attendee, code, code_hash, purpose, now):
    """Add the code's row (its hash) to the session; returns the data of the
    login_link_requested event that mails it, for the caller to emit. A new attendee
    has no codes yet: registering adds theirs without ``mail_login_code``'s checks."""
    expires_at = now + timedelta(seconds=float(config["LOGIN_CODE_TTL_SECONDS"]))
    db.add(
        LoginCode(
            attendee_id=attendee.id,
            code_hash=code_hash,
            created_at=now,
            expires_at=expires_at,
            failed_attempts=0,
        )
    )
    fragment = urlencode({"email": attendee.email, "code": code})
    return {
        "purpose": purpose,
        "attendee_id": attendee.id,
        "email": attendee.email,
        "full_name": attendee.full_name,
        "code": code,
        "link": f"{config['PUBLIC_URL']}/login#{fragment}",
        "expires_at": expires_at,
    }


class LoginRpcs:
    @once_rpc  # it mails a code: a request delivered again mails nothing more
    def request_login_link(self, email):
        """Mail a one-time code to a registered address (through login_link_requested).
        Unknown addresses get the same silent answer after the same hashing work."""
        email = load_or_invalid(LoginLinkRequestSchema, {"email": email})["email"]
        code, code_hash = new_login_code()
        attendee = find_active_by_email(self.db, email)
        if attendee is not None:
            mail_login_code(self.db, self.config, attendee, code, code_hash, LOGIN_SIGN_IN)
        return None

    @rpc
    def exchange_login_code(self, email, code):
        """An access token for a live code, used up by this call; None for a wrong,
        expired or used code (a wrong one counts towards the attempt limit of every
        live code of the address). Signing in so proves owning the address: the
        attendee's email_verified_at is set. Returns rather than raises so the attempt
        count commits."""
        fields = load_or_invalid(TokenRequestSchema, {"email": email, "code": code})
        code_hash = secret_hash(fields["code"])
        attendee = find_active_by_email(self.db, fields["email"])
        if attendee is None:
            return None
        now = utcnow()
        max_attempts = int(self.config["LOGIN_CODE_MAX_ATTEMPTS"])
        live = [
            login
            for login in self.db.scalars(
                select(LoginCode).where(LoginCode.attendee_id == attendee.id).with_for_update()
            )
            if login.expires_at > now and login.failed_attempts < max_attempts
        ]
        match = next((c for c in live if secrets.compare_digest(c.code_hash, code_hash)), None)
        if match is None:
            for login in live:
                login.failed_attempts += 1
            return None
        self.db.delete(match)
        attendee.email_verified_at = now
        token, expires_at = issue_token(self.db, attendee.id, self.config["ACCESS_TOKEN_TTL_HOURS"])
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_at": expires_at.isoformat(),
            "attendee_id": attendee.id,
        }

    @rpc
    def revoke_token(self, token):
        """Log out: the token stops working at once. Unknown tokens are ignored."""
        if not isinstance(token, str):
            return
        token_hash = secret_hash(token)
        attendee_id = self.db.scalar(
            update(AccessToken)
            .where(AccessToken.token_hash == token_hash, AccessToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
            .returning(AccessToken.attendee_id)
        )
        if attendee_id is not None:  # gateways that checked the token forget it
            emit(self.db, TokenRevoked, {"attendee_id": attendee_id, "token_hash": token_hash})
