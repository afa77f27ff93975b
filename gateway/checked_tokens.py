"""Attendee tokens this replica has checked, so a request does not pay an RPC to
registration each (issue 16: the ``authenticate`` RPC was 7 ms of machine CPU per lead).

A checked token is kept until the earliest of its expiry and ``ATTENDEE_TOKEN_CACHE_SECONDS``
and is forgotten at once when an event says it may have ended: ``token_revoked`` (logout),
``attendee_cancelled`` and ``attendee_erased`` (every token of the attendee revoked), and
``attendee_updated`` (the profile a request carries changed). A write through this replica
forgets the attendee's tokens before its event arrives. While the read model's event queue
is not consuming, nothing is kept (every request asks registration, as before); a check
that an event overtook is not kept (the generation moved)."""

import time
from collections import OrderedDict, defaultdict
from datetime import datetime

from plumbing.tokens import secret_hash

MAX_TOKENS = 100_000


class Checked:
    __slots__ = ("attendee", "until")

    def __init__(self, attendee, until):
        self.attendee = attendee
        self.until = until


class CheckedTokens:
    def __init__(self, keep_seconds):
        self.keep_seconds = keep_seconds
        self.entries = OrderedDict()  # token hash -> Checked
        self.by_attendee = defaultdict(set)  # attendee id -> token hashes
        self.generation = 0
        self.usable = False  # set by the read model while its event queue consumes

    def attendee(self, token, check):
        """The attendee of ``token`` (None if it is not live); ``check(token)`` is the
        registration RPC, asked when the token is not kept."""
        token_hash = secret_hash(token)
        kept = self.entries.get(token_hash)
        if kept is not None and self.usable and time.time() < kept.until:
            return kept.attendee
        generation = self.generation
        answer = check(token)
        if answer is None:
            self.drop(token_hash)
            return None
        if self.usable and generation == self.generation:
            expires_at = datetime.fromisoformat(answer["expires_at"]).timestamp()
            until = min(expires_at, time.time() + self.keep_seconds)
            self.drop(token_hash)
            self.entries[token_hash] = Checked(answer["attendee"], until)
            self.by_attendee[answer["attendee"]["attendee_id"]].add(token_hash)
            while len(self.entries) > MAX_TOKENS:
                self.drop(next(iter(self.entries)))
        return answer["attendee"]

    def drop(self, token_hash):
        kept = self.entries.pop(token_hash, None)
        if kept is not None:
            hashes = self.by_attendee[kept.attendee["attendee_id"]]
            hashes.discard(token_hash)
            if not hashes:
                del self.by_attendee[kept.attendee["attendee_id"]]

    def forget(self, attendee_id=None, token_hash=None):
        """Forget one token, every token of an attendee, or (neither given) all."""
        self.generation += 1
        if token_hash is not None:
            self.drop(token_hash)
        elif attendee_id is not None:
            for kept_hash in list(self.by_attendee.get(attendee_id, ())):
                self.drop(kept_hash)
        else:
            self.entries.clear()
            self.by_attendee.clear()
