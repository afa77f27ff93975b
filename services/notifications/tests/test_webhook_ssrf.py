"""Webhook SSRF (issue 13, item 5): the name is resolved once, every address it gives is
checked, and the delivery connects to the address that was checked (DNS rebinding
cannot swap it), keeping the name for Host and TLS; IPv6 transition addresses that
embed or reach a private IPv4 address are refused."""

import base64
import socket

import pytest
import urllib3.util.connection

from contracts.errors import Invalid
from services.notifications import webhooks

PUBLIC = "93.184.215.14"
SECRET = "whsec_" + base64.b64encode(b"k" * 24).decode()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # CGNAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2002:5db8:d70e::1",  # 6to4 of a public address: refused too, as 6to4
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::a00:1",  # local-use NAT64
        "fe80::1%eth0",
    ],
)
def test_private_reserved_and_transition_addresses_are_not_public(address):
    assert not webhooks.is_public_address(address)


@pytest.mark.parametrize(
    "address", [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::ffff:93.184.215.14"]
)
def test_public_addresses_are_public(address):
    assert webhooks.is_public_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://[2002:7f00:1::]/hook",
        "http://[2001::1]/hook",
        "http://[64:ff9b::a9fe:a9fe]/hook",
        "http://[::ffff:a9fe:a9fe]/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_endpoint_registration_refuses_transition_and_shared_addresses(notifications, url):
    service = notifications(WEBHOOK_ALLOW_PRIVATE_URLS="false")
    with pytest.raises(Invalid) as refused:
        service.create_webhook("exh-acme", {"url": url, "events": ["lead.captured"]})
    assert "url" in refused.value.errors


class Resolver:
    """A zero-TTL name: answers ``answers[0]`` first, then ``answers[1]`` ever after."""

    def __init__(self, name, *answers):
        self.name = name
        self.answers = list(answers)
        self.asked = 0
        self.real = socket.getaddrinfo

    def __call__(self, host, port, *args, **kwargs):
        if host != self.name:
            return self.real(host, port, *args, **kwargs)
        address = self.answers[min(self.asked, len(self.answers) - 1)]
        self.asked += 1
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]


def job(url, allow_private=False):
    return webhooks.DeliveryJob(
        "msg_1", "endpoint_1", 0, url, (SECRET,), '{"type":"ping"}', allow_private
    )


def test_a_rebinding_name_never_gets_the_connection_to_the_private_address(
    monkeypatch, webhook_receiver
):
    inside = webhook_receiver()
    port = int(inside.url.rsplit(":", 1)[1].split("/")[0])
    resolver = Resolver("rebind.example", PUBLIC, "127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    connected_to = []
    real_connect = urllib3.util.connection.create_connection

    def connect(address, *args, **kwargs):
        connected_to.append(address)
        if address[0] == PUBLIC:  # no internet here: the public host refuses
            raise ConnectionRefusedError(111, "Connection refused")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", connect)

    outcome = webhooks.post(job(f"http://rebind.example:{port}/hook"), timeout=2)

    assert outcome.status_code is None and "refused" in outcome.error.lower()
    assert connected_to == [(PUBLIC, port)]
    assert inside.requests == []


def test_a_name_that_resolves_to_a_private_address_is_refused_before_connecting(
    monkeypatch, webhook_receiver
):
    inside = webhook_receiver()
    port = int(inside.url.rsplit(":", 1)[1].split("/")[0])
    monkeypatch.setattr(socket, "getaddrinfo", Resolver("sly.example", "2002:7f00:1::"))
    outcome = webhooks.post(job(f"http://sly.example:{port}/hook"), timeout=2)
    assert outcome.error.startswith("refused: private")
    assert inside.requests == []


def test_the_pinned_connection_keeps_the_name_in_the_host_header(monkeypatch, webhook_receiver):
    """Development setting (local receivers allowed): still one look-up, and the
    receiver sees its own name, not the address."""
    receiver = webhook_receiver()
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    resolver = Resolver("hooks.acme.test", "127.0.0.1")
    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    outcome = webhooks.post(job(f"http://hooks.acme.test:{port}/hook", True), timeout=5)

    assert outcome.status_code == 200, outcome.error
    [request] = receiver.requests
    assert request["headers"]["host"] == f"hooks.acme.test:{port}"
    assert resolver.asked == 1


def test_tls_is_verified_for_the_name_on_the_checked_address():
    adapter = webhooks.PinnedAddressAdapter(PUBLIC, "hooks.acme.test")
    request = webhooks.requests.Request("POST", "https://hooks.acme.test/hook").prepare()
    pool = adapter.get_connection_with_tls_context(request, verify=True)
    assert (pool.host, pool.port) == (PUBLIC, 443)
    assert pool.conn_kw["server_hostname"] == "hooks.acme.test"
    assert pool.assert_hostname == "hooks.acme.test"
    adapter.cert_verify(pool, request.url, True, None)
    assert pool.cert_reqs == "CERT_REQUIRED"
