import csv
import io

from werkzeug.wrappers import Response

from gateway.http import api, created, read_json, read_query
from gateway.schemas import (
    CreatedExhibitorSchema,
    ExhibitorQuery,
    InteractionResultSchema,
    PageQuery,
    filters_from,
    page_of,
)
from services.expo.schemas import (
    ExhibitorInputSchema,
    ExhibitorSchema,
    InteractionInputSchema,
    LeadSchema,
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


class ExpoRoutes:
    @api(
        "GET",
        "/v1/exhibitors",
        "Browse the exhibit hall",
        "expo",
        query=ExhibitorQuery,
        response=page_of(ExhibitorSchema),
    )
    def list_exhibitors(self, request):
        query = read_query(request, ExhibitorQuery)
        filters = filters_from(query, "q", "tier")
        return self.expo.list_exhibitors(filters, query["limit"], query["cursor"])

    @api(
        "GET",
        "/v1/exhibitors/<exhibitor_id>",
        "One exhibitor with its products",
        "expo",
        response=ExhibitorSchema,
        errors=[404],
    )
    def get_exhibitor(self, request, exhibitor_id):
        return self.expo.get_exhibitor(exhibitor_id)

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
        return created(self.expo.create_exhibitor(payload))

    @api(
        "POST",
        "/v1/exhibitors/<exhibitor_id>/interactions",
        "Visit a booth, download a resource or request a meeting",
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

    @api(
        "GET",
        "/v1/exhibitors/<exhibitor_id>/leads",
        "My leads (JSON, or CSV with Accept: text/csv)",
        "leads",
        auth="exhibitor",
        query=PageQuery,
        response=page_of(LeadSchema),
    )
    def list_leads(self, request, exhibitor_id):
        self.require_exhibitor(request, exhibitor_id)
        query = read_query(request, PageQuery)
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
            return self.leads_csv(exhibitor_id)
        return self.expo.list_leads(exhibitor_id, query["limit"], query["cursor"])

    def leads_csv(self, exhibitor_id):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(LEAD_CSV_COLUMNS)
        cursor = None
        while True:
            page = self.expo.list_leads(exhibitor_id, 200, cursor)
            for lead in page["items"]:
                writer.writerow([spreadsheet_safe(value) for value in lead_row(lead)])
            cursor = page["next_cursor"]
            if not cursor:
                break
        return Response(
            buffer.getvalue(),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="leads-{exhibitor_id}.csv"'},
        )


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


def spreadsheet_safe(value):
    """Defuse CSV formula injection: a cell a spreadsheet would evaluate is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
