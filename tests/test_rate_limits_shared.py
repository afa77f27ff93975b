"""Rate limits as deployed (issue 13, item 6): two gateway replicas behind one ingress
share one budget in Redis, and count the client the ingress saw (the last
X-Forwarded-For entry with TRUSTED_PROXY_HOPS=1), not the ingress, nor whatever the
client wrote into the header itself."""

import os
import uuid

from tests.conftest import ORGANIZER_TOKEN, Api

REDIS_URI = os.environ.get("PLENARY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LIMIT = 4


def client_address():
    """A documentation address no other run has used (the counters outlive a test)."""
    suffix = uuid.uuid4().hex
    return f"2001:db8:{suffix[:4]}:{suffix[4:8]}::{suffix[8:12]}"


def ask_for_a_link(api, forwarded_for, n):
    return api.post(
        "/v1/auth/login-link",
        json={"email": f"someone{n}@example.org"},
        headers={"X-Forwarded-For": forwarded_for},
    )


def test_two_gateways_share_one_budget_for_the_forwarded_client(platform, start_service, smtp_sink):
    settings = {
        "RATE_LIMIT_STORAGE_URI": REDIS_URI,
        "TRUSTED_PROXY_HOPS": 1,
        "RATE_LIMIT_LOGIN_LINK": f"{LIMIT}/minute",
    }
    first = platform("registration", **settings)
    second_gateway = start_service(
        "gateway", SMTP_PORT=smtp_sink.port, PLENARY_ORGANIZER_TOKEN=ORGANIZER_TOKEN, **settings
    )
    second = Api(f"http://{second_gateway.config['WEB_SERVER_ADDRESS']}")
    client, neighbour = client_address(), client_address()

    answers = []
    for n in range(2 * LIMIT):
        gateway = (first, second)[n % 2]
        # whatever the client put in the header comes first; the ingress appends its address
        answers.append(ask_for_a_link(gateway, f"198.51.100.{n}, {client}", n).status_code)

    assert answers == [202] * LIMIT + [429] * LIMIT
    refused = ask_for_a_link(second, client, 99)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    # another client behind the same ingress has its own budget
    assert ask_for_a_link(first, neighbour, 100).status_code == 202
    assert ask_for_a_link(second, f"{client}, {neighbour}", 101).status_code == 202
