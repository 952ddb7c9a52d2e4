"""Behind a reverse proxy the client's address comes from X-Forwarded-For — only when the request
really came through a proxy we trust, so a client cannot pick its own address."""

import pytest
from django.test import RequestFactory

from dangxiao.core.audit import client_ip
from dangxiao.liaison.models import Matter

PROXY = "10.0.0.5"


def request(remote: str, forwarded: str = ""):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = ()
    assert client_ip(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_through_a_trusted_proxy_the_forwarded_client_counts(settings):
    settings.TRUSTED_PROXIES = (PROXY, "10.0.0.6")
    # a client may prepend anything; the last hop our proxies did not add is the one they saw
    assert client_ip(request(PROXY, "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(request(PROXY, "203.0.113.7, 10.0.0.6")) == "203.0.113.7"
    assert client_ip(request(PROXY, "not-an-address")) == PROXY
    assert client_ip(request(PROXY)) == PROXY


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = (PROXY,)
    assert client_ip(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@pytest.mark.django_db
def test_residents_behind_one_proxy_are_rate_limited_one_by_one(liaison, settings, client):
    """Without the proxy setting every resident would share the proxy's address and its limit."""
    settings.TRUSTED_PROXIES = (PROXY,)
    url = f"/r/{liaison['a'].public_token}/"
    category = liaison["categories"]["lighting"].pk
    for n in range(6):
        response = client.post(
            url,
            {"category": category, "description": f"路灯不亮 {n}", "confirm": "1"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}",
        )
        assert response.status_code == 302, response.content.decode()[:500]
    assert Matter.objects.count() == 6
    assert len(set(Matter.objects.values_list("reporter_fingerprint", flat=True))) == 6


def test_the_sign_in_throttle_reads_the_same_address(settings):
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXIES = (PROXY,)
    assert get_client_ip_address(request(PROXY, "203.0.113.7")) == "203.0.113.7"
