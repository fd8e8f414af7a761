"""Proxies from the environment: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY as curl reads them.

A real recording proxy on loopback; the decision is made per URL, so the API host and an
image host can go different ways.  (conftest clears the proxy variables for every test.)
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi
from openapiopenai import exceptions as exc
from openapiopenai._download import download_image
from openapiopenai._proxies import EnvironmentProxies, NoProxy
from openapiopenai.testing import ImagesServer

from _sec_net_servers import Origin, Proxy, refused_port, self_signed_cert
from conftest import API_KEY

NAMED_HOST = "http://api.example.test/v1"  # does not resolve: reachable only via the proxy


@pytest.fixture
def proxy(images: ImagesServer) -> Iterator[Proxy]:
    with Proxy(upstream=("127.0.0.1", images.port)) as p:
        yield p


def _client(host: str, **config: Any) -> openapiopenai.ApiClient:
    configuration = openapiopenai.Configuration(
        host=host, access_token=API_KEY, retries=0, **config
    )
    return openapiopenai.ApiClient(configuration)


def _generate(client: openapiopenai.ApiClient) -> None:
    with client:
        ImagesApi(client).create_image(CreateImageRequest(prompt="p", size="256x256"))


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
def test_an_http_url_goes_through_the_environment_proxy(
    monkeypatch: pytest.MonkeyPatch, images: ImagesServer, proxy: Proxy, variable: str
) -> None:
    monkeypatch.setenv(variable, proxy.url)
    _generate(_client(NAMED_HOST))
    (forwarded,) = proxy.requests()
    assert forwarded.target == "http://api.example.test/v1/images/generations"
    assert len(images.requests) == 1


def test_the_proxy_url_may_omit_its_scheme_and_carry_credentials(
    monkeypatch: pytest.MonkeyPatch, proxy: Proxy
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"bob:s%3Acret@127.0.0.1:{proxy.port}")
    _generate(_client(NAMED_HOST))
    expected = "Basic " + base64.b64encode(b"bob:s:cret").decode()
    assert proxy.requests()[0].headers["proxy-authorization"] == expected


def test_the_lower_case_name_wins_and_the_scheme_own_beats_all_proxy(
    monkeypatch: pytest.MonkeyPatch, proxy: Proxy
) -> None:
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{refused_port()}")
    monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{refused_port()}")
    _generate(_client(NAMED_HOST))
    assert len(proxy.requests()) == 1


def test_an_https_url_goes_through_a_tunnel_of_https_proxy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cert, key = self_signed_cert(tmp_path)
    with Origin(tls=(cert, key)) as upstream, Proxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{refused_port()}")  # not for https
        _generate(_client(upstream.url("/v1", host="localhost"), ssl_ca_cert=str(cert)))
    assert [(r.method, r.target) for r in proxy.requests()] == [
        ("CONNECT", f"localhost:{upstream.port}")
    ]
    assert upstream.requests()[0].headers["authorization"] == f"Bearer {API_KEY}"


def test_no_proxy_decides_per_url(monkeypatch: pytest.MonkeyPatch, images: ImagesServer) -> None:
    with Origin() as cdn, Proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "example.test, 127.0.0.1")
        with _client(images.url) as client:
            ImagesApi(client).create_image(CreateImageRequest(prompt="p", size="256x256"))
            assert download_image(cdn.url("/x.png", host="localhost"), client).data
    # The API host (127.0.0.1) was reached directly, the image host (localhost) proxied.
    assert len(images.requests) == 1
    assert [(r.method, r.target) for r in proxy.requests()] == [
        ("GET", f"http://localhost:{cdn.port}/x.png")
    ]
    assert len(cdn.requests()) == 1


@pytest.mark.parametrize(
    ("no_proxy", "direct"),
    [
        ("*", True),
        ("localhost", True),
        (".localhost", True),
        ("LOCALHOST.", True),
        ("example.test, localhost:{port}", True),
        ("localhost:1", False),  # another port
        ("127.0.0.1", False),  # the name is not resolved for matching, as in curl
        ("otherhost,*", False),  # "*" only alone
    ],
)
def test_no_proxy_hosts_bypass_the_proxy(
    monkeypatch: pytest.MonkeyPatch,
    images: ImagesServer,
    proxy: Proxy,
    no_proxy: str,
    direct: bool,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("no_proxy", no_proxy.format(port=images.port))
    _generate(_client(f"http://localhost:{images.port}/v1"))
    assert len(images.requests) == 1
    assert len(proxy.requests()) == (0 if direct else 1)


def test_trust_env_false_ignores_the_environment(
    monkeypatch: pytest.MonkeyPatch, images: ImagesServer
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{refused_port()}")
    _generate(_client(images.url, trust_env=False))
    assert len(images.requests) == 1
    with pytest.raises(exc.ApiConnectionError) as info:
        _generate(_client(images.url))
    assert "proxy" in str(info.value)


def test_a_configured_proxy_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, proxy: Proxy
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{refused_port()}")
    _generate(_client(NAMED_HOST, proxy=proxy.url))
    assert len(proxy.requests()) == 1


def test_no_proxy_applies_to_a_configured_proxy_too(
    monkeypatch: pytest.MonkeyPatch, images: ImagesServer
) -> None:
    # As in the generated client, whose no_proxy defaults to the environment's.
    with Origin() as cdn, Proxy() as proxy:
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        with _client(images.url, proxy=proxy.url) as client:
            ImagesApi(client).create_image(CreateImageRequest(prompt="p", size="256x256"))
            assert download_image(cdn.url("/x.png", host="localhost"), client).data
        assert [r.target for r in proxy.requests()] == [f"http://localhost:{cdn.port}/x.png"]
        assert len(images.requests) == 1
        # trust_env=False: the environment's NO_PROXY is ignored too.
        _generate(_client(images.url, proxy=proxy.url, trust_env=False))
        assert len(proxy.requests()) == 2


def test_http_proxy_is_ignored_in_a_cgi_request(
    monkeypatch: pytest.MonkeyPatch, images: ImagesServer
) -> None:
    # httpoxy: in CGI, HTTP_PROXY is the client's "Proxy:" request header.
    monkeypatch.setenv("REQUEST_METHOD", "GET")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{refused_port()}")
    _generate(_client(images.url))
    assert len(images.requests) == 1


def test_a_socks_proxy_is_skipped_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, images: ImagesServer, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ALL_PROXY", "socks5://user:pw-secret@127.0.0.1:1080")
    caplog.set_level(logging.WARNING, logger="openapiopenai")
    _generate(_client(images.url))
    assert len(images.requests) == 1
    assert "ALL_PROXY names a socks5:// proxy" in caplog.text
    assert "pw-secret" not in caplog.text


def test_a_malformed_environment_proxy_is_an_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("https_proxy", "http://user:pw-secret@[::1:3128")
    with pytest.raises(exc.ApiValueError) as info:
        openapiopenai.ApiClient(openapiopenai.Configuration())
    assert str(info.value).startswith("https_proxy: not a proxy URL")
    assert "pw-secret" not in str(info.value)


# NO_PROXY forms, as curl reads them (https://curl.se/docs/manpage.html#--noproxy).
@pytest.mark.parametrize(
    ("no_proxy", "host", "port", "bypassed"),
    [
        ("", "example.com", 80, False),
        ("*", "anything.test", 443, True),
        ("example.com", "example.com", 80, True),
        ("example.com", "www.example.com", 80, True),
        ("example.com", "notexample.com", 80, False),
        (".example.com", "example.com", 80, True),
        (".example.com", "a.b.example.com", 80, True),
        ("EXAMPLE.COM", "example.com.", 80, True),
        ("example.com:8080", "example.com", 8080, True),
        ("example.com:8080", "example.com", 80, False),
        ("10.0.0.1", "10.0.0.1", 80, True),
        ("10.0.0.0/8", "10.20.30.40", 80, True),
        ("10.0.0.0/8", "11.0.0.1", 80, False),
        ("192.168.0.0/16,localhost", "localhost", 80, True),
        ("::1", "[::1]", 80, True),
        ("[::1]:8080", "[::1]", 8080, True),
        ("[::1]:8080", "[::1]", 80, False),
        ("fd00::/8", "[fd12::1]", 443, True),
        ("fd00::/8", "10.0.0.1", 443, False),
        ("localhost", "127.0.0.1", 80, False),  # curl does not bypass loopback by itself
        ("a.test b.test", "b.test", 80, True),  # whitespace separates too
        ("*.example.com", "www.example.com", 80, False),  # not a form curl knows
    ],
)
def test_no_proxy_forms(no_proxy: str, host: str, port: int, bypassed: bool) -> None:
    assert NoProxy(no_proxy).bypasses(host, port) is bypassed


def test_environment_proxies_per_scheme() -> None:
    env = {"HTTPS_PROXY": "proxy.corp:3128", "ALL_PROXY": "http://all.corp:1"}
    proxies = EnvironmentProxies.from_environ(env)
    assert proxies.https == "http://proxy.corp:3128"
    assert proxies.http == "http://all.corp:1"
    assert proxies.for_scheme("https") == "http://proxy.corp:3128"
    assert proxies.for_scheme("http") == "http://all.corp:1"
