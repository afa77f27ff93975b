"""Replicas claiming due webhook deliveries at the same moment, on real PostgreSQL: a
delivery is claimed by one of them, never by two (a second claim sends it twice)."""

import os
from datetime import timedelta

import eventlet
import pytest
from sqlalchemy.orm import Session

from plumbing.db import create_db_engine
from plumbing.events import utcnow
from services.notifications.models import PENDING, WebhookDelivery, WebhookEndpoint
from services.notifications.senders import claim_due_deliveries

pytestmark = pytest.mark.skipif(
    os.environ.get("PLENARY_TEST_DATABASE") == "sqlite", reason="SQLite has one writer"
)

ENDPOINTS, PER_ENDPOINT = 40, 25


def seed(session):
    now = utcnow()
    for e in range(ENDPOINTS):
        endpoint_id = f"ep-{e}"
        session.add(
            WebhookEndpoint(
                id=endpoint_id,
                exhibitor_id=f"exh-{e}",
                url="http://127.0.0.1:9/hook",
                events=["lead.captured"],
                secret="whsec_x",
                created_at=now,
            )
        )
        session.flush()
        session.add_all(
            WebhookDelivery(
                endpoint_id=endpoint_id,
                event_type="lead.captured",
                payload="{}",
                source_event_id=f"ev-{e}-{n}",
                status=PENDING,
                attempt_count=0,
                next_attempt_at=now - timedelta(seconds=n),
                created_at=now,
            )
            for n in range(PER_ENDPOINT)
        )
    session.commit()


def test_replicas_claiming_at_once_never_claim_a_delivery_twice(database_url):
    engine = create_db_engine(database_url("notifications"), pool_size=8)
    with Session(engine) as session:
        seed(session)
    claimed = []

    def replica():
        while True:
            with Session(engine) as session:
                due = claim_due_deliveries(session, 30, 3, set())
                for delivery in due:  # the lease, as _claim_and_send takes it
                    delivery.next_attempt_at = utcnow() + timedelta(seconds=60)
                claimed.extend(delivery.id for delivery in due)
                session.commit()
            if not due:
                return

    replicas = [eventlet.spawn(replica) for _ in range(6)]
    for thread in replicas:
        thread.wait()
    engine.dispose()
    assert len(claimed) == ENDPOINTS * PER_ENDPOINT
    assert len(set(claimed)) == len(claimed)
