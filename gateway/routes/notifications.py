from marshmallow import Schema, ValidationError, validate
from werkzeug.wrappers import Response

from contracts.rpc.notifications import (
    AnnouncementPayload,
    AnnouncementSchema,
    CreatedWebhookSchema,
    DeliverySchema,
    NotificationsPageSchema,
    PreferencesPayload,
    PreferencesSchema,
    RotatedSecretSchema,
    UnreadSchema,
    WebhookPayload,
    WebhookSchema,
)
from gateway.http import api, created, read_json, read_query
from gateway.problems import invalid
from gateway.schemas import PageQuery, page_of
from gateway.tickets import StreamTicketSchema
from plumbing.fields import MAX_ID_LENGTH, Text

MAX_STREAM_SESSIONS = 20


def session_ids(value):
    ids = value.split(",")
    if len(ids) > MAX_STREAM_SESSIONS or not all(0 < len(i) <= MAX_ID_LENGTH for i in ids):
        raise ValidationError(
            f"Up to {MAX_STREAM_SESSIONS} comma-separated session ids, none empty."
        )


class StreamQuery(Schema):
    sessions = Text(
        validate=[validate.Length(max=MAX_STREAM_SESSIONS * (MAX_ID_LENGTH + 1)), session_ids],
        metadata={"description": "comma-separated session ids whose chat to receive"},
    )
    ticket = Text(
        validate=validate.Length(max=1024),
        metadata={
            "description": "a ticket from POST /v1/me/notifications/stream-ticket, "
            "instead of the Authorization header (for EventSource)"
        },
    )
    last_event_id = Text(
        validate=validate.Length(max=MAX_ID_LENGTH),
        metadata={"description": "as the Last-Event-ID header (the header wins)"},
    )


class NotificationRoutes:
    # -- attendees: the feed ---------------------------------------------------------

    @api(
        "GET",
        "/v1/me/notifications",
        "My notification feed, newest first, with my unread count",
        "notifications",
        auth="attendee",
        query=PageQuery,
        response=NotificationsPageSchema,
    )
    def list_notifications(self, request):
        attendee = self.require_attendee(request)
        query = read_query(request, PageQuery)
        return self.notifications.list_notifications(
            attendee["attendee_id"], query["limit"], query["cursor"]
        )

    @api(
        "POST",
        "/v1/me/notifications/<notification_id>/read",
        "Mark one notification read",
        "notifications",
        auth="attendee",
        response=UnreadSchema,
        errors=[404],
    )
    def mark_notification_read(self, request, notification_id):
        attendee = self.require_attendee(request)
        return self.notifications.mark_read(attendee["attendee_id"], notification_id)

    @api(
        "POST",
        "/v1/me/notifications/read",
        "Mark my whole feed read",
        "notifications",
        auth="attendee",
        response=UnreadSchema,
    )
    def mark_all_notifications_read(self, request):
        attendee = self.require_attendee(request)
        return self.notifications.mark_all_read(attendee["attendee_id"])

    @api(
        "GET",
        "/v1/me/notifications/preferences",
        "Which notifications reach me by which channel",
        "notifications",
        auth="attendee",
        response=PreferencesSchema,
    )
    def get_notification_preferences(self, request):
        attendee = self.require_attendee(request)
        return self.notifications.get_preferences(attendee["attendee_id"])

    @api(
        "PUT",
        "/v1/me/notifications/preferences",
        "Change my notification preferences (what is left out stays as it is)",
        "notifications",
        auth="attendee",
        body=PreferencesPayload,
        response=PreferencesSchema,
    )
    def update_notification_preferences(self, request):
        attendee = self.require_attendee(request)
        payload = read_json(request, PreferencesPayload, self.max_body_bytes)
        return self.notifications.update_preferences(attendee["attendee_id"], payload)

    @api(
        "POST",
        "/v1/me/notifications/stream-ticket",
        "A single-use ticket (60 s) to open my live stream with ?ticket= (EventSource "
        "cannot send the Authorization header)",
        "notifications",
        auth="attendee",
        response=StreamTicketSchema,
        status=201,
    )
    def create_stream_ticket(self, request):
        attendee = self.require_attendee(request)
        return created(self.stream_tickets.issue(attendee["attendee_id"]))

    @api(
        "GET",
        "/v1/me/notifications/stream",
        "My notifications live (server-sent events; resumes after Last-Event-ID), and "
        "the chat of the sessions named in ?sessions=",
        "notifications",
        auth="attendee",
        query=StreamQuery,
        errors=[503],
    )
    def notification_stream(self, request):
        query = read_query(request, StreamQuery)
        if query.get("ticket"):
            attendee_id = self.stream_tickets.redeem(query["ticket"])
        else:
            attendee_id = self.require_attendee(request)["attendee_id"]
        last_event_id = request.headers.get("Last-Event-ID", "").strip()
        if len(last_event_id) > MAX_ID_LENGTH:
            raise invalid({"Last-Event-ID": ["Not an event id of this stream."]})
        last_event_id = last_event_id or query.get("last_event_id", "").strip()
        sessions = query["sessions"].split(",") if query.get("sessions") else []
        stream = self.live.open(attendee_id, sessions)
        try:
            backlog = (
                self.notifications.feed_since(attendee_id, last_event_id) if last_event_id else []
            )
        except BaseException:
            self.live.close(stream)
            raise
        # eventlet's WSGI server would hold back writes until 4 KiB have piled up
        request.environ["eventlet.minimum_write_chunk_size"] = 0
        return Response(
            self.live.body(stream, backlog),
            content_type="text/event-stream; charset=utf-8",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    # -- organizers ------------------------------------------------------------------

    @api(
        "POST",
        "/v1/announcements",
        "Announce something to every attendee (feed, and email as each prefers)",
        "notifications",
        auth="organizer",
        body=AnnouncementPayload,
        response=AnnouncementSchema,
        status=201,
    )
    def announce(self, request):
        self.require_organizer(request)
        payload = read_json(request, AnnouncementPayload, self.max_body_bytes)
        return created(self.notifications.announce(payload))

    # -- exhibitors: webhooks --------------------------------------------------------

    @api(
        "POST",
        "/v1/exhibitors/<exhibitor_id>/webhooks",
        "Register a webhook endpoint (its secret is shown once)",
        "webhooks",
        auth="exhibitor",
        body=WebhookPayload,
        response=CreatedWebhookSchema,
        status=201,
    )
    def create_webhook(self, request, exhibitor_id):
        self.require_exhibitor(request, exhibitor_id)
        payload = read_json(request, WebhookPayload, self.max_body_bytes)
        return created(self.notifications.create_webhook(exhibitor_id, payload))

    @api(
        "GET",
        "/v1/exhibitors/<exhibitor_id>/webhooks",
        "My webhook endpoints",
        "webhooks",
        auth="exhibitor",
        response=WebhookSchema,
        many=True,
    )
    def list_webhooks(self, request, exhibitor_id):
        self.require_exhibitor(request, exhibitor_id)
        return self.notifications.list_webhooks(exhibitor_id)

    @api(
        "DELETE",
        "/v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>",
        "Remove a webhook endpoint",
        "webhooks",
        auth="exhibitor",
        status=204,
        errors=[404],
    )
    def delete_webhook(self, request, exhibitor_id, webhook_id):
        self.require_exhibitor(request, exhibitor_id)
        self.notifications.delete_webhook(exhibitor_id, webhook_id)
        return 204, None

    @api(
        "POST",
        "/v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/secret",
        "Rotate the signing secret (the new one is shown once; the old one keeps "
        "signing alongside it for WEBHOOK_SECRET_OVERLAP_SECONDS)",
        "webhooks",
        auth="exhibitor",
        response=RotatedSecretSchema,
        errors=[404],
    )
    def rotate_webhook_secret(self, request, exhibitor_id, webhook_id):
        self.require_exhibitor(request, exhibitor_id)
        return self.notifications.rotate_webhook_secret(exhibitor_id, webhook_id)

    @api(
        "POST",
        "/v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/ping",
        "Send a webhook.ping delivery to the endpoint",
        "webhooks",
        auth="exhibitor",
        response=DeliverySchema,
        status=202,
        errors=[404, 409],
    )
    def ping_webhook(self, request, exhibitor_id, webhook_id):
        self.require_exhibitor(request, exhibitor_id)
        return 202, self.notifications.ping_webhook(exhibitor_id, webhook_id)

    @api(
        "GET",
        "/v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/deliveries",
        "Deliveries of a webhook endpoint with every attempt",
        "webhooks",
        auth="exhibitor",
        query=PageQuery,
        response=page_of(DeliverySchema),
        errors=[404],
    )
    def list_deliveries(self, request, exhibitor_id, webhook_id):
        self.require_exhibitor(request, exhibitor_id)
        query = read_query(request, PageQuery)
        return self.notifications.list_deliveries(
            exhibitor_id, webhook_id, query["limit"], query["cursor"]
        )

    @api(
        "POST",
        "/v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/deliveries/<delivery_id>/retry",
        "Replay a delivery now, with the same webhook-id",
        "webhooks",
        auth="exhibitor",
        response=DeliverySchema,
        status=202,
        errors=[404, 409],
    )
    def retry_delivery(self, request, exhibitor_id, webhook_id, delivery_id):
        self.require_exhibitor(request, exhibitor_id)
        return 202, self.notifications.retry_delivery(exhibitor_id, webhook_id, delivery_id)
