"""How a receiver's answer shapes the next attempt: Retry-After and 410 Gone."""

from datetime import timedelta
from email.utils import format_datetime

import pytest
import requests

from plumbing.events import utcnow
from services.notifications.webhooks import MAX_RETRY_AFTER_SECONDS, retry_after_seconds


def answer(status, retry_after=None):
    response = requests.Response()
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


@pytest.mark.parametrize(
    ("status", "header", "seconds"),
    [
        (429, "3", 3.0),
        (503, "120", 120.0),
        (503, "999999999", MAX_RETRY_AFTER_SECONDS),
        (429, None, None),
        (429, "soon", None),
        (500, "3", None),  # only 429 and 503 say when to come back
        (200, "3", None),
    ],
)
def test_retry_after_in_seconds(status, header, seconds):
    assert retry_after_seconds(answer(status, header)) == seconds


def test_retry_after_as_an_http_date():
    later = format_datetime(utcnow() + timedelta(seconds=60), usegmt=True)
    assert 55 <= retry_after_seconds(answer(503, later)) <= 60
