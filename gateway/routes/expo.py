"""The exhibit hall: exhibitors and products (public, cacheable like the program),
attendees' interactions, and each exhibitor's own leads, meetings and booth analytics.
An exhibitor's API key reaches only that exhibitor's data."""

from contracts.rpc.expo import (
    BoothAnalyticsSchema,
    ExhibitorInputSchema,
    ExhibitorProfileSchema,
    ExhibitorSchema,
    InteractionInputSchema,
    LeadSchema,
    MeetingAnswerSchema,
    MeetingSchema,
    ProductChangeSchema,
    ProductInputSchema,
    ProductSchema,
)
from gateway.csv_export import csv_download
from gateway.http import api, created, read_json, read_query
from gateway.readmodel import HALL, KEPT_HALL
from gateway.schemas import (
    AnalyticsQuery,
    CreatedExhibitorSchema,
    ExhibitorQuery,
    InteractionResultSchema,
    LeadQuery,
    MeetingQuery,
    RotatedKeySchema,
    filters_from,
    page_of,
)

LEAD_CSV_COLUMNS = [
    "lead_id",
    "full_name",
    "email",
    "organization",
    "score",
    "interactions",
    "created_at",
    "updated_at",
]
LEAD_FILTERS = ("min_score", "since", "until")


class ExpoRoutes:
    # -- the hall (public) ----------------------------------------------------------

    @api(
        "GET",
        "/v1/exhibitors",
        "Browse the exhibit hall (tier order; q searches exhibitors and products)",
        "expo",
        query=ExhibitorQuery,
        response=page_of(ExhibitorSchema),
        kept=KEPT_HALL,
    )
    def list_exhibitors(self, request):
        def fetch():
            query = read_query(request, ExhibitorQuery)
            filters = filters_from(query, "q", "tier", "category")
            return self.expo.list_exhibitors(filters, query["limit"], query["cursor"])

        return self.reads.answer(KEPT_HALL, request, fetch)

    @api(
        "GET",
        "/v1/exhibitors/<exhibitor_id>",
        "One exhibitor with its products",
        "expo",
        response=ExhibitorSchema,
        errors=[404],
        kept=KEPT_HALL,
    )
    def get_exhibitor(self, request, exhibitor_id):
        return self.reads.answer(KEPT_HALL, request, lambda: self.expo.get_exhibitor(exhibitor_id))

    # -- exhibitors and their products -----------------------------------------------

    @api(
        "POST",
        "/v1/exhibitors",
        "Create an exhibitor (its API key is shown once)",
        "expo",
        auth="organizer",
        body=ExhibitorInputSchema,
        response=CreatedExhibitorSchema,
        status=201,
    )
    def create_exhibitor(self, request):
        self.require_organizer(request)
        payload = read_json(request, ExhibitorInputSchema, self.max_body_bytes)
        exhibitor = self.expo.create_exhibitor(payload)
        self.reads.changed(HALL)
        return created(exhibitor)

    @api(
        "PATCH",
        "/v1/exhibitors/<exhibitor_id>",
        "Change my booth's profile (tier and booth are the organizer's)",
        "expo",
        auth="exhibitor",
        body=ExhibitorProfileSchema,
        response=ExhibitorSchema,
    )
    def update_exhibitor(self, request, exhibitor_id):
        self.require_exhibitor(request, exhibitor_id)
        payload = read_json(request, ExhibitorProfileSchema, self.max_body_bytes)
        exhibitor = self.expo.update_exhibitor(exhibitor_id, payload)
        self.reads.changed(HALL)
        return exhibitor

    @api(
        "POST",
        "/v1/exhibitors/<exhibitor_id>/api-key",
        "Rotate the API key (the exhibitor, or the organizer token); shown once",
        "expo",
        auth="exhibitor",
        response=RotatedKeySchema,
        errors=[404],
    )
    def rotate_api_key(self, request, exhibitor_id):
        self.require_exhibitor_or_organizer(request, exhibitor_id)
        return self.expo.rotate_api_key(exhibitor_id)

    @api(
        "POST",
        "/v1/exhibitors/<exhibitor_id>/products",
        "Add a product to my booth",
        "expo",
        auth="exhibitor",
        body=ProductInputSchema,
        response=ProductSchema,
        status=201,
        errors=[409],
    )
    def add_product(self, request, exhibitor_id):
        self.require_exhibitor(request, exhibitor_id)
        payload = read_json(request, ProductInputSchema, self.max_body_bytes)
        product = self.expo.add_product(exhibitor_id, payload)
        self.reads.changed(HALL)
        return created(product)

    @api(
        "PATCH",
        "/v1/exhibitors/<exhibitor_id>/products/<product_id>",
        "Change one of my products",
        "expo",
        auth="exhibitor",
        body=ProductChangeSchema,
        response=ProductSchema,
        errors=[404],
    )
    def update_product(self, request, exhibitor_id, product_id):
        self.require_exhibitor(request, exhibitor_id)
        payload = read_json(request, ProductChangeSchema, self.max_body_bytes)
        product = self.expo.update_product(exhibitor_id, product_id, payload)
        self.reads.changed(HALL)
        return product

    @api(
        "DELETE",
        "/v1/exhibitors/<exhibitor_id>/products/<product_id>",
        "Take one of my products off the booth",
        "expo",
        auth="exhibitor",
        status=204,
        errors=[404],
    )
    def remove_product(self, request, exhibitor_id, product_id):
        self.require_exhibitor(request, exhibitor_id)
        self.expo.remove_product(exhibitor_id, product_id)
        self.reads.changed(HALL)
        return 204, None

    # -- attendees at the booth ------------------------------------------------------

    @api(
        "POST",
        "/v1/exhibitors/<exhibitor_id>/interactions",
        "Visit a booth, download a resource or request a meeting (404 for a product_id "
        "that is not one of the booth's)",
        "expo",
        auth="attendee",
        body=InteractionInputSchema,
        response=InteractionResultSchema,
        status=201,
        errors=[404],
    )
    def record_interaction(self, request, exhibitor_id):
        attendee = self.require_attendee(request)
        payload = read_json(request, InteractionInputSchema, self.max_body_bytes)
        return created(self.expo.record_interaction(exhibitor_id, attendee["attendee_id"], payload))

    # -- the exhibitor's own data ----------------------------------------------------

    @api(
        "GET",
        "/v1/exhibitors/<exhibitor_id>/leads",
        "My leads (JSON, or CSV with Accept: text/csv), by score and capture time",
        "leads",
        auth="exhibitor",
        query=LeadQuery,
        response=page_of(LeadSchema),
    )
    def list_leads(self, request, exhibitor_id):
        self.require_exhibitor(request, exhibitor_id)
        query = read_query(request, LeadQuery)
        filters = filters_from(query, *LEAD_FILTERS)
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
            return self.leads_csv(exhibitor_id, filters)
        return self.expo.list_leads(exhibitor_id, query["limit"], query["cursor"], filters)

    def leads_csv(self, exhibitor_id, filters):
        return csv_download(
            f"leads-{exhibitor_id}.csv",
            LEAD_CSV_COLUMNS,
            lambda limit, cursor: self.expo.list_leads(exhibitor_id, limit, cursor, filters),
            lead_row,
        )

    @api(
        "GET",
        "/v1/exhibitors/<exhibitor_id>/analytics",
        "My booth per UTC day: visits, unique visitors, downloads, meetings, leads",
        "leads",
        auth="exhibitor",
        query=AnalyticsQuery,
        response=BoothAnalyticsSchema,
    )
    def booth_analytics(self, request, exhibitor_id):
        self.require_exhibitor(request, exhibitor_id)
        query = read_query(request, AnalyticsQuery)
        return self.expo.booth_analytics(exhibitor_id, query["start"], query["end"])

    @api(
        "GET",
        "/v1/exhibitors/<exhibitor_id>/meetings",
        "Meeting requests to my booth, newest first",
        "leads",
        auth="exhibitor",
        query=MeetingQuery,
        response=page_of(MeetingSchema),
    )
    def list_meetings(self, request, exhibitor_id):
        self.require_exhibitor(request, exhibitor_id)
        query = read_query(request, MeetingQuery)
        filters = filters_from(query, "status")
        return self.expo.list_meetings(exhibitor_id, query["limit"], query["cursor"], filters)

    @api(
        "POST",
        "/v1/exhibitors/<exhibitor_id>/meetings/<meeting_id>/answer",
        "Accept (at a proposed time) or decline a meeting request",
        "leads",
        auth="exhibitor",
        body=MeetingAnswerSchema,
        response=MeetingSchema,
        errors=[404, 409],
    )
    def answer_meeting(self, request, exhibitor_id, meeting_id):
        self.require_exhibitor(request, exhibitor_id)
        payload = read_json(request, MeetingAnswerSchema, self.max_body_bytes)
        return self.expo.answer_meeting(exhibitor_id, meeting_id, payload)


def lead_row(lead):
    attendee = lead["attendee"]
    return [
        lead["id"],
        attendee["full_name"],
        attendee["email"],
        attendee["organization"],
        lead["score"],
        len(lead["interactions"]),
        lead["created_at"],
        lead["updated_at"],
    ]
