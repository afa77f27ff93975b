"""Meetings: an exhibitor's meeting requests and its answers to them."""

from datetime import datetime

from nameko.rpc import rpc
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contracts.enums import MEETING_PENDING
from contracts.errors import Conflict, Invalid, NotFound
from contracts.events.expo import MeetingAnswered
from contracts.rpc.expo import (
    MeetingAnswerSchema,
    MeetingFiltersSchema,
    MeetingIdArgs,
    MeetingSchema,
    load_filters,
)
from plumbing.events import utcnow
from plumbing.outbox import emit
from plumbing.pagination import NewestFirstPageArgs, creation_key, keyset_page, newest_first
from plumbing.schemas import load_args, load_or_invalid
from services.expo.exhibitors import find_exhibitor
from services.expo.models import Meeting


class MeetingRpcs:
    """Mixin for ExpoService: an exhibitor's meeting requests and its answers."""

    @rpc
    def list_meetings(self, exhibitor_id, limit=50, cursor=None, filters=None):
        """This exhibitor's meeting requests, newest first; filter ``status``."""
        exhibitor = find_exhibitor(self.db, exhibitor_id)
        page = load_args(NewestFirstPageArgs, limit=limit, cursor=cursor)
        filters = load_filters(MeetingFiltersSchema, filters)
        query = select(Meeting).where(
            Meeting.exhibitor_id == exhibitor.id, Meeting.attendee_id.is_not(None)
        )
        if filters["status"]:
            query = query.where(Meeting.status == filters["status"])
        query = newest_first(
            query.options(selectinload(Meeting.contact)), Meeting, page["cursor"], page["limit"]
        )
        return keyset_page(
            self.db.scalars(query).all(), page["limit"], MeetingSchema().dump, creation_key
        )

    @rpc
    def answer_meeting(self, exhibitor_id, meeting_id, payload):
        """Accept (at one of the proposed times) or decline a pending meeting request."""
        fields = load_or_invalid(MeetingAnswerSchema, payload)
        exhibitor = find_exhibitor(self.db, exhibitor_id)
        meeting_id = load_args(MeetingIdArgs, meeting_id=meeting_id)["meeting_id"]
        meeting = self.db.scalars(
            select(Meeting)
            .where(
                Meeting.id == meeting_id,
                Meeting.exhibitor_id == exhibitor.id,
                Meeting.attendee_id.is_not(None),
            )
            .with_for_update()
        ).one_or_none()
        if meeting is None:
            raise NotFound("No such meeting request.")
        if meeting.status != MEETING_PENDING:
            raise Conflict(f"This meeting request was already {meeting.status}.")
        accepted_time = fields["accepted_time"]
        proposed = {datetime_key(time) for time in meeting.proposed_times}
        if accepted_time is not None and proposed and datetime_key(accepted_time) not in proposed:
            raise Invalid(
                "Accept one of the proposed times.",
                {"accepted_time": ["Not one of the proposed times."]},
            )
        meeting.status = fields["status"]
        meeting.accepted_time = accepted_time
        meeting.answer = fields["message"]
        meeting.answered_at = utcnow()
        self.db.flush()
        emit(
            self.db,
            MeetingAnswered,
            {
                "meeting_id": meeting.id,
                "exhibitor_id": exhibitor.id,
                "exhibitor_name": exhibitor.name,
                "attendee_id": meeting.attendee_id,
                "status": meeting.status,
                "accepted_time": accepted_time,
                "message": meeting.answer,
                "answered_at": meeting.answered_at,
            },
        )
        return MeetingSchema().dump(meeting)


def datetime_key(value):
    """A moment comparable whatever its offset or format (datetime or ISO string)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.timestamp()
