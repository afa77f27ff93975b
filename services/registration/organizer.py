"""Organizer tools: listing attendees, ticket types and their capacity, statistics."""

from collections import Counter, defaultdict

from nameko.rpc import rpc
from sqlalchemy import func, or_, select

from contracts.enums import (
    ATTENDEE_CANCELLED,
    ATTENDEE_ERASED,
    ATTENDEE_REGISTERED,
    TICKET_TYPES,
)
from contracts.rpc.registration import (
    AttendeeSchema,
    AttendeesPageArgs,
    RestrictedTicketTypeArgs,
    TicketCodeRequestSchema,
    TicketCodeSchema,
    TicketTypeArgs,
    TicketTypeChangeSchema,
)
from plumbing.events import utcnow
from plumbing.pagination import keyset, keyset_page
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import new_secret, secret_hash
from services.registration.models import Attendee, TicketCode, TicketType
from services.registration.seats import set_capacity

TICKET_CODE_PREFIX = "ptc_"


class OrganizerRpcs:
    @rpc
    def list_attendees(self, filters=None, limit=50, cursor=None):
        """Attendees in registration order; filters ``q`` (email, name, organization),
        ``ticket_type``, ``status``."""
        page = load_or_invalid(
            AttendeesPageArgs,
            {"filters": {} if filters is None else filters, "limit": limit, "cursor": cursor},
        )
        query = keyset(
            filtered(select(Attendee), page["filters"]),
            [Attendee.registered_at, Attendee.id],
            page["cursor"],
            page["limit"],
        )
        return keyset_page(
            self.db.scalars(query).all(),
            page["limit"],
            AttendeeSchema().dump,
            lambda attendee: (attendee.registered_at, attendee.id),
        )

    @rpc
    def ticket_types(self):
        counts = Counter(
            {
                (ticket_type, status): n
                for ticket_type, status, n in self.db.execute(
                    select(Attendee.ticket_type, Attendee.status, func.count()).group_by(
                        Attendee.ticket_type, Attendee.status
                    )
                )
            }
        )
        capacities = dict(self.db.execute(select(TicketType.name, TicketType.capacity)).all())
        return [ticket_type_summary(name, capacities[name], counts) for name in TICKET_TYPES]

    @rpc
    def set_ticket_capacity(self, ticket_type, capacity):
        """Set (or with None lift) a ticket type's capacity. A capacity below the
        registrations already made refuses new ones and cancels none."""
        name = load_args(TicketTypeArgs, ticket_type=ticket_type)["ticket_type"]
        capacity = load_or_invalid(TicketTypeChangeSchema, {"capacity": capacity})["capacity"]
        set_capacity(self.db, name, capacity)
        return next(t for t in self.ticket_types() if t["ticket_type"] == name)

    @rpc
    def issue_ticket_code(self, ticket_type, request):
        """A code that lets ``max_uses`` registrations choose a restricted ticket type
        (speaker, exhibitor_staff, complimentary); shown once, only its hash is kept."""
        name = load_args(RestrictedTicketTypeArgs, ticket_type=ticket_type)["ticket_type"]
        fields = load_or_invalid(TicketCodeRequestSchema, {} if request is None else request)
        code = new_secret(TICKET_CODE_PREFIX)
        row = TicketCode(
            code_hash=secret_hash(code),
            ticket_type=name,
            max_uses=fields["max_uses"],
            uses=0,
            created_at=utcnow(),
            expires_at=fields["expires_at"],
        )
        self.db.add(row)
        return {**TicketCodeSchema().dump(row), "code": code}

    @rpc
    def stats(self):
        """Registrations by day (UTC) and ticket type, and totals by status."""
        rows = self.db.execute(
            select(Attendee.registered_at, Attendee.ticket_type, Attendee.status)
        ).all()
        by_day = defaultdict(Counter)
        for registered_at, ticket_type, _ in rows:
            by_day[registered_at.date().isoformat()][ticket_type] += 1
        statuses = Counter(status for _, _, status in rows)
        active = Counter(
            ticket_type for _, ticket_type, status in rows if status == ATTENDEE_REGISTERED
        )
        return {
            "registrations": len(rows),
            "active": statuses[ATTENDEE_REGISTERED],
            "cancelled": statuses[ATTENDEE_CANCELLED],
            "erased": statuses[ATTENDEE_ERASED],
            "active_by_ticket_type": {name: active[name] for name in TICKET_TYPES},
            "registrations_by_day": [
                {"day": day, "total": sum(counts.values()), "by_ticket_type": dict(counts)}
                for day, counts in sorted(by_day.items())
            ],
        }


def filtered(query, filters):
    if "q" in filters:
        q = filters["q"]
        query = query.where(
            or_(
                Attendee.email.icontains(q, autoescape=True),
                Attendee.full_name.icontains(q, autoescape=True),
                Attendee.organization.icontains(q, autoescape=True),
            )
        )
    if "ticket_type" in filters:
        query = query.where(Attendee.ticket_type == filters["ticket_type"])
    if "status" in filters:
        query = query.where(Attendee.status == filters["status"])
    return query


def ticket_type_summary(name, capacity, counts):
    active = counts[(name, ATTENDEE_REGISTERED)]
    return {
        "ticket_type": name,
        "capacity": capacity,
        "registered": active,
        "cancelled": counts[(name, ATTENDEE_CANCELLED)],
        "remaining": None if capacity is None else max(capacity - active, 0),
    }
