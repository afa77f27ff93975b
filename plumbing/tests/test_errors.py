"""Domain errors arrive in the gateway as they were raised: an error raised without
field errors must not arrive with ``errors`` = the string "None" (issue 13: 404 problem
bodies carried ``"errors": "None"``)."""

import pytest
from nameko.exceptions import deserialize, serialize

from plumbing.errors import Conflict, Invalid, NotFound, TooManyRequests


@pytest.mark.parametrize("error_cls", [NotFound, Conflict, Invalid])
def test_an_error_without_field_errors_crosses_rpc_with_an_empty_dict(error_cls):
    arrived = deserialize(serialize(error_cls("No such thing.")))
    assert type(arrived) is error_cls
    assert arrived.detail == "No such thing."
    assert arrived.errors == {}


def test_field_errors_cross_rpc_intact():
    arrived = deserialize(serialize(Invalid("Bad.", {"url": ["not public"]})))
    assert arrived.errors == {"url": ["not public"]}
    assert deserialize(serialize(TooManyRequests.after("Slow down.", 7))).retry_after == "7"
