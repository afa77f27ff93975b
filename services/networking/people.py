"""Who may see and reach whom: the attendee replica, listing, blocks, connections,
silences and the organizer's settings.  Every area asks here (``people.visible(db, ...)``)."""

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


def me(db, actor):
    """The acting attendee's replica row; the gateway's fresh view of them fills it
    in if registration's event has not arrived yet."""
    actor = load_or_invalid(ActorSchema, actor)
    if replica.is_erased(db, [actor["attendee_id"]]):
        raise NotFound("No such attendee.")
    row = {**actor, "updated_at": utcnow()}
    insert_ignoring_duplicates(db, AttendeeReplica.__table__, [row], ["attendee_id"])
    return db.get(AttendeeReplica, actor["attendee_id"])


def person(db, attendee_id, field="attendee_id"):
    attendee_id = load_args(AttendeeIdArgs, attendee_id=attendee_id)["attendee_id"]
    person = db.get(AttendeeReplica, attendee_id)
    if person is None:
        raise NotFound("No such attendee.")
    return person


def listed(db, attendee_id):
    profile = db.get(Profile, attendee_id)
    return profile is not None and profile.listed


def blocked(db, one, other):
    return bool(db.scalar(select(blocked_either_way(one, other))))


def connected(db, one, other):
    a, b = ordered(one, other)
    return db.get(Connection, (a, b)) is not None


def visible(db, me, other_id):
    """The listed attendee ``other_id`` as ``me`` may see them; NotFound otherwise
    (unlisted, blocked either way, or me), so nothing tells them apart."""
    if other_id == me or not listed(db, other_id) or blocked(db, me, other_id):
        raise NotFound("No such attendee in the directory.")
    return db.get(AttendeeReplica, other_id)


def refuse_silenced(db, attendee_id):
    if db.get(Silence, attendee_id) is not None:
        raise Forbidden("The organizers have paused your messaging for this event.")


def setting(db, name):
    row = db.get(Setting, name)
    return SETTING_DEFAULTS[name] if row is None else row.value["value"]


def may_message(db, me, other_id):
    """Forbidden unless both are listed, no block stands and they are connected (or
    the organizers opened messaging between any listed attendees)."""
    other = visible(db, me, other_id)
    if not listed(db, me):
        raise Forbidden("List yourself in the directory to message people.")
    if not (setting(db, "open_messaging") or connected(db, me, other_id)):
        raise Forbidden("You can message your connections only.")
    return other
