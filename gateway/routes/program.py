from gateway.http import api, created, read_json, read_query
from gateway.schemas import SessionQuery, filters_from, page_of
from services.sessions.schemas import (
    AgendaEntrySchema,
    NewSessionSchema,
    SessionSchema,
    TrackSchema,
)


class ProgramRoutes:
    @api("GET", "/v1/tracks", "The program's tracks", "program", response=TrackSchema, many=True)
    def list_tracks(self, request):
        return self.sessions.list_tracks()

    @api(
        "GET",
        "/v1/sessions",
        "Browse the program",
        "program",
        query=SessionQuery,
        response=page_of(SessionSchema),
    )
    def list_sessions(self, request):
        query = read_query(request, SessionQuery)
        filters = filters_from(query, "track", "day", "q")
        return self.sessions.list_sessions(filters, query["limit"], query["cursor"])

    @api(
        "GET",
        "/v1/sessions/<session_id>",
        "One session",
        "program",
        response=SessionSchema,
        errors=[404],
    )
    def get_session(self, request, session_id):
        return self.sessions.get_session(session_id)

    @api(
        "POST",
        "/v1/sessions",
        "Schedule a session",
        "program",
        auth="organizer",
        body=NewSessionSchema,
        response=SessionSchema,
        status=201,
    )
    def create_session(self, request):
        self.require_organizer(request)
        payload = read_json(request, NewSessionSchema, self.max_body_bytes)
        return created(self.sessions.create_session(payload))

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
        "PUT",
        "/v1/me/agenda/<session_id>",
        "Add a session to my agenda",
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
