"""The whole platform in one test process: every service and the gateway in nameko
containers on the real RabbitMQ (a vhost per test) and PostgreSQL, sending mail to the
root conftest's SMTP sink, and an HTTP client for the gateway."""

import pytest
import requests

from plumbing.registry import BACKEND_SERVICES
from plumbing.testing import LoginCodeTap

ORGANIZER_TOKEN = "organizer-test-token"


class Api:
    """requests against the gateway, with bearer helpers."""

    def __init__(self, base_url, login_codes=None):
        self.base_url = base_url
        self.http = requests.Session()
        self.login_codes = login_codes

    def sign_up(self, body, **kwargs):
        """Register (202, no token) and sign in with the code mailed to the address, as
        a person does; returns ``{"attendee_id", "access_token"}``."""
        response = self.post("/v1/registrations", json=body, **kwargs)
        assert response.status_code == 202, response.text
        return self.sign_in(body["email"], **kwargs)

    def sign_in(self, email, **kwargs):
        """Exchange the newest code mailed to ``email`` for a token."""
        code = self.login_codes.code_for(email)
        response = self.post("/v1/auth/token", json={"email": email, "code": code}, **kwargs)
        assert response.status_code == 200, response.text
        token = response.json()
        return {"attendee_id": token["attendee_id"], "access_token": token["access_token"]}

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
def platform(start_service, smtp_sink, rabbit_config):
    """Start every backend and the gateway; returns an :class:`Api` on the gateway."""
    taps = []

    def start(*backends, **overrides):
        taps.append(LoginCodeTap(rabbit_config["AMQP_URI"]))
        settings = {
            "SMTP_PORT": smtp_sink.port,
            "PLENARY_ORGANIZER_TOKEN": ORGANIZER_TOKEN,
            **overrides,
        }
        for backend in backends or BACKEND_SERVICES:
            start_service(backend, **settings)
        gateway = start_service("gateway", **settings)
        return Api(f"http://{gateway.config['WEB_SERVER_ADDRESS']}", taps[-1])

    yield start
    for tap in taps:
        tap.close()
