"""Speed networking: during a networking session attendees queue, are paired (most
shared interests first; never two who blocked each other, never a pair that met within
``SPEED_REMATCH_SECONDS``), and meet for ``SPEED_ROUND_SECONDS`` in a room of their own.

Pairing is exactly-once across replicas: each pass locks the waiting rows it reads
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL: another replica's pass skips them), and in the
same transaction inserts the rounds and deletes the paired rows.  A row is paired by at
most one pass, so nobody is in two pairs.  Passes run on every replica's timer and right
after each join."""

from datetime import timedelta

from nameko.rpc import rpc
from sqlalchemy import and_, delete, or_, select

from contracts.errors import Forbidden, NotFound
from contracts.events.networking import SpeedRoundStarted
from contracts.rpc.networking import IdArgs, SpeedStatusSchema
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.replica import AttendeeReplica
from plumbing.schemas import load_args
from plumbing.timer import timer_from_config
from services.networking import people
from services.networking.directory import entry, interests_of
from services.networking.matching import pair_up
from services.networking.meetings import room_url
from services.networking.models import (
    Block,
    Profile,
    ProfileInterest,
    SpeedQueueEntry,
    SpeedRound,
    ordered,
)
from services.networking.tables import networking_session, refuse_closed

PAIRING_BATCH = 200


class SpeedNetworking:
    """Mixin for NetworkingService: needs ``self.db``, ``self.config`` and ``self.sessions``."""

    @property
    def round_length(self):
        return timedelta(seconds=float(self.config["SPEED_ROUND_SECONDS"]))

    def _current_round(self, session_id, attendee_id, now):
        return self.db.scalars(
            select(SpeedRound).where(
                SpeedRound.session_id == session_id,
                or_(SpeedRound.attendee_a == attendee_id, SpeedRound.attendee_b == attendee_id),
                SpeedRound.ends_at > now,
            )
        ).first()

    @rpc
    def join_speed_queue(self, actor, session_id):
        """Queue for the next pairing (again is harmless); answers where I stand."""
        me = people.me(self.db, actor)
        session = networking_session(self.db, self.sessions, session_id)
        now = utcnow()
        refuse_closed(self.config, session, now)
        if not people.listed(self.db, me.attendee_id):
            raise Forbidden("List yourself in the directory to join speed networking.")
        if self._current_round(session.session_id, me.attendee_id, now) is None:
            if self.db.get(SpeedQueueEntry, (session.session_id, me.attendee_id)) is None:
                self.db.add(
                    SpeedQueueEntry(
                        session_id=session.session_id, attendee_id=me.attendee_id, queued_at=now
                    )
                )
                self.db.flush()
            self._pair(session.session_id, now)
        return self._speed_status(session.session_id, me.attendee_id, now)

    @rpc
    def leave_speed_queue(self, actor, session_id):
        """Idempotent; a round already started goes on."""
        me = people.me(self.db, actor)
        session_id = load_args(IdArgs, id=session_id)["id"]
        self.db.execute(
            delete(SpeedQueueEntry).where(
                SpeedQueueEntry.session_id == session_id,
                SpeedQueueEntry.attendee_id == me.attendee_id,
            )
        )

    @rpc
    def speed_status(self, actor, session_id):
        me = people.me(self.db, actor)
        session = networking_session(self.db, self.sessions, session_id)
        return self._speed_status(session.session_id, me.attendee_id, utcnow())

    def _speed_status(self, session_id, me, now):
        current = self._current_round(session_id, me, now)
        if current is not None:
            return SpeedStatusSchema().dump(
                {"status": "paired", "queued_at": None, "round": self._round_dump(current, me)}
            )
        queued = self.db.get(SpeedQueueEntry, (session_id, me))
        return SpeedStatusSchema().dump(
            {
                "status": "waiting" if queued else "idle",
                "queued_at": queued.queued_at if queued else None,
                "round": None,
            }
        )

    def _round_dump(self, speed_round, me):
        partner_id = (
            speed_round.attendee_b if speed_round.attendee_a == me else speed_round.attendee_a
        )
        partner = self.db.get(AttendeeReplica, partner_id)
        profile = self.db.get(Profile, partner_id)
        interests = interests_of(self.db, [partner_id]).get(partner_id, [])
        return {
            "id": speed_round.id,
            "session_id": speed_round.session_id,
            "partner": entry(partner, profile, interests)
            if profile
            else {"attendee_id": partner_id, "full_name": partner.full_name},
            "shared_interests": speed_round.shared_interests,
            "room_url": room_url(self.config, speed_round.id),
            "starts_at": speed_round.starts_at,
            "ends_at": speed_round.ends_at,
        }

    @rpc
    def connect_after_round(self, actor, round_id):
        """A connection request to the round's partner (both asking: connected)."""
        me = people.me(self.db, actor)
        round_id = load_args(IdArgs, id=round_id)["id"]
        speed_round = self.db.get(SpeedRound, round_id)
        if speed_round is None or me.attendee_id not in (
            speed_round.attendee_a,
            speed_round.attendee_b,
        ):
            raise NotFound("No such round.")
        partner = (
            speed_round.attendee_b
            if speed_round.attendee_a == me.attendee_id
            else speed_round.attendee_a
        )
        return self.request_connection(actor, {"attendee_id": partner})

    # -- pairing ---------------------------------------------------------------------------

    @timer_from_config("SPEED_PAIRING_INTERVAL")
    def pair_waiting(self):
        now = utcnow()
        for session_id in self.db.scalars(select(SpeedQueueEntry.session_id).distinct()).all():
            self._pair(session_id, now)

    def _pair(self, session_id, now):
        """One pairing pass over the waiting rows nobody else holds (see the module doc)."""
        waiting = self.db.scalars(
            select(SpeedQueueEntry)
            .where(SpeedQueueEntry.session_id == session_id)
            .order_by(SpeedQueueEntry.queued_at, SpeedQueueEntry.attendee_id)
            .limit(PAIRING_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        if len(waiting) < 2:
            return
        people = [row.attendee_id for row in waiting]
        pairs = pair_up(people, self._interest_sets(people), self._forbidden_pairs(people, now))
        for a, b, shared in pairs:
            first, second = ordered(a, b)
            speed_round = SpeedRound(
                session_id=session_id,
                attendee_a=first,
                attendee_b=second,
                shared_interests=shared,
                starts_at=now,
                ends_at=now + self.round_length,
            )
            self.db.add(speed_round)
            self.db.flush()
            emit(
                self.db,
                SpeedRoundStarted,
                {
                    "round_id": speed_round.id,
                    "session_id": session_id,
                    "attendee_ids": [first, second],
                    "room_url": room_url(self.config, speed_round.id),
                    "starts_at": speed_round.starts_at,
                    "ends_at": speed_round.ends_at,
                },
            )
        paired = [member for a, b, _ in pairs for member in (a, b)]
        if paired:
            self.db.execute(
                delete(SpeedQueueEntry).where(
                    SpeedQueueEntry.session_id == session_id,
                    SpeedQueueEntry.attendee_id.in_(paired),
                )
            )

    def _interest_sets(self, people):
        interests = {}
        for attendee_id, interest_id in self.db.execute(
            select(ProfileInterest.attendee_id, ProfileInterest.interest_id).where(
                ProfileInterest.attendee_id.in_(people)
            )
        ):
            interests.setdefault(attendee_id, set()).add(interest_id)
        return interests

    def _forbidden_pairs(self, people, now):
        """Blocked pairs (either way) and pairs that met within SPEED_REMATCH_SECONDS."""
        blocks = self.db.execute(
            select(Block.blocker_id, Block.blocked_id).where(
                Block.blocker_id.in_(people), Block.blocked_id.in_(people)
            )
        ).all()
        rematch = timedelta(seconds=float(self.config["SPEED_REMATCH_SECONDS"]))
        met = self.db.execute(
            select(SpeedRound.attendee_a, SpeedRound.attendee_b).where(
                and_(SpeedRound.attendee_a.in_(people), SpeedRound.attendee_b.in_(people)),
                SpeedRound.ends_at > now - rematch,
            )
        ).all()
        return {frozenset(pair) for pair in [*blocks, *met]}
