"""1:1 meetings between attendees: up to five proposed slots, the invitee accepts one
(or declines), either cancels.  No slot may overlap a session in either person's agenda
(asked of sessions at proposal and again at acceptance) or an accepted meeting of either.
Accepted meetings are in both people's agenda feed (``meetings_ics``, merged by the
gateway into GET /v1/me/agenda.ics)."""

from datetime import datetime

from icalendar import Calendar, Event
from nameko.rpc import rpc
from sqlalchemy import and_, or_, select

from contracts.errors import Conflict, Invalid, NotFound
from contracts.events.networking import (
    AttendeeMeetingAccepted,
    AttendeeMeetingCancelled,
    AttendeeMeetingDeclined,
    AttendeeMeetingProposed,
)
from contracts.rpc.networking import (
    AttendeeIdArgs,
    AttendeeMeetingQuery,
    AttendeeMeetingSchema,
    IdArgs,
    MeetingAcceptPayload,
    MeetingPayload,
)
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.pagination import keyset, keyset_page
from plumbing.replica import AttendeeReplica
from plumbing.schemas import load_args, load_or_invalid
from services.networking import people, ratelimits
from services.networking.models import AttendeeMeeting
from services.networking.slots import slot_errors

UID_DOMAIN = "plenary"
OPEN = ("proposed", "accepted")


def moment(value):
    return datetime.fromisoformat(value) if value else None


def stored_slots(meeting):
    return [
        {"starts_at": moment(s["starts_at"]), "ends_at": moment(s["ends_at"])}
        for s in meeting.slots
    ]


def room_url(config, room):
    return config["NETWORKING_ROOM_URL_TEMPLATE"].format(room=room)


def cancel(db, meeting, by):
    meeting.status = "cancelled"
    changed(db, meeting)
    emit(
        db,
        AttendeeMeetingCancelled,
        {**event_people(db, meeting), "cancelled_by": by, "starts_at": meeting.starts_at},
    )


def cancel_meetings_between(db, one, other, by):
    for meeting in db.scalars(
        select(AttendeeMeeting).where(
            AttendeeMeeting.status.in_(OPEN),
            or_(
                and_(AttendeeMeeting.organizer_id == one, AttendeeMeeting.invitee_id == other),
                and_(AttendeeMeeting.organizer_id == other, AttendeeMeeting.invitee_id == one),
            ),
        )
    ):
        cancel(db, meeting, by)


def changed(db, meeting):
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    db.flush()


def meeting_people(db, meeting):
    return {
        row.attendee_id: row
        for row in db.scalars(
            select(AttendeeReplica).where(
                AttendeeReplica.attendee_id.in_([meeting.organizer_id, meeting.invitee_id])
            )
        )
    }


def event_people(db, meeting):
    people = meeting_people(db, meeting)
    return {
        "meeting_id": meeting.id,
        "organizer_id": meeting.organizer_id,
        "organizer_name": people[meeting.organizer_id].full_name,
        "invitee_id": meeting.invitee_id,
        "invitee_name": people[meeting.invitee_id].full_name,
    }


def meeting_dump(db, config, meeting):
    people = meeting_people(db, meeting)

    def who(attendee_id):
        return {"attendee_id": attendee_id, "full_name": people[attendee_id].full_name}

    return AttendeeMeetingSchema().dump(
        {
            "id": meeting.id,
            "organizer": who(meeting.organizer_id),
            "invitee": who(meeting.invitee_id),
            "message": meeting.message,
            "slots": stored_slots(meeting),
            "status": meeting.status,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "room_url": room_url(config, meeting.id) if meeting.status == "accepted" else None,
            "created_at": meeting.created_at,
            "updated_at": meeting.updated_at,
        }
    )


class MeetingRpcs:
    """Mixin for NetworkingService: needs ``self.db``, ``self.config`` and ``self.sessions``."""

    def _event_window(self):
        return moment(self.config["NETWORKING_EVENT_STARTS_AT"]), moment(
            self.config["NETWORKING_EVENT_ENDS_AT"]
        )

    def _busy(self, attendee_id, label, except_meeting=None):
        """(start, end, what) of the attendee's agenda sessions and accepted meetings."""
        busy = [
            (moment(s["starts_at"]), moment(s["ends_at"]), f"a session in {label} agenda")
            for s in self.sessions.get_agenda(attendee_id)
            if s["status"] != "cancelled"
        ]
        accepted = self.db.scalars(
            select(AttendeeMeeting).where(
                AttendeeMeeting.status == "accepted",
                or_(
                    AttendeeMeeting.organizer_id == attendee_id,
                    AttendeeMeeting.invitee_id == attendee_id,
                ),
                AttendeeMeeting.id != (except_meeting or ""),
            )
        )
        owner = "yours" if label == "your" else "theirs"
        busy += [(m.starts_at, m.ends_at, f"an accepted meeting of {owner}") for m in accepted]
        return busy

    def _check_slots(self, slots, me, other, except_meeting=None):
        busy = self._busy(me, "your", except_meeting) + self._busy(other, "their", except_meeting)
        window_start, window_end = self._event_window()
        errors = slot_errors(slots, busy, window_start, window_end, utcnow())
        if errors:
            raise Invalid("Some slots do not fit.", {"slots": errors})

    def _lock_people(self, *attendee_ids):
        """Serialize meeting changes per person (across replicas): two acceptances of
        overlapping slots cannot both see the other's time free."""
        self.db.scalars(
            select(AttendeeReplica)
            .where(AttendeeReplica.attendee_id.in_(sorted(attendee_ids)))
            .order_by(AttendeeReplica.attendee_id)
            .with_for_update()
        ).all()

    @rpc
    def propose_meeting(self, actor, payload):
        fields = load_or_invalid(MeetingPayload, payload)
        me = people.me(self.db, actor)
        people.refuse_silenced(self.db, me.attendee_id)
        other = people.visible(self.db, me.attendee_id, fields["with_"])
        now = utcnow()
        rules = ratelimits.parse_rules(self.config["MEETING_PROPOSAL_RATE_LIMIT"])
        recent = self.db.scalars(
            select(AttendeeMeeting.created_at).where(
                AttendeeMeeting.organizer_id == me.attendee_id,
                AttendeeMeeting.created_at > now - ratelimits.longest_period(rules),
            )
        ).all()
        ratelimits.check(recent, rules, now, "meeting proposals")
        self._check_slots(fields["slots"], me.attendee_id, other.attendee_id)
        meeting = AttendeeMeeting(
            organizer_id=me.attendee_id,
            invitee_id=other.attendee_id,
            message=fields["message"],
            slots=[
                {"starts_at": s["starts_at"].isoformat(), "ends_at": s["ends_at"].isoformat()}
                for s in fields["slots"]
            ],
            status="proposed",
            sequence=0,
            created_at=now,
            updated_at=now,
        )
        self.db.add(meeting)
        self.db.flush()
        emit(
            self.db,
            AttendeeMeetingProposed,
            {
                **event_people(self.db, meeting),
                "slots": fields["slots"],
                "message": meeting.message,
            },
        )
        return meeting_dump(self.db, self.config, meeting)

    @rpc
    def accept_meeting(self, actor, meeting_id, payload):
        fields = load_or_invalid(MeetingAcceptPayload, payload)
        me = people.me(self.db, actor)
        meeting = self._my_meeting(me.attendee_id, meeting_id)
        if meeting.invitee_id != me.attendee_id:
            raise Conflict("Only the invitee accepts a meeting.")
        self._lock_people(meeting.organizer_id, meeting.invitee_id)
        self.db.refresh(meeting, with_for_update=True)
        if meeting.status != "proposed":
            raise Conflict(f"This meeting is {meeting.status}.")
        slots = stored_slots(meeting)
        if fields["slot"] >= len(slots):
            raise Invalid("No such slot.", {"slot": [f"Choose 0 to {len(slots) - 1}."]})
        chosen = slots[fields["slot"]]
        self._check_slots([chosen], meeting.organizer_id, meeting.invitee_id, meeting.id)
        meeting.status = "accepted"
        meeting.starts_at, meeting.ends_at = chosen["starts_at"], chosen["ends_at"]
        changed(self.db, meeting)
        emit(
            self.db,
            AttendeeMeetingAccepted,
            {**event_people(self.db, meeting), **chosen},
        )
        return meeting_dump(self.db, self.config, meeting)

    @rpc
    def decline_meeting(self, actor, meeting_id):
        me = people.me(self.db, actor)
        meeting = self._my_meeting(me.attendee_id, meeting_id, lock=True)
        if meeting.invitee_id != me.attendee_id:
            raise Conflict("Only the invitee declines a meeting; cancel it instead.")
        if meeting.status != "proposed":
            raise Conflict(f"This meeting is {meeting.status}.")
        meeting.status = "declined"
        changed(self.db, meeting)
        emit(self.db, AttendeeMeetingDeclined, event_people(self.db, meeting))
        return meeting_dump(self.db, self.config, meeting)

    @rpc
    def cancel_meeting(self, actor, meeting_id):
        me = people.me(self.db, actor)
        meeting = self._my_meeting(me.attendee_id, meeting_id, lock=True)
        if meeting.status not in OPEN:
            raise Conflict(f"This meeting is {meeting.status}.")
        cancel(self.db, meeting, me.attendee_id)
        return meeting_dump(self.db, self.config, meeting)

    def _my_meeting(self, me, meeting_id, lock=False):
        meeting_id = load_args(IdArgs, id=meeting_id)["id"]
        statement = select(AttendeeMeeting).where(
            AttendeeMeeting.id == meeting_id,
            or_(AttendeeMeeting.organizer_id == me, AttendeeMeeting.invitee_id == me),
        )
        if lock:
            statement = statement.with_for_update()
        meeting = self.db.scalars(statement).one_or_none()
        if meeting is None:
            raise NotFound("No such meeting.")
        return meeting

    @rpc
    def list_meetings(self, actor, query=None):
        """Mine (proposed by me or to me), newest first; filter ``status``."""
        me = people.me(self.db, actor).attendee_id
        args = load_or_invalid(AttendeeMeetingQuery, query or {}, "The query is not valid.")
        statement = select(AttendeeMeeting).where(
            or_(AttendeeMeeting.organizer_id == me, AttendeeMeeting.invitee_id == me)
        )
        if args.get("status"):
            statement = statement.where(AttendeeMeeting.status == args["status"])
        rows = self.db.scalars(
            keyset(
                statement,
                [AttendeeMeeting.created_at, AttendeeMeeting.id],
                args["cursor"],
                args["limit"],
                descending=True,
            )
        ).all()
        return keyset_page(
            rows,
            args["limit"],
            lambda m: meeting_dump(self.db, self.config, m),
            lambda m: (m.created_at, m.id),
        )

    @rpc
    def meetings_ics(self, attendee_id):
        """The attendee's accepted meetings (and cancelled ones that had a time, so a
        calendar drops them) as an iCalendar document."""
        attendee_id = load_args(AttendeeIdArgs, attendee_id=attendee_id)["attendee_id"]
        meetings = self.db.scalars(
            select(AttendeeMeeting)
            .where(
                or_(
                    AttendeeMeeting.organizer_id == attendee_id,
                    AttendeeMeeting.invitee_id == attendee_id,
                ),
                AttendeeMeeting.starts_at.is_not(None),
            )
            .order_by(AttendeeMeeting.starts_at)
        ).all()
        cal = Calendar()
        cal.add("prodid", "-//Plenary//Meetings//EN")
        cal.add("version", "2.0")
        for meeting in meetings:
            people = meeting_people(self.db, meeting)
            other = (
                meeting.invitee_id if meeting.organizer_id == attendee_id else meeting.organizer_id
            )
            vevent = Event()
            vevent.add("uid", f"meeting-{meeting.id}@{UID_DOMAIN}")
            vevent.add("dtstamp", meeting.updated_at)
            vevent.add("dtstart", meeting.starts_at)
            vevent.add("dtend", meeting.ends_at)
            vevent.add("sequence", meeting.sequence)
            vevent.add("summary", f"Meeting with {people[other].full_name}")
            vevent.add("description", meeting.message)
            vevent.add("location", room_url(self.config, meeting.id))
            vevent.add("status", "CONFIRMED" if meeting.status == "accepted" else "CANCELLED")
            cal.add_component(vevent)
        return cal.to_ical().decode()
