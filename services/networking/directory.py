"""The opt-in directory: interests, profiles, search, and the organizer's settings."""

from nameko.rpc import rpc
from sqlalchemy import Text, cast, delete, not_, or_, select

from contracts.errors import NotFound
from contracts.rpc.networking import (
    DirectoryEntrySchema,
    DirectoryProfileSchema,
    DirectoryQuery,
    InterestSchema,
    InterestsPayload,
    MyProfileSchema,
    ProfilePayload,
    SettingsPayload,
    SettingsSchema,
)
from plumbing.db import upsertable_insert
from plumbing.events import utcnow
from plumbing.pagination import keyset, keyset_page
from plumbing.replica import AttendeeReplica
from plumbing.schemas import load_or_invalid
from services.networking import people
from services.networking.connections import connection_state
from services.networking.models import (
    ConnectionRequest,
    Interest,
    Profile,
    ProfileInterest,
    Setting,
    SpeedQueueEntry,
)
from services.networking.people import SETTING_DEFAULTS, blocked_either_way


def entry(person, profile, interests):
    """A listed attendee as the directory shows them: the name, and the fields they chose."""
    shown = set(profile.shown_fields)
    values = {
        "organization": person.organization,
        "job_title": profile.job_title,
        "interests": interests,
        "bio": profile.bio,
        "looking_for": profile.looking_for,
    }
    return {
        "attendee_id": person.attendee_id,
        "full_name": person.full_name,
        **{name: value if name in shown else None for name, value in values.items()},
    }


def interests_of(db, attendee_ids):
    rows = db.execute(
        select(ProfileInterest.attendee_id, ProfileInterest.interest_id)
        .where(ProfileInterest.attendee_id.in_(list(attendee_ids)))
        .order_by(ProfileInterest.attendee_id, ProfileInterest.position)
    )
    interests = {}
    for attendee_id, interest_id in rows:
        interests.setdefault(attendee_id, []).append(interest_id)
    return interests


class DirectoryRpcs:
    """Mixin for NetworkingService: needs ``self.db``."""

    # -- interests and settings (organizers) ---------------------------------------------

    @rpc
    def list_interests(self):
        return InterestSchema(many=True).dump(
            self.db.scalars(select(Interest).order_by(Interest.position))
        )

    @rpc
    def replace_interests(self, payload):
        """The whole list in its order; profiles keep only interests still on it."""
        interests = load_or_invalid(InterestsPayload, payload)["interests"]
        self.db.execute(delete(Interest))
        self.db.add_all(
            Interest(position=position, **interest) for position, interest in enumerate(interests)
        )
        kept = [interest["id"] for interest in interests]
        self.db.execute(delete(ProfileInterest).where(ProfileInterest.interest_id.not_in(kept)))
        self.db.flush()
        return self.list_interests()

    @rpc
    def get_settings(self):
        return SettingsSchema().dump(
            {name: people.setting(self.db, name) for name in SETTING_DEFAULTS}
        )

    @rpc
    def update_settings(self, payload):
        changes = load_or_invalid(SettingsPayload, payload)
        for name, value in changes.items():
            statement = upsertable_insert(self.db, Setting.__table__).values(
                name=name, value={"value": value}
            )
            self.db.execute(
                statement.on_conflict_do_update(
                    index_elements=["name"], set_={"value": statement.excluded.value}
                )
            )
        return self.get_settings()

    # -- my profile ----------------------------------------------------------------------

    @rpc
    def get_my_profile(self, actor):
        me = people.me(self.db, actor)
        return self._my_profile(me)

    @rpc
    def put_my_profile(self, actor, payload):
        """The whole profile; ``listed: false`` takes the attendee out of the directory,
        its search and speed networking at once."""
        fields = load_or_invalid(ProfilePayload, payload)
        me = people.me(self.db, actor)
        known = set(self.db.scalars(select(Interest.id)))
        unknown = [interest for interest in fields["interests"] if interest not in known]
        if unknown:
            raise NotFound(
                "No such interest: choose from GET /v1/networking/interests.",
                {"interests": [f"Not an interest of this event: {', '.join(unknown)}."]},
            )
        chosen = fields.pop("interests")
        profile = self.db.get(Profile, me.attendee_id, with_for_update=True)
        if profile is None:
            profile = Profile(attendee_id=me.attendee_id)
            self.db.add(profile)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.updated_at = utcnow()
        self.db.flush()
        self.db.execute(
            delete(ProfileInterest).where(ProfileInterest.attendee_id == me.attendee_id)
        )
        self.db.add_all(
            ProfileInterest(attendee_id=me.attendee_id, interest_id=interest, position=position)
            for position, interest in enumerate(chosen)
        )
        if not profile.listed:
            self._leave_everything_listed(me.attendee_id)
        self.db.flush()
        return self._my_profile(me)

    def _leave_everything_listed(self, attendee_id):
        """Opting out: out of speed-networking queues, pending requests withdrawn."""
        self.db.execute(delete(SpeedQueueEntry).where(SpeedQueueEntry.attendee_id == attendee_id))
        pending = ConnectionRequest.status == "pending"
        for request in self.db.scalars(
            select(ConnectionRequest).where(
                pending,
                or_(
                    ConnectionRequest.requester_id == attendee_id,
                    ConnectionRequest.recipient_id == attendee_id,
                ),
            )
        ):
            request.status = "withdrawn"

    def _my_profile(self, me):
        profile = self.db.get(Profile, me.attendee_id)
        return MyProfileSchema().dump(
            {
                "attendee_id": me.attendee_id,
                "full_name": me.full_name,
                "organization": me.organization,
                "listed": bool(profile and profile.listed),
                "job_title": profile.job_title if profile else "",
                "bio": profile.bio if profile else "",
                "looking_for": profile.looking_for if profile else "",
                "interests": interests_of(self.db, [me.attendee_id]).get(me.attendee_id, []),
                "shown_fields": profile.shown_fields if profile else [],
                "updated_at": profile.updated_at if profile else None,
            }
        )

    # -- the directory ---------------------------------------------------------------------

    @rpc
    def list_directory(self, actor, query=None):
        """Listed attendees but me and anyone blocked either way, by name; ``q`` searches
        name and organization, ``interest`` filters."""
        me = people.me(self.db, actor)
        args = load_or_invalid(DirectoryQuery, query or {}, "The query is not valid.")
        statement = (
            select(AttendeeReplica, Profile)
            .join(Profile, Profile.attendee_id == AttendeeReplica.attendee_id)
            .where(
                Profile.listed,
                AttendeeReplica.attendee_id != me.attendee_id,
                not_(blocked_either_way(me.attendee_id, AttendeeReplica.attendee_id)),
            )
        )
        if args.get("q"):
            statement = statement.where(
                or_(
                    AttendeeReplica.full_name.icontains(args["q"], autoescape=True),
                    AttendeeReplica.organization.icontains(args["q"], autoescape=True)
                    & self._shows("organization"),
                )
            )
        if args.get("interest"):
            statement = statement.where(
                AttendeeReplica.attendee_id.in_(
                    select(ProfileInterest.attendee_id).where(
                        ProfileInterest.interest_id == args["interest"]
                    )
                ),
                self._shows("interests"),
            )
        statement = keyset(
            statement,
            [AttendeeReplica.full_name, AttendeeReplica.attendee_id],
            args["cursor"],
            args["limit"],
        )
        rows = self.db.execute(statement).all()
        interests = interests_of(self.db, [person.attendee_id for person, _ in rows])
        schema = DirectoryEntrySchema()
        return keyset_page(
            rows,
            args["limit"],
            lambda row: schema.dump(entry(row[0], row[1], interests.get(row[0].attendee_id, []))),
            lambda row: (row[0].full_name, row[0].attendee_id),
        )

    def _shows(self, field):
        """SQL: the profile shows ``field`` (a hidden field is not searchable either)."""
        return cast(Profile.shown_fields, Text).contains(f'"{field}"')

    @rpc
    def get_directory_profile(self, actor, attendee_id):
        """One listed attendee, with where the connection stands; their email only
        between connected attendees."""
        me = people.me(self.db, actor)
        person = people.visible(
            self.db, me.attendee_id, people.person(self.db, attendee_id).attendee_id
        )
        profile = self.db.get(Profile, person.attendee_id)
        state = connection_state(self.db, me.attendee_id, person.attendee_id)
        interests = interests_of(self.db, [person.attendee_id]).get(person.attendee_id, [])
        return DirectoryProfileSchema().dump(
            {
                **entry(person, profile, interests),
                "connection": state,
                "email": person.email if state == "connected" else None,
            }
        )
