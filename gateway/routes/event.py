"""The event itself over HTTP: anyone reads it (the home page, calendar names), the
organizer writes it whole."""

from contracts.rpc.sessions import EventDetailsSchema, EventPayload
from gateway.http import api, cacheable, read_json


class EventRoutes:
    @api(
        "GET",
        "/v1/event",
        "The event: name, theme, days, time zone",
        "event",
        response=EventDetailsSchema,
    )
    def get_event(self, request):
        return cacheable(request, self.sessions.get_event(), self.program_cache_seconds)

    @api(
        "PUT",
        "/v1/event",
        "Describe the event (the whole of it; what is left out takes its default)",
        "event",
        auth="organizer",
        body=EventPayload,
        response=EventDetailsSchema,
    )
    def update_event(self, request):
        self.require_organizer(request)
        payload = read_json(request, EventPayload, self.max_body_bytes)
        return self.sessions.update_event(payload)
