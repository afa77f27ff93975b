"""Single-line text is clean at the door (issue 12, defect 1): every single-line field
of every body refuses line breaks, control and format characters with a 422 naming the
field, so nothing hostile reaches an email header later."""

import importlib
import inspect
import pkgutil

import pytest
from marshmallow import Schema

import contracts.rpc
import gateway.schemas
from plumbing.fields import Id, MultiLine, SingleLine, Text, Url
from services.expo.models import Exhibitor
from services.notifications.models import Notification, OutgoingEmail
from services.registration.models import Attendee
from tests.conftest import ORGANIZER_TOKEN

# text fields checked otherwise: a pattern, a list of names, an address, an opaque cursor
CHECKED_OTHERWISE = {"country", "time_zone", "tz", "email", "cursor", "sessions"}


def input_schemas():
    modules = [
        importlib.import_module(f"contracts.rpc.{info.name}")
        for info in pkgutil.iter_modules(contracts.rpc.__path__)
    ]
    for module in [*modules, gateway.schemas]:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == module.__name__:
                yield cls


def test_every_text_field_people_type_is_single_or_multi_line():
    loose = []
    for schema_cls in input_schemas():
        for name, field in schema_cls().fields.items():
            if field.dump_only or not isinstance(field, Text):
                continue
            if isinstance(field, SingleLine | MultiLine | Id | Url) or name in CHECKED_OTHERWISE:
                continue
            loose.append(f"{schema_cls.__name__}.{name}")
    assert loose == []


def assert_refused(response, field):
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"], response.json()


@pytest.mark.parametrize("hostile", ["Keynote\u2028moved", "Agenda\x1e", "a\r\nBcc: x@example.org"])
def test_hostile_single_line_text_is_refused_at_the_gateway(platform, db_session, hostile):
    api = platform("registration", "expo", "notifications")
    organizer = {"Authorization": f"Bearer {ORGANIZER_TOKEN}"}

    announcement = {"title": hostile, "body": "The keynote moved to hall B."}
    assert_refused(api.post("/v1/announcements", json=announcement, headers=organizer), "title")
    registration = {"email": "ada@example.org", "full_name": f"Ada {hostile}"}
    assert_refused(api.post("/v1/registrations", json=registration), "full_name")
    exhibitor = {"name": hostile, "tier": "gold"}
    assert_refused(api.post("/v1/exhibitors", json=exhibitor, headers=organizer), "name")

    for service, model in (
        ("notifications", Notification),
        ("notifications", OutgoingEmail),
        ("registration", Attendee),
        ("expo", Exhibitor),
    ):
        db = db_session(service)
        assert db.query(model).count() == 0, model
