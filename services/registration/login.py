"""Passwordless login and access tokens: mailing a one-time code, exchanging it for a
token, revoking tokens."""

import secrets
from datetime import timedelta
from urllib.parse import urlencode

from nameko.rpc import rpc
from sqlalchemy import delete, select, update

from contracts.events.registration import LoginLinkRequested, TokenRevoked
from contracts.rpc.registration import LoginLinkRequestSchema, TokenRequestSchema
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.schemas import load_or_invalid
from plumbing.tokens import secret_hash
from services.registration.accounts import find_active_by_email, issue_token
from services.registration.models import AccessToken, LoginCode


class LoginRpcs:
    @rpc
    def request_login_link(self, email):
        """Mail a one-time code to a registered address (through login_link_requested).
        Unknown addresses get the same silent answer after the same hashing work."""
        email = load_or_invalid(LoginLinkRequestSchema, {"email": email})["email"]
        code = f"{secrets.randbelow(10**8):08d}"
        code_hash = secret_hash(code)
        attendee = find_active_by_email(self.db, email)
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
        attendee = find_active_by_email(self.db, fields["email"])
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
