"""A list route's query string takes its filters from the contract the service loads
them with, so the gateway refuses exactly what the service would."""

import pytest

from contracts.enums import TIERS
from contracts.rpc.expo import ExhibitorFiltersSchema, MeetingFiltersSchema
from contracts.rpc.registration import AttendeeFiltersSchema
from contracts.rpc.sessions import SessionFiltersSchema
from gateway.routes.organizer import AttendeeQuery
from gateway.schemas import ExhibitorQuery, MeetingQuery, SessionQuery


@pytest.mark.parametrize(
    "query, filters",
    [
        (SessionQuery, SessionFiltersSchema),
        (ExhibitorQuery, ExhibitorFiltersSchema),
        (MeetingQuery, MeetingFiltersSchema),
        (AttendeeQuery, AttendeeFiltersSchema),
    ],
)
def test_a_list_query_has_the_very_filter_fields_of_its_contract(query, filters):
    for name, field in filters._declared_fields.items():
        assert query._declared_fields[name] is field, name


def test_the_gateway_refuses_a_track_the_service_would_refuse():
    assert SessionQuery().validate({"track": "t" * 40}) == {}
    assert "track" in SessionQuery().validate({"track": "t" * 41})


def test_the_gateway_takes_every_tier_of_the_contract():
    for tier in TIERS:
        assert ExhibitorQuery().validate({"tier": tier}) == {}
    assert "tier" in ExhibitorQuery().validate({"tier": "bronze"})
