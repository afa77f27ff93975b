"""Interactions and leads: visitors' visits, downloads and meeting requests, the leads
they make with consent, their scores, and each booth's analytics."""

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta

from nameko.rpc import rpc
from sqlalchemy import bindparam, case, distinct, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from contracts.enums import DOWNLOAD, MEETING_PENDING, MEETING_REQUEST, VISIT
from contracts.errors import NotFound
from contracts.events.expo import LeadCaptured, LeadUpdated, MeetingRequested
from contracts.rpc.expo import (
    AnalyticsArgs,
    AttendeeIdArgs,
    BoothAnalyticsSchema,
    ExhibitorIdArgs,
    InteractionInputSchema,
    LeadFiltersSchema,
    LeadSchema,
    load_filters,
)
from plumbing.db import send_together, upsertable_insert
from plumbing.events import utcnow
from plumbing.outbox import emit, outbox_insert
from plumbing.pagination import NewestFirstPageArgs, creation_key, keyset_page, newest_first
from plumbing.replica import AttendeeReplica
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import new_id
from services.expo.contacts import contact_dump, find_contact
from services.expo.exhibitors import find_exhibitor
from services.expo.models import Exhibitor, Interaction, Lead, Meeting

# What each kind of interaction says about a visitor's interest.  A lead's score is a
# pure function of the *set* of its interactions (see lead_score): the same whatever
# order they arrive in, and a repeat of the same signal adds nothing:
#   visit            1 point per UTC day with a visit
#   download         5 points per distinct product downloaded
#   meeting_request 10 points, once
LEAD_SCORE_WEIGHTS = {
    VISIT: 1,
    DOWNLOAD: 5,
    MEETING_REQUEST: 10,
}


def score_signal(kind, product_id, day):
    if kind == VISIT:
        return kind, day
    if kind == DOWNLOAD:
        return kind, product_id
    return (kind,)


def lead_score(interactions):
    """The score of a lead with these ``(kind, product_id, day)`` interactions."""
    signals = {score_signal(*interaction) for interaction in interactions}
    return sum(LEAD_SCORE_WEIGHTS[signal[0]] for signal in signals)


def visitor_hash(exhibitor_id, day, attendee_id):
    """Tells one day's visitors of one booth apart without saying who they are: it
    cannot link a person across booths or days, and is cleared on erasure."""
    return hashlib.sha256(f"{exhibitor_id}|{day.isoformat()}|{attendee_id}".encode()).hexdigest()


def check_product(exhibitor, product_id):
    if product_id is not None and all(p.id != product_id for p in exhibitor.products):
        raise NotFound(
            "No such product at this booth.",
            {"product_id": ["Not a product of this exhibitor."]},
        )


# the lead path's two statements built once (bind parameters): building a SELECT with
# its join, or an upsert with its ``excluded`` alias, costs more CPU than sending it
_statements = {}


def exhibitor_and_contact_query(with_products):
    key = ("exhibitor_and_contact", with_products)
    if key not in _statements:
        query = (
            select(Exhibitor, AttendeeReplica)
            .select_from(Exhibitor)
            .outerjoin(AttendeeReplica, AttendeeReplica.attendee_id == bindparam("attendee_id"))
            .where(Exhibitor.id == bindparam("exhibitor_id"))
        )
        if with_products:
            query = query.options(joinedload(Exhibitor.product_rows))
        _statements[key] = query
    return _statements[key]


def exhibitor_and_contact(session, exhibitor_id, attendee_id, with_products):
    """(the exhibitor, the attendee's replicated contact or None) in one SELECT, with the
    exhibitor's products if asked; NotFound if there is no such exhibitor."""
    exhibitor_id = load_args(ExhibitorIdArgs, exhibitor_id=exhibitor_id)["exhibitor_id"]
    row = (
        session.execute(
            exhibitor_and_contact_query(with_products),
            {"exhibitor_id": exhibitor_id, "attendee_id": attendee_id},
        )
        .unique()
        .first()
    )
    if row is None:
        raise NotFound("No such exhibitor.")
    return row[0], row[1]


LEAD_COLUMNS = ("id", "exhibitor_id", "attendee_id", "score", "created_at", "updated_at")


def lead_upsert(session):
    """INSERT ... ON CONFLICT (exhibitor_id, attendee_id) DO UPDATE (the newer updated_at)
    RETURNING id, score, for the session's backend (PostgreSQL or SQLite)."""
    key = ("lead_upsert", session.get_bind().dialect.name)
    if key not in _statements:
        table = Lead.__table__
        insert = upsertable_insert(session, table).values(
            {name: bindparam(name) for name in LEAD_COLUMNS}
        )
        newer = insert.excluded.updated_at
        _statements[key] = insert.on_conflict_do_update(
            index_elements=["exhibitor_id", "attendee_id"],
            set_={
                "updated_at": case((table.c.updated_at < newer, newer), else_=table.c.updated_at)
            },
        ).returning(table.c.id, table.c.score)
    return _statements[key]


def upsert_lead(session, exhibitor_id, attendee_id, now, first_score):
    """(lead id, stored score, whether just created): the attendee's lead with the
    exhibitor, created with ``first_score`` (its first interaction's) or, if there is one,
    touched (``updated_at``); either way locked for this transaction. One statement."""
    lead_id = new_id()
    row = (lead_id, exhibitor_id, attendee_id, first_score, now, now)
    stored_id, stored_score = session.execute(
        lead_upsert(session), dict(zip(LEAD_COLUMNS, row, strict=True))
    ).one()
    return stored_id, stored_score, stored_id == lead_id


def stored_signals(session, lead_id):
    return session.execute(
        select(Interaction.kind, Interaction.product_id, Interaction.day).where(
            Interaction.lead_id == lead_id
        )
    ).all()


def request_meeting(session, exhibitor, interaction, proposed_times):
    meeting = Meeting(
        exhibitor_id=exhibitor.id,
        attendee_id=interaction["attendee_id"],
        lead_id=interaction["lead_id"],
        interaction_id=interaction["id"],
        message=interaction["message"],
        proposed_times=[time.isoformat() for time in proposed_times],
        status=MEETING_PENDING,
        created_at=interaction["occurred_at"],
    )
    session.add(meeting)
    session.flush()
    emit(
        session,
        MeetingRequested,
        {
            "exhibitor_id": exhibitor.id,
            "attendee_id": interaction["attendee_id"],
            "lead_id": interaction["lead_id"],
            "message": interaction["message"],
            "meeting_id": meeting.id,
            "exhibitor_name": exhibitor.name,
            "proposed_times": proposed_times,
        },
    )
    return meeting.id


def lead_event(contact, interaction, score, first_interaction):
    """The (schema, data) announcing the lead's new interaction and score."""
    return (
        LeadCaptured if first_interaction else LeadUpdated,
        {
            "lead_id": interaction["lead_id"],
            "exhibitor_id": interaction["exhibitor_id"],
            "attendee": contact_dump(contact),
            "score": score,
            "interaction": {
                "interaction_id": interaction["id"],
                "kind": interaction["kind"],
                "product_id": interaction["product_id"],
                "message": interaction["message"],
                "occurred_at": interaction["occurred_at"],
            },
        },
    )


class LeadRpcs:
    """Mixin for ExpoService: interactions, leads and booth analytics."""

    @rpc
    def record_interaction(self, exhibitor_id, attendee_id, payload):
        """Record a visit, download or meeting request; it joins the attendee's lead
        with this exhibitor only if the attendee consented to share their contact.

        A new lead costs 4 statements (3 round trips on PostgreSQL): the exhibitor with
        the contact; the lead's upsert; the interaction and the event, sent together. An
        existing lead also reads its interactions for the score (and updates it if the
        interaction is a new signal). ``test_a_new_lead_costs_four_statements``."""
        attendee_id = load_args(AttendeeIdArgs, attendee_id=attendee_id)["attendee_id"]
        fields = load_or_invalid(InteractionInputSchema, payload)
        product_id = fields["product_id"]
        exhibitor, contact = exhibitor_and_contact(
            self.db, exhibitor_id, attendee_id, with_products=product_id is not None
        )
        check_product(exhibitor, product_id)
        if contact is None:
            contact = find_contact(self.db, self.registration, attendee_id)
        now = utcnow()
        interaction = {
            "id": new_id(),
            "exhibitor_id": exhibitor.id,
            "attendee_id": None,
            "lead_id": None,
            "kind": fields["kind"],
            "product_id": product_id,
            "message": None,
            "occurred_at": now,
            "day": now.date(),
            "visitor_hash": visitor_hash(exhibitor.id, now.date(), attendee_id),
        }
        answer = {"kind": interaction["kind"], "interaction_id": interaction["id"]}
        insert_interaction = Interaction.__table__.insert()
        if not contact.share_with_exhibitors:
            # an anonymous count: no person, no words
            self.db.execute(insert_interaction.values(interaction))
            return {**answer, "lead_id": None, "meeting_id": None}

        signal = (interaction["kind"], product_id, interaction["day"])
        lead_id, score, created = upsert_lead(
            self.db, exhibitor.id, contact.attendee_id, now, lead_score([signal])
        )
        statements = []
        if not created:  # the lead's row is locked: no other interaction is counting
            stored = score
            score = lead_score([*stored_signals(self.db, lead_id), signal])
            if score != stored:
                leads = Lead.__table__
                statements.append(update(leads).where(leads.c.id == lead_id).values(score=score))
        interaction.update(
            attendee_id=contact.attendee_id, lead_id=lead_id, message=fields["message"]
        )
        event, _ = outbox_insert(self.db, [lead_event(contact, interaction, score, created)])
        send_together(self.db, [insert_interaction.values(interaction), *statements, event])
        answer.update(lead_id=lead_id, meeting_id=None)
        if interaction["kind"] == MEETING_REQUEST:
            answer["meeting_id"] = request_meeting(
                self.db, exhibitor, interaction, fields["proposed_times"]
            )
        return answer

    @rpc
    def list_leads(self, exhibitor_id, limit=50, cursor=None, filters=None):
        """This exhibitor's leads, newest first, each with its interactions; filters
        ``min_score``, ``since`` and ``until`` (when the lead was captured)."""
        exhibitor = find_exhibitor(self.db, exhibitor_id)
        page = load_args(NewestFirstPageArgs, limit=limit, cursor=cursor)
        filters = load_filters(LeadFiltersSchema, filters)
        query = select(Lead).where(Lead.exhibitor_id == exhibitor.id, Lead.attendee_id.is_not(None))
        if "min_score" in filters:
            query = query.where(Lead.score >= filters["min_score"])
        if "since" in filters:
            query = query.where(Lead.created_at >= filters["since"])
        if "until" in filters:
            query = query.where(Lead.created_at < filters["until"])
        query = newest_first(
            query.options(selectinload(Lead.contact), selectinload(Lead.interactions)),
            Lead,
            page["cursor"],
            page["limit"],
        )
        return keyset_page(
            self.db.scalars(query).all(), page["limit"], LeadSchema().dump, creation_key
        )

    @rpc
    def booth_analytics(self, exhibitor_id, start=None, end=None):
        """Per UTC day: visits, unique visitors, downloads, meeting requests (anonymous
        ones included) and leads captured."""
        exhibitor = find_exhibitor(self.db, exhibitor_id)
        args = load_args(AnalyticsArgs, start=start, end=end)
        by_day = {}

        def day_row(day):
            return by_day.setdefault(
                day,
                {
                    "day": day,
                    "visits": 0,
                    "unique_visitors": 0,
                    "downloads": 0,
                    "meeting_requests": 0,
                    "leads": 0,
                },
            )

        in_range = [Interaction.exhibitor_id == exhibitor.id]
        if args["start"]:
            in_range.append(Interaction.day >= args["start"])
        if args["end"]:
            in_range.append(Interaction.day <= args["end"])
        counts = select(Interaction.day, Interaction.kind, func.count()).where(*in_range)
        for day, kind, count in self.db.execute(counts.group_by(Interaction.day, Interaction.kind)):
            column = {VISIT: "visits", DOWNLOAD: "downloads"}.get(kind, "meeting_requests")
            day_row(day)[column] = count
        visitors = select(Interaction.day, func.count(distinct(Interaction.visitor_hash))).where(
            *in_range
        )
        for day, count in self.db.execute(visitors.group_by(Interaction.day)):
            day_row(day)["unique_visitors"] = count
        captured = select(Lead.created_at).where(Lead.exhibitor_id == exhibitor.id)
        if args["start"]:
            captured = captured.where(Lead.created_at >= utc_midnight(args["start"]))
        if args["end"]:
            captured = captured.where(
                Lead.created_at < utc_midnight(args["end"] + timedelta(days=1))
            )
        for day, count in Counter(at.date() for at in self.db.scalars(captured)).items():
            day_row(day)["leads"] = count
        days = fill_days(by_day, day_row, args["start"], args["end"])
        totals = {
            name: sum(day[name] for day in days)
            for name in ("visits", "downloads", "meeting_requests", "leads")
        }
        return BoothAnalyticsSchema().dump(
            {"exhibitor_id": exhibitor.id, "days": days, "totals": totals}
        )


def utc_midnight(day):
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def fill_days(by_day, day_row, start, end):
    """Every day from start (or the first with data) to end (or the last), in order."""
    if not by_day and not (start and end):
        return []
    first = start or min(by_day)
    last = end or max(by_day)
    return [day_row(first + timedelta(days=n)) for n in range((last - first).days + 1)]
