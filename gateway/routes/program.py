"""The program, agendas, joining, chat and Q&A: the sessions service over HTTP.

The public program (tracks, sessions, the iCalendar feed) answers with an ETag and
``Cache-Control: public`` so browsers and CDNs cache it and revalidate with
``If-None-Match`` (304).  Moderating a session's chat is for the organizer token and
for attendees whose email, proven by a login code, is one of the session's speakers'.
"""

import logging

from marshmallow import fields, validate

from contracts.enums import MESSAGE_KINDS
from contracts.errors import Unavailable
from contracts.rpc.sessions import (
    ORGANIZER,
    AgendaEntrySchema,
    AttendanceReportSchema,
    CancellationSchema,
    JoinSchema,
    MessageChangesSchema,
    MessageSchema,
    NewMessageSchema,
    NewSessionSchema,
    NewTrackSchema,
    OrganizerSessionSchema,
    SessionChangesSchema,
    SessionSchema,
    TrackSchema,
)
from gateway.auth import bearer_token
from gateway.calendars import merge_calendars
from gateway.http import api, cacheable, created, read_json, read_query
from gateway.readmodel import KEPT_PROGRAM, PROGRAM
from gateway.schemas import PageQuery, SessionQuery, filters_from, page_of

CALENDAR = "text/calendar; charset=utf-8"

log = logging.getLogger(__name__)


class MessageQuery(PageQuery):
    kind = fields.String(validate=validate.OneOf(MESSAGE_KINDS))


def acting_attendee(attendee):
    """What the sessions service needs of an authenticated attendee (whether the email
    is proven decides whether it gives a speaker's moderation rights)."""
    keys = ("attendee_id", "full_name", "email", "email_verified_at")
    return {key: attendee.get(key) for key in keys}


class ProgramRoutes:
    @property
    def program_cache_seconds(self):
        return int(self.config["PROGRAM_CACHE_SECONDS"])

    def viewer(self, request):
        """The organizer (by token) or else the authenticated attendee."""
        if self.is_organizer(bearer_token(request)):
            return ORGANIZER
        return acting_attendee(self.require_attendee(request))

    # -- the program ---------------------------------------------------------------

    @api(
        "GET",
        "/v1/tracks",
        "The program's tracks",
        "program",
        response=TrackSchema,
        many=True,
        kept=KEPT_PROGRAM,
    )
    def list_tracks(self, request):
        return self.reads.answer(KEPT_PROGRAM, request, self.sessions.list_tracks)

    @api(
        "POST",
        "/v1/tracks",
        "Add a track",
        "program",
        auth="organizer",
        body=NewTrackSchema,
        response=TrackSchema,
        status=201,
        errors=[409],
    )
    def create_track(self, request):
        self.require_organizer(request)
        payload = read_json(request, NewTrackSchema, self.max_body_bytes)
        track = self.sessions.create_track(payload)
        self.reads.changed(PROGRAM)
        return created(track)

    @api(
        "GET",
        "/v1/sessions",
        "Browse the program (day is a date in the zone tz, UTC by default)",
        "program",
        query=SessionQuery,
        response=page_of(SessionSchema),
        kept=KEPT_PROGRAM,
    )
    def list_sessions(self, request):
        def fetch():
            query = read_query(request, SessionQuery)
            filters = filters_from(query, "track", "day", "tz", "kind", "speaker", "q")
            return self.sessions.list_sessions(filters, query["limit"], query["cursor"])

        return self.reads.answer(KEPT_PROGRAM, request, fetch)

    @api("GET", "/v1/sessions.ics", "The whole program as iCalendar", "program", kept=KEPT_PROGRAM)
    def program_ics(self, request):
        return self.reads.answer(KEPT_PROGRAM, request, self.sessions.program_ics, CALENDAR)

    @api(
        "GET",
        "/v1/sessions/<session_id>",
        "One session",
        "program",
        response=SessionSchema,
        errors=[404],
        kept=KEPT_PROGRAM,
    )
    def get_session(self, request, session_id):
        return self.reads.answer(
            KEPT_PROGRAM,
            request,
            lambda: self.sessions.get_session(session_id),
        )

    @api(
        "POST",
        "/v1/sessions",
        "Schedule a session",
        "program",
        auth="organizer",
        body=NewSessionSchema,
        response=OrganizerSessionSchema,
        status=201,
    )
    def create_session(self, request):
        self.require_organizer(request)
        payload = read_json(request, NewSessionSchema, self.max_body_bytes)
        session = self.sessions.create_session(payload)
        self.reads.changed(PROGRAM)
        return created(session)

    @api(
        "PATCH",
        "/v1/sessions/<session_id>",
        "Change a session (agenda holders are told when it moves)",
        "program",
        auth="organizer",
        body=SessionChangesSchema,
        response=OrganizerSessionSchema,
        errors=[404, 409],
    )
    def update_session(self, request, session_id):
        self.require_organizer(request)
        payload = read_json(request, SessionChangesSchema, self.max_body_bytes)
        session = self.sessions.update_session(session_id, payload)
        self.reads.changed(PROGRAM)
        return session

    @api(
        "DELETE",
        "/v1/sessions/<session_id>",
        "Cancel a session (it stays in the program, cancelled)",
        "program",
        auth="organizer",
        query=CancellationSchema,
        response=OrganizerSessionSchema,
        errors=[404, 409],
    )
    def cancel_session(self, request, session_id):
        self.require_organizer(request)
        query = read_query(request, CancellationSchema)
        session = self.sessions.cancel_session(session_id, query)
        self.reads.changed(PROGRAM)
        return session

    # -- agendas -------------------------------------------------------------------

    @api(
        "GET",
        "/v1/me/agenda",
        "My agenda",
        "agenda",
        auth="attendee",
        response=SessionSchema,
        many=True,
    )
    def get_agenda(self, request):
        attendee = self.require_attendee(request)
        return self.sessions.get_agenda(attendee["attendee_id"])

    @api(
        "GET",
        "/v1/me/agenda.ics",
        "My agenda as iCalendar: my sessions and my accepted meetings with attendees",
        "agenda",
        auth="attendee",
    )
    def agenda_ics(self, request):
        attendee_id = self.require_attendee(request)["attendee_id"]
        feed = self.sessions.agenda_ics(attendee_id)
        try:
            feed = merge_calendars(feed, self.networking.meetings_ics(attendee_id))
        except Unavailable:
            # the sessions stay subscribable; calendars re-fetch, and meetings come back
            log.warning("networking is unavailable: agenda.ics without meetings")
        return cacheable(request, feed, 0, CALENDAR, private=True)

    @api(
        "PUT",
        "/v1/me/agenda/<session_id>",
        "Add a session to my agenda (overlaps lists sessions at the same time)",
        "agenda",
        auth="attendee",
        response=AgendaEntrySchema,
        errors=[404, 409],
    )
    def add_to_agenda(self, request, session_id):
        attendee = self.require_attendee(request)
        return self.sessions.add_to_agenda(attendee["attendee_id"], session_id)

    @api(
        "DELETE",
        "/v1/me/agenda/<session_id>",
        "Remove a session from my agenda",
        "agenda",
        auth="attendee",
        status=204,
    )
    def remove_from_agenda(self, request, session_id):
        attendee = self.require_attendee(request)
        self.sessions.remove_from_agenda(attendee["attendee_id"], session_id)
        return 204, None

    # -- joining and attendance ----------------------------------------------------

    @api(
        "POST",
        "/v1/sessions/<session_id>/join",
        "Join a session (and repeat within heartbeat_seconds to stay counted)",
        "live",
        auth="attendee",
        response=JoinSchema,
        errors=[404, 409],
    )
    def join_session(self, request, session_id):
        attendee = acting_attendee(self.require_attendee(request))
        return self.sessions.join_session(session_id, attendee)

    @api(
        "POST",
        "/v1/sessions/<session_id>/leave",
        "Leave a session",
        "live",
        auth="attendee",
        status=204,
        errors=[422],
    )
    def leave_session(self, request, session_id):
        attendee = self.require_attendee(request)
        self.sessions.leave_session(session_id, attendee["attendee_id"])
        return 204, None

    @api(
        "GET",
        "/v1/sessions/<session_id>/attendance",
        "Minutes attended per attendee (continuing-education credit)",
        "live",
        auth="organizer",
        query=PageQuery,
        response=AttendanceReportSchema,
        errors=[404],
    )
    def attendance_report(self, request, session_id):
        self.require_organizer(request)
        query = read_query(request, PageQuery)
        return self.sessions.attendance_report(session_id, query["limit"], query["cursor"])

    # -- chat and Q&A ----------------------------------------------------------------

    @api(
        "GET",
        "/v1/sessions/<session_id>/messages",
        "Chat and questions, newest first (moderators also see hidden ones)",
        "live",
        auth="attendee",
        query=MessageQuery,
        response=page_of(MessageSchema),
        errors=[404],
    )
    def list_messages(self, request, session_id):
        viewer = self.viewer(request)
        query = read_query(request, MessageQuery)
        return self.sessions.list_messages(
            session_id, viewer, query.get("kind"), query["limit"], query["cursor"]
        )

    @api(
        "POST",
        "/v1/sessions/<session_id>/messages",
        "Post a chat message or a question",
        "live",
        auth="attendee",
        body=NewMessageSchema,
        response=MessageSchema,
        status=201,
        errors=[404, 409],
    )
    def post_message(self, request, session_id):
        attendee = acting_attendee(self.require_attendee(request))
        payload = read_json(request, NewMessageSchema, self.max_body_bytes)
        return created(self.sessions.post_message(session_id, attendee, payload))

    @api(
        "PATCH",
        "/v1/sessions/<session_id>/messages/<message_id>",
        "Mark a question answered or hide a message (speakers and organizers)",
        "live",
        auth="attendee",
        body=MessageChangesSchema,
        response=MessageSchema,
        errors=[404],
    )
    def moderate_message(self, request, session_id, message_id):
        viewer = self.viewer(request)
        changes = read_json(request, MessageChangesSchema, self.max_body_bytes)
        return self.sessions.moderate_message(session_id, message_id, viewer, changes)

    @api(
        "POST",
        "/v1/sessions/<session_id>/messages/<message_id>/upvote",
        "Upvote a question (once per attendee)",
        "live",
        auth="attendee",
        response=MessageSchema,
        errors=[404, 409],
    )
    def upvote_question(self, request, session_id, message_id):
        attendee = self.require_attendee(request)
        return self.sessions.upvote_question(session_id, message_id, attendee["attendee_id"])
