"""Who may see and reach whom: the attendee replica, listing, blocks, connections,
silences and the organizer's settings.  Every area asks here."""

from sqlalchemy import and_, exists, or_, select

from contracts.errors import Forbidden, NotFound
from contracts.rpc.networking import ActorSchema, AttendeeIdArgs
from plumbing import replica
from plumbing.db import insert_ignoring_duplicates
from plumbing.events import utcnow
from plumbing.replica import AttendeeReplica
from plumbing.schemas import load_args, load_or_invalid
from services.networking.models import Block, Connection, Profile, Setting, Silence, ordered

SETTING_DEFAULTS = {"open_messaging": False}


def blocked_either_way(me, other_column):
    """SQL: a block stands between ``me`` and the attendee in ``other_column``."""
    return exists().where(
        or_(
            and_(Block.blocker_id == me, Block.blocked_id == other_column),
            and_(Block.blocker_id == other_column, Block.blocked_id == me),
        )
    )


def is_listed(other_column):
    return exists().where(Profile.attendee_id == other_column, Profile.listed)


class People:
    """Mixin for NetworkingService: needs ``self.db``."""

    def _me(self, actor):
        """The acting attendee's replica row; the gateway's fresh view of them fills it
        in if registration's event has not arrived yet."""
        actor = load_or_invalid(ActorSchema, actor)
        if replica.is_erased(self.db, [actor["attendee_id"]]):
            raise NotFound("No such attendee.")
        row = {**actor, "updated_at": utcnow()}
        insert_ignoring_duplicates(self.db, AttendeeReplica.__table__, [row], ["attendee_id"])
        return self.db.get(AttendeeReplica, actor["attendee_id"])

    def _person(self, attendee_id, field="attendee_id"):
        attendee_id = load_args(AttendeeIdArgs, attendee_id=attendee_id)["attendee_id"]
        person = self.db.get(AttendeeReplica, attendee_id)
        if person is None:
            raise NotFound("No such attendee.")
        return person

    def _listed(self, attendee_id):
        profile = self.db.get(Profile, attendee_id)
        return profile is not None and profile.listed

    def _blocked(self, one, other):
        return bool(self.db.scalar(select(blocked_either_way(one, other))))

    def _connected(self, one, other):
        a, b = ordered(one, other)
        return self.db.get(Connection, (a, b)) is not None

    def _visible(self, me, other_id):
        """The listed attendee ``other_id`` as ``me`` may see them; NotFound otherwise
        (unlisted, blocked either way, or me), so nothing tells them apart."""
        if other_id == me or not self._listed(other_id) or self._blocked(me, other_id):
            raise NotFound("No such attendee in the directory.")
        return self.db.get(AttendeeReplica, other_id)

    def _refuse_silenced(self, attendee_id):
        if self.db.get(Silence, attendee_id) is not None:
            raise Forbidden("The organizers have paused your messaging for this event.")

    def _setting(self, name):
        row = self.db.get(Setting, name)
        return SETTING_DEFAULTS[name] if row is None else row.value["value"]

    def _may_message(self, me, other_id):
        """Forbidden unless both are listed, no block stands and they are connected (or
        the organizers opened messaging between any listed attendees)."""
        other = self._visible(me, other_id)
        if not self._listed(me):
            raise Forbidden("List yourself in the directory to message people.")
        if not (self._setting("open_messaging") or self._connected(me, other_id)):
            raise Forbidden("You can message your connections only.")
        return other
