"""Exhibitors' webhook endpoints: register, list, delete, rotate the secret, ping,
and inspect or retry deliveries."""

from datetime import timedelta

from nameko.rpc import rpc
from sqlalchemy import delete, select

from contracts.errors import Conflict, NotFound
from contracts.rpc.notifications import (
    AttemptSchema,
    CreatedWebhookSchema,
    DeliveriesPageArgs,
    DeliveryArgs,
    DeliverySchema,
    ExhibitorArgs,
    RotatedSecretSchema,
    WebhookArgs,
    WebhookPayload,
    WebhookSchema,
)
from plumbing.config import flag
from plumbing.events import utcnow
from plumbing.pagination import creation_key, keyset_page, newest_first
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import new_id
from services.notifications import webhooks
from services.notifications.models import (
    PENDING,
    DeliveryAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


def dump_delivery(delivery, attempts):
    """A delivery with its attempts (the model has no relationship to them)."""
    return {
        **DeliverySchema(exclude=["attempts"]).dump(delivery),
        "attempts": AttemptSchema(many=True).dump(attempts),
    }


def find_endpoint(session, exhibitor_id, webhook_id, lock=False):
    args = load_args(WebhookArgs, exhibitor_id=exhibitor_id, webhook_id=webhook_id)
    endpoint = session.get(WebhookEndpoint, args["webhook_id"], with_for_update=lock)
    # another exhibitor's endpoint is as absent as a missing one
    if endpoint is None or endpoint.exhibitor_id != args["exhibitor_id"]:
        raise NotFound("No such webhook.")
    return endpoint


def enabled_endpoint(session, exhibitor_id, webhook_id):
    endpoint = find_endpoint(session, exhibitor_id, webhook_id)
    if endpoint.disabled_at is not None:
        raise Conflict("This endpoint is disabled; register it again to resume deliveries.")
    return endpoint


def attempts_by_delivery(session, delivery_ids):
    attempts = {}
    for attempt in session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id.in_(delivery_ids))
        .order_by(DeliveryAttempt.attempted_at, DeliveryAttempt.id)
    ):
        attempts.setdefault(attempt.delivery_id, []).append(attempt)
    return attempts


class WebhookEndpointRpcs:
    """Mixin: the webhook endpoint RPCs."""

    @rpc
    def create_webhook(self, exhibitor_id, payload):
        exhibitor_id = load_args(ExhibitorArgs, exhibitor_id=exhibitor_id)["exhibitor_id"]
        fields = load_or_invalid(WebhookPayload, payload)
        if not flag(self.config, "WEBHOOK_ALLOW_PRIVATE_URLS"):
            webhooks.refuse_private_url(fields["url"])
        endpoint = WebhookEndpoint(
            exhibitor_id=exhibitor_id,
            url=fields["url"],
            events=sorted(set(fields["events"])),
            contact_email=fields["contact_email"],
            secret=webhooks.new_secret(),
            created_at=utcnow(),
        )
        self.db.add(endpoint)
        self.db.flush()
        return CreatedWebhookSchema().dump(endpoint)

    @rpc
    def list_webhooks(self, exhibitor_id):
        exhibitor_id = load_args(ExhibitorArgs, exhibitor_id=exhibitor_id)["exhibitor_id"]
        endpoints = self.db.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.exhibitor_id == exhibitor_id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        ).all()
        return WebhookSchema(many=True).dump(endpoints)

    @rpc
    def delete_webhook(self, exhibitor_id, webhook_id):
        """Delete an endpoint with its deliveries and their attempts."""
        endpoint = find_endpoint(self.db, exhibitor_id, webhook_id)
        deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
        self.db.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(deliveries)))
        self.db.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
        self.db.delete(endpoint)

    @rpc
    def rotate_webhook_secret(self, exhibitor_id, webhook_id):
        """A new secret (shown once); the old one also signs until the overlap ends."""
        endpoint = find_endpoint(self.db, exhibitor_id, webhook_id, lock=True)
        overlap = float(self.config["WEBHOOK_SECRET_OVERLAP_SECONDS"])
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = utcnow() + timedelta(seconds=overlap)
        endpoint.secret = webhooks.new_secret()
        return RotatedSecretSchema().dump(endpoint)

    @rpc
    def ping_webhook(self, exhibitor_id, webhook_id):
        """Queue a ``webhook.ping`` delivery, whatever the endpoint subscribes to."""
        endpoint = enabled_endpoint(self.db, exhibitor_id, webhook_id)
        now = utcnow()
        delivery = WebhookDelivery(
            **webhooks.delivery_row(
                endpoint, "webhook.ping", {"webhook_id": endpoint.id}, now, f"ping:{new_id()}"
            )
        )
        self.db.add(delivery)
        self.db.flush()
        return dump_delivery(delivery, [])

    @rpc
    def retry_delivery(self, exhibitor_id, webhook_id, delivery_id):
        """Send a delivery again now (same webhook-id); one more attempt if it fails."""
        args = load_args(
            DeliveryArgs, exhibitor_id=exhibitor_id, webhook_id=webhook_id, delivery_id=delivery_id
        )
        endpoint = enabled_endpoint(self.db, args["exhibitor_id"], args["webhook_id"])
        delivery = self.db.get(WebhookDelivery, args["delivery_id"], with_for_update=True)
        if delivery is None or delivery.endpoint_id != endpoint.id:
            raise NotFound("No such delivery.")
        if delivery.status == PENDING:
            raise Conflict("This delivery is already waiting to be sent.")
        delivery.status, delivery.next_attempt_at = PENDING, utcnow()
        return DeliverySchema(exclude=["attempts"]).dump(delivery)

    @rpc
    def list_deliveries(self, exhibitor_id, webhook_id, limit=None, cursor=None):
        """An endpoint's deliveries, newest first, each with every attempt made."""
        args = load_args(
            DeliveriesPageArgs,
            exhibitor_id=exhibitor_id,
            webhook_id=webhook_id,
            limit=limit,
            cursor=cursor,
        )
        endpoint = find_endpoint(self.db, args["exhibitor_id"], args["webhook_id"])
        query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        rows = self.db.scalars(
            newest_first(query, WebhookDelivery, args["cursor"], args["limit"])
        ).all()
        attempts = attempts_by_delivery(self.db, [row.id for row in rows[: args["limit"]]])
        return keyset_page(
            rows,
            args["limit"],
            lambda delivery: dump_delivery(delivery, attempts.get(delivery.id, [])),
            creation_key,
        )
