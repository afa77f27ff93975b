"""The notifications service under test; the SMTP sink, webhook receivers and `publish`
for other services' events come from the root conftest."""

import pytest


@pytest.fixture
def notifications(start_service, rpc_proxy):
    """``notifications(**config)`` -> an RPC proxy to a started notifications service."""

    def start(**overrides):
        start_service("notifications", **overrides)
        return rpc_proxy("notifications")

    return start
