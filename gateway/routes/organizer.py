"""Organizer tools over registrations: search, CSV export, cancellation, erasure,
ticket types and their capacity, statistics."""

from contracts.enums import BY_ORGANIZER, RESTRICTED_TICKET_TYPES
from contracts.rpc.registration import (
    AttendeeFiltersSchema,
    AttendeeSchema,
    StatsSchema,
    TicketCodeRequestSchema,
    TicketCodeSchema,
    TicketTypeChangeSchema,
    TicketTypeSchema,
)
from gateway.csv_export import csv_download
from gateway.http import api, created, read_json, read_query
from gateway.schemas import PageQuery, filters_from, page_of

REGISTRATION_CSV_COLUMNS = [
    "attendee_id",
    "email",
    "full_name",
    "organization",
    "job_title",
    "country",
    "ticket_type",
    "status",
    "share_with_exhibitors",
    "marketing",
    "registered_at",
    "cancelled_at",
]


class AttendeeQuery(PageQuery, AttendeeFiltersSchema):
    """The page arguments and the filters registration's list_attendees takes."""


class OrganizerRoutes:
    @api(
        "GET",
        "/v1/attendees",
        "Search registrations (JSON, or every match as CSV with Accept: text/csv)",
        "organizer",
        auth="organizer",
        query=AttendeeQuery,
        response=page_of(AttendeeSchema),
    )
    def list_attendees(self, request):
        self.require_organizer(request)
        query = read_query(request, AttendeeQuery)
        filters = filters_from(query, "q", "ticket_type", "status")
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
            return self.registrations_csv(filters)
        return self.registration.list_attendees(filters, query["limit"], query["cursor"])

    def registrations_csv(self, filters):
        return csv_download(
            "registrations.csv",
            REGISTRATION_CSV_COLUMNS,
            lambda limit, cursor: self.registration.list_attendees(filters, limit, cursor),
            registration_row,
        )

    @api(
        "POST",
        "/v1/registrations/<attendee_id>/cancellation",
        "Cancel an attendee's registration",
        "organizer",
        auth="organizer",
        response=AttendeeSchema,
        errors=[404],
    )
    def cancel_registration(self, request, attendee_id):
        self.require_organizer(request)
        cancelled = self.registration.cancel_registration(attendee_id, BY_ORGANIZER)
        self.reads.tokens.forget(attendee_id)
        return cancelled

    @api(
        "DELETE",
        "/v1/attendees/<attendee_id>",
        "Erase an attendee (GDPR), e.g. one whose cancelled registration can no longer log in",
        "organizer",
        auth="organizer",
        status=204,
        errors=[404],
    )
    def erase_attendee(self, request, attendee_id):
        self.require_organizer(request)
        self.registration.erase_attendee(attendee_id)
        self.reads.tokens.forget(attendee_id)
        return 204, None

    @api(
        "GET",
        "/v1/ticket-types",
        "Ticket types with their capacity and registration counts",
        "organizer",
        auth="organizer",
        response=TicketTypeSchema,
        many=True,
    )
    def ticket_types(self, request):
        self.require_organizer(request)
        return self.registration.ticket_types()

    @api(
        "PUT",
        "/v1/ticket-types/<ticket_type>",
        "Set a ticket type's capacity (null: no limit)",
        "organizer",
        auth="organizer",
        body=TicketTypeChangeSchema,
        response=TicketTypeSchema,
        errors=[422],
    )
    def set_ticket_capacity(self, request, ticket_type):
        self.require_organizer(request)
        payload = read_json(request, TicketTypeChangeSchema, self.max_body_bytes)
        return self.registration.set_ticket_capacity(ticket_type, payload["capacity"])

    @api(
        "POST",
        "/v1/ticket-types/<ticket_type>/codes",
        "Issue a code for a restricted ticket type (speaker, exhibitor_staff, complimentary); "
        "the code is shown once",
        "organizer",
        auth="organizer",
        body=TicketCodeRequestSchema,
        response=TicketCodeSchema,
        status=201,
        errors=[413, 422],
        path_schemas={"ticket_type": {"type": "string", "enum": list(RESTRICTED_TICKET_TYPES)}},
    )
    def issue_ticket_code(self, request, ticket_type):
        self.require_organizer(request)
        payload = read_json(request, TicketCodeRequestSchema, self.max_body_bytes)
        return created(self.registration.issue_ticket_code(ticket_type, payload))

    @api(
        "GET",
        "/v1/stats",
        "Registrations by day and ticket type",
        "organizer",
        auth="organizer",
        response=StatsSchema,
    )
    def stats(self, request):
        self.require_organizer(request)
        return self.registration.stats()


def registration_row(attendee):
    return [
        attendee["attendee_id"],
        attendee["email"],
        attendee["full_name"],
        attendee["organization"],
        attendee["job_title"],
        attendee["country"] or "",
        attendee["ticket_type"],
        attendee["status"],
        attendee["consent"]["share_with_exhibitors"],
        attendee["consent"]["marketing"],
        attendee["registered_at"],
        attendee["cancelled_at"] or "",
    ]
