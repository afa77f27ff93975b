"""Interactions and leads: visitors' visits, downloads and meeting requests, the leads
they make with consent, their scores, and each booth's analytics."""

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta

from nameko.rpc import rpc
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from contracts.enums import DOWNLOAD, MEETING_PENDING, MEETING_REQUEST, VISIT
from contracts.errors import NotFound
from contracts.events.expo import LeadCaptured, LeadUpdated, MeetingRequested
from contracts.rpc.expo import (
    AnalyticsArgs,
    AttendeeIdArgs,
    BoothAnalyticsSchema,
    InteractionInputSchema,
    LeadFiltersSchema,
    LeadSchema,
    load_filters,
)
from plumbing.db import insert_ignoring_duplicates
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.pagination import NewestFirstPageArgs, creation_key, keyset_page, newest_first
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import new_id
from services.expo.contacts import contact_dump, find_contact
from services.expo.exhibitors import find_exhibitor
from services.expo.models import Interaction, Lead, Meeting

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


def locked_lead(session, exhibitor_id, attendee_id, now):
    """(the lead, locked for this transaction; whether it was just created)."""
    row = {
        "id": new_id(),
        "exhibitor_id": exhibitor_id,
        "attendee_id": attendee_id,
        "score": 0,
        "created_at": now,
        "updated_at": now,
    }
    unique_key = ["exhibitor_id", "attendee_id"]
    created = insert_ignoring_duplicates(session, Lead.__table__, [row], unique_key) == 1
    lead = session.scalars(
        select(Lead)
        .where(Lead.exhibitor_id == exhibitor_id, Lead.attendee_id == attendee_id)
        .with_for_update()
    ).one()
    return lead, created


def stored_score(session, lead_id):
    return lead_score(
        session.execute(
            select(Interaction.kind, Interaction.product_id, Interaction.day).where(
                Interaction.lead_id == lead_id
            )
        ).all()
    )


def request_meeting(session, exhibitor, lead, interaction, proposed_times):
    meeting = Meeting(
        exhibitor_id=exhibitor.id,
        attendee_id=lead.attendee_id,
        lead_id=lead.id,
        interaction_id=interaction.id,
        message=interaction.message,
        proposed_times=[time.isoformat() for time in proposed_times],
        status=MEETING_PENDING,
        created_at=interaction.occurred_at,
    )
    session.add(meeting)
    session.flush()
    emit(
        session,
        MeetingRequested,
        {
            "exhibitor_id": exhibitor.id,
            "attendee_id": lead.attendee_id,
            "lead_id": lead.id,
            "message": interaction.message,
            "meeting_id": meeting.id,
            "exhibitor_name": exhibitor.name,
            "proposed_times": proposed_times,
        },
    )
    return meeting.id


def announce(session, lead, contact, interaction, first_interaction):
    emit(
        session,
        LeadCaptured if first_interaction else LeadUpdated,
        {
            "lead_id": lead.id,
            "exhibitor_id": lead.exhibitor_id,
            "attendee": contact_dump(contact),
            "score": lead.score,
            "interaction": {
                "interaction_id": interaction.id,
                "kind": interaction.kind,
                "product_id": interaction.product_id,
                "message": interaction.message,
                "occurred_at": interaction.occurred_at,
            },
        },
    )


class LeadRpcs:
    """Mixin for ExpoService: interactions, leads and booth analytics."""

    @rpc
    def record_interaction(self, exhibitor_id, attendee_id, payload):
        """Record a visit, download or meeting request; it joins the attendee's lead
        with this exhibitor only if the attendee consented to share their contact."""
        attendee_id = load_args(AttendeeIdArgs, attendee_id=attendee_id)["attendee_id"]
        fields = load_or_invalid(InteractionInputSchema, payload)
        exhibitor = find_exhibitor(self.db, exhibitor_id)
        check_product(exhibitor, fields["product_id"])
        contact = find_contact(self.db, self.registration, attendee_id)
        now = utcnow()
        interaction = Interaction(
            exhibitor_id=exhibitor.id,
            kind=fields["kind"],
            product_id=fields["product_id"],
            occurred_at=now,
            day=now.date(),
            visitor_hash=visitor_hash(exhibitor.id, now.date(), attendee_id),
        )
        answer = {"kind": interaction.kind, "lead_id": None, "meeting_id": None}
        if not contact.share_with_exhibitors:
            self.db.add(interaction)  # an anonymous count: no person, no words
            self.db.flush()
            return {**answer, "interaction_id": interaction.id}

        lead, first_interaction = locked_lead(self.db, exhibitor.id, contact.attendee_id, now)
        interaction.attendee_id = contact.attendee_id
        interaction.lead_id = lead.id
        interaction.message = fields["message"]
        self.db.add(interaction)
        self.db.flush()
        lead.score = stored_score(self.db, lead.id)
        lead.updated_at = max(lead.updated_at, now)
        announce(self.db, lead, contact, interaction, first_interaction)
        answer.update(interaction_id=interaction.id, lead_id=lead.id)
        if interaction.kind == MEETING_REQUEST:
            answer["meeting_id"] = request_meeting(
                self.db, exhibitor, lead, interaction, fields["proposed_times"]
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
