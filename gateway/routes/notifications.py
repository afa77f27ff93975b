from gateway.http import api, created, read_json, read_query
from gateway.schemas import PageQuery, page_of
from services.notifications.schemas import (
    CreatedWebhookSchema,
    DeliverySchema,
    NotificationSchema,
    WebhookPayload,
    WebhookSchema,
)


class NotificationRoutes:
    @api(
        "GET",
        "/v1/me/notifications",
        "My notification feed, newest first",
        "notifications",
        auth="attendee",
        query=PageQuery,
        response=page_of(NotificationSchema),
    )
    def list_notifications(self, request):
        attendee = self.require_attendee(request)
        query = read_query(request, PageQuery)
        return self.notifications.list_notifications(
            attendee["attendee_id"], query["limit"], query["cursor"]
        )

    @api(
        "POST",
        "/v1/exhibitors/<exhibitor_id>/webhooks",
        "Register a webhook endpoint",
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
        "GET",
        "/v1/exhibitors/<exhibitor_id>/webhooks/<webhook_id>/deliveries",
        "Delivery attempts of a webhook endpoint",
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
