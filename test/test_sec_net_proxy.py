"""Behind a proxy: no resend of what the server may have billed, and proxy credentials.

Real loopback proxies (a forwarding one for http targets, a CONNECT tunnel for https
targets) drop the connection at each phase; the upstream records what reached it.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi, Retry
from openapiopenai import exceptions as exc
from openapiopenai.testing import ImagesServer

from _sec_net_servers import Origin, Proxy, refused_port
from conftest import API_KEY

RETRY = Retry(total=2, backoff_base=0.01)


def _generate(host: str, **config: Any) -> None:
    configuration = openapiopenai.Configuration(
        host=host, access_token=API_KEY, retries=RETRY, **config
    )
    with openapiopenai.ApiClient(configuration) as client:
        ImagesApi(client).create_image(CreateImageRequest(prompt="p", size="256x256"))


@pytest.mark.parametrize(
    "fault", ["before_forwarding", "after_forwarding", "reset_after_forwarding", "mid_response"]
)
def test_a_forwarded_request_lost_after_it_was_sent_is_not_sent_again(
    images: ImagesServer, fault: str
) -> None:
    with Proxy(fault=fault) as proxy, pytest.raises(exc.ApiConnectionError) as info:
        _generate(images.url, proxy=proxy.url)
    assert info.value.request_sent is True
    assert "could not connect" not in str(info.value)
    assert len(proxy.requests()) == 1
    assert len(images.requests) == (0 if fault == "before_forwarding" else 1)


@pytest.mark.parametrize("fault", ["after_forwarding", "reset_after_forwarding", "mid_response"])
def test_a_tunnelled_request_lost_after_it_was_sent_is_not_sent_again(
    tls: tuple[Path, Path], fault: str
) -> None:
    with Origin(tls=tls) as upstream:
        seen = Proxy(fault=fault, upstream_seen=lambda: len(upstream.requests()))
        with seen as proxy, pytest.raises(exc.ApiConnectionError) as info:
            _generate(upstream.url("/v1"), proxy=proxy.url, ssl_ca_cert=str(tls[0]))
    assert info.value.request_sent is True
    assert [(r.method, r.target) for r in proxy.requests()] == [
        ("CONNECT", f"127.0.0.1:{upstream.port}")
    ]
    assert [r.method for r in upstream.requests()] == ["POST"]


def test_the_tunnel_works_when_nothing_fails(tls: tuple[Path, Path]) -> None:
    with Origin(tls=tls) as upstream, Proxy() as proxy:
        _generate(upstream.url("/v1"), proxy=proxy.url, ssl_ca_cert=str(tls[0]))
    (tunnel,) = proxy.requests()
    assert tunnel.method == "CONNECT" and not tunnel.has("authorization")  # the key is inside
    assert upstream.requests()[0].headers["authorization"] == f"Bearer {API_KEY}"


def test_a_read_timeout_through_the_proxy_is_not_sent_again(images: ImagesServer) -> None:
    images.delay(2.0)
    with Proxy() as proxy, pytest.raises(exc.ApiTimeoutError) as info:
        _generate(images.url, proxy=proxy.url, timeout=(5.0, 0.3))
    assert info.value.phase == "read" and info.value.request_sent is True
    assert len(images.requests) == 1


def test_a_proxy_that_refuses_the_connection_is_retried(images: ImagesServer) -> None:
    with pytest.raises(exc.ApiConnectionError) as info:
        _generate(images.url, proxy=f"http://127.0.0.1:{refused_port()}")
    assert info.value.request_sent is False
    assert info.value.retries == 2
    assert "could not connect through the proxy" in str(info.value)
    assert images.requests == []


def test_a_tunnel_the_proxy_cannot_open_yet_is_retried(tls: tuple[Path, Path]) -> None:
    failing = pytest.raises(exc.ApiConnectionError)
    with Origin(tls=tls) as upstream, Proxy(fault="busy_tunnel") as proxy, failing as info:
        _generate(upstream.url("/v1"), proxy=proxy.url, ssl_ca_cert=str(tls[0]))
    assert info.value.request_sent is False and info.value.retries == 2
    assert [r.method for r in proxy.requests()] == ["CONNECT"] * 3
    assert upstream.requests() == []


def test_a_tunnel_the_proxy_forbids_is_not_retried(tls: tuple[Path, Path]) -> None:
    failing = pytest.raises(exc.ApiConnectionError)
    with Origin(tls=tls) as upstream, Proxy(fault="refuse_tunnel") as proxy, failing as info:
        _generate(upstream.url("/v1"), proxy=proxy.url, ssl_ca_cert=str(tls[0]))
    assert info.value.request_sent is False and info.value.transient is False
    assert "403" in str(info.value)
    assert len(proxy.requests()) == 1


# -- proxy credentials -------------------------------------------------------------------


def test_credentials_in_the_proxy_url_are_sent_as_proxy_authorization(
    images: ImagesServer, tls: tuple[Path, Path]
) -> None:
    proxy_url_of = "http://alice:p%40ss%3Aword@127.0.0.1:{}".format
    expected = "Basic " + base64.b64encode(b"alice:p@ss:word").decode()
    with Proxy() as proxy:
        _generate(images.url, proxy=proxy_url_of(proxy.port))
        with Origin(tls=tls) as upstream:
            _generate(upstream.url("/v1"), proxy=proxy_url_of(proxy.port), ssl_ca_cert=str(tls[0]))
    forwarded, tunnel = proxy.requests()
    assert forwarded.headers["proxy-authorization"] == expected
    assert tunnel.method == "CONNECT" and tunnel.headers["proxy-authorization"] == expected
    # Not passed on to the server behind the proxy.
    assert all("proxy-authorization" not in str(r.headers).lower() for r in images.requests)


def test_explicit_proxy_headers_win_over_the_url_credentials(images: ImagesServer) -> None:
    with Proxy() as proxy:
        _generate(
            images.url,
            proxy=f"http://alice:pw@127.0.0.1:{proxy.port}",
            proxy_headers={"Proxy-Authorization": "Bearer proxy-token"},
        )
    assert proxy.requests()[0].headers["proxy-authorization"] == "Bearer proxy-token"


@pytest.mark.parametrize(
    "value", ["Basic c2VjcmV0\r\nX-Evil: 1", "Basic s3cret\n", "Basic sécret-€", "a\x00b"]
)
def test_a_proxy_header_http_cannot_carry_is_refused_without_showing_it(value: str) -> None:
    with pytest.raises(exc.ApiValueError) as info:
        openapiopenai.Configuration(proxy_headers={"Proxy-Authorization": value})
    message = str(info.value)
    assert "proxy_headers['Proxy-Authorization']" in message
    assert "c2VjcmV0" not in message and "s3cret" not in message and "sécret" not in message


def test_a_proxy_header_set_after_construction_is_checked_when_the_client_is_built() -> None:
    configuration = openapiopenai.Configuration(proxy="http://127.0.0.1:9")
    configuration.proxy_headers = {"Proxy-Authorization": "Basic s3cret\r\n"}
    with pytest.raises(exc.ApiValueError) as info:
        openapiopenai.ApiClient(configuration)
    assert "Proxy-Authorization" in str(info.value) and "s3cret" not in str(info.value)
