"""The event itself over HTTP: anyone reads it (the home page, calendar names), the
organizer writes it whole."""

from contracts.rpc.sessions import EventDetailsSchema, EventPayload
from gateway.http import api, read_json
from gateway.readmodel import KEPT_PROGRAM, PROGRAM


class EventRoutes:
    @api(
        "GET",
        "/v1/event",
        "The event: name, theme, days, time zone",
        "event",
        response=EventDetailsSchema,
        kept=KEPT_PROGRAM,
    )
    def get_event(self, request):
        return self.reads.answer(KEPT_PROGRAM, request, self.sessions.get_event)

    @api(
        "PUT",
        "/v1/event",
        "Describe the event (the whole of it; what is left out takes its default); "
        "a kickoff_day comes before the first of the conference_days",
        "event",
        auth="organizer",
        body=EventPayload,
        response=EventDetailsSchema,
    )
    def update_event(self, request):
        self.require_organizer(request)
        payload = read_json(request, EventPayload, self.max_body_bytes)
        event = self.sessions.update_event(payload)
        self.reads.changed(PROGRAM)
        return event
