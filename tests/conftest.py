"""The whole platform in one test process: every service and the gateway in nameko
containers on the real RabbitMQ (a vhost per test) and PostgreSQL, sending mail to the
root conftest's SMTP sink, and an HTTP client for the gateway."""

import pytest
import requests

from plumbing.registry import BACKEND_SERVICES

ORGANIZER_TOKEN = "organizer-test-token"


class Api:
    """requests against the gateway, with bearer helpers."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.http = requests.Session()

    def request(self, method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(
            method, self.base_url + path, headers=headers, timeout=15, **kwargs
        )

    def get(self, path, token=None, **kwargs):
        return self.request("GET", path, token, **kwargs)

    def post(self, path, token=None, **kwargs):
        return self.request("POST", path, token, **kwargs)

    def put(self, path, token=None, **kwargs):
        return self.request("PUT", path, token, **kwargs)

    def delete(self, path, token=None, **kwargs):
        return self.request("DELETE", path, token, **kwargs)


@pytest.fixture
def platform(start_service, smtp_sink):
    """Start every backend and the gateway; returns an :class:`Api` on the gateway."""

    def start(*backends, **overrides):
        settings = {
            "SMTP_PORT": smtp_sink.port,
            "PLENARY_ORGANIZER_TOKEN": ORGANIZER_TOKEN,
            **overrides,
        }
        for backend in backends or BACKEND_SERVICES:
            start_service(backend, **settings)
        gateway = start_service("gateway", **settings)
        return Api(f"http://{gateway.config['WEB_SERVER_ADDRESS']}")

    return start
