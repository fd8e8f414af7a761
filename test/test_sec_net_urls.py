"""The URL that is checked is the URL that is connected to: no key for another host.

An image URL (or a CDN's redirect) is read by one parser, urllib3's, for the "is this the
API's origin?" decision and for the connection; URLs that parsers read differently are
refused.  Two real servers on loopback: the API's, and another host's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Optional

import pytest

import openapiopenai
from openapiopenai import exceptions as exc
from openapiopenai._download import download_image, same_origin

from _sec_net_servers import Origin, Proxy, Seen
from conftest import API_KEY

#: What only the API's origin may see.
PRIVATE = ("authorization", "openai-organization", "cookie", "x-team")


@pytest.fixture
def api() -> Iterator[Origin]:
    with Origin() as server:
        yield server


@pytest.fixture
def other() -> Iterator[Origin]:
    with Origin() as server:
        yield server


def _client(host: str, **config: object) -> openapiopenai.ApiClient:
    configuration = openapiopenai.Configuration(
        host=host,
        access_token=API_KEY,
        organization="org-secret",
        **config,  # type: ignore[arg-type]
    )
    client = openapiopenai.ApiClient(configuration, cookie="session=secret")
    client.set_default_header("X-Team", "blue")
    return client


def _private(seen: Seen) -> list[str]:
    return [name for name in PRIVATE if seen.has(name)]


# (URL, outcome): "refused" (nothing sent), "api" (API server, with the key), "plain"
# (API server reached as another origin: no key), "other" (the other host, no key), or
# "nowhere-with-key" (may not connect; no request carries the key).
CASES = [
    ("http://127.0.0.1:{B}\\@localhost:{A}/x.png", "refused"),  # urllib3: host 127.0.0.1:B
    ("http://127.0.0.1:{B}/\\@localhost:{A}/x.png", "refused"),
    ("http://user@localhost:{A}/x.png", "refused"),
    ("http://localhost:{A}@127.0.0.1:{B}/x.png", "refused"),
    ("http://u:p@127.0.0.1:{B}/x.png", "refused"),
    ("http://%6cocalhost:{A}/x.png", "refused"),  # urllib3 decodes it, urllib.parse not
    ("http://127.0.0.1:{B}\t@localhost:{A}/x.png", "refused"),  # urllib.parse drops tabs
    ("http://local\nhost:{A}/x.png", "refused"),
    ("http://localhost:{A}/x.png\r\nX-Injected: 1", "refused"),
    ("http://localhost :{A}/x.png", "refused"),
    ("http://LOCALHOST:{A}/x.png", "api"),
    ("HtTp://localhost:{A}/x.png", "api"),
    ("http://localhost:{A}/a%5Cb.png?sig=1", "api"),
    ("http://127.0.0.1:{A}/x.png", "plain"),  # the same server, another origin
    ("http://localhost.:{A}/x.png", "nowhere-with-key"),  # trailing dot: another origin
    ("http://[::1]:{A}/x.png", "nowhere-with-key"),  # IPv6 literal: another origin
    ("http://[::ffff:127.0.0.1]:{A}/x.png", "nowhere-with-key"),
    ("http://127.0.0.1:{B}/x.png", "other"),
    ("http://127.0.0.1:0{B}/x.png", "other"),  # a leading zero: the same port
]


@pytest.mark.parametrize(("template", "outcome"), CASES)
def test_an_image_url_gets_the_key_only_if_it_is_the_api_origin(
    api: Origin, other: Origin, template: str, outcome: str
) -> None:
    url = template.format(A=api.port, B=other.port)
    with _client(api.url("/v1", host="localhost")) as client:
        if outcome == "refused":
            with pytest.raises(exc.ApiValueError) as info:
                download_image(url, client)
            assert "url:" in str(info.value)
            assert api.requests() == [] and other.requests() == []
            return
        try:
            download = download_image(url, client)
        except exc.ApiConnectionError:
            download = None
    if outcome == "api":
        assert download is not None and other.requests() == []
        (seen,) = api.requests()
        assert _private(seen) == list(PRIVATE)
        assert seen.headers["authorization"] == f"Bearer {API_KEY}"
        return
    everything = api.requests() + other.requests()
    assert all(_private(seen) == [] for seen in everything), everything
    if outcome == "plain":
        assert download is not None and len(api.requests()) == 1 and other.requests() == []
    elif outcome == "other":
        assert download is not None and api.requests() == [] and len(other.requests()) == 1
        assert other.requests()[0].headers["user-agent"].startswith("openapiopenai/")


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{B}\\@localhost:{A}/x.png",
        "/\\127.0.0.1:{B}/x.png",
        "http://127.0.0.1:{B}\t@localhost:{A}/x.png",
        "//user@127.0.0.1:{B}/x.png",
    ],
)
def test_a_redirect_location_that_parsers_read_differently_is_refused(
    api: Origin, other: Origin, location: str
) -> None:
    api.redirects["/r"] = location.format(A=api.port, B=other.port)
    client = _client(api.url("/v1", host="localhost"))
    with client, pytest.raises(exc.ImageDownloadError) as info:
        download_image(api.url("/r", host="localhost"), client)
    assert "refusing a redirect to an unsafe URL" in str(info.value)
    assert other.requests() == []
    assert len(api.requests()) == 1


def test_a_redirect_to_another_host_drops_the_key(api: Origin, other: Origin) -> None:
    api.redirects["/r"] = other.url("/x.png")
    other.redirects["/x.png"] = api.url("/back.png", host="localhost")
    with _client(api.url("/v1", host="localhost")) as client:
        assert download_image(api.url("/r", host="localhost"), client).data
    first, back = api.requests()
    (hop,) = other.requests()
    assert _private(first) == list(PRIVATE) and _private(back) == list(PRIVATE)
    assert _private(hop) == []


@pytest.mark.parametrize(
    ("url", "gets_key"),
    [
        ("http://API.EXAMPLE.TEST:80/x.png", True),  # explicit default port, upper case
        ("http://api.example.test/x.png", True),
        ("http://api.example.test:8080/x.png", False),
        ("http://api.example.test.evil.test/x.png", False),
        ("http://evil.test\\@api.example.test/x.png", None),  # refused
    ],
)
def test_default_ports_and_names_through_a_proxy(
    api: Origin, url: str, gets_key: Optional[bool]
) -> None:
    # Names that do not resolve reach the loopback server through a loopback proxy.
    with Proxy(upstream=("127.0.0.1", api.port)) as proxy:
        client = _client("http://api.example.test/v1", proxy=proxy.url)
        with client:
            if gets_key is None:
                with pytest.raises(exc.ApiValueError):
                    download_image(url, client)
                assert proxy.requests() == []
                return
            assert download_image(url, client).data
    (forwarded,) = proxy.requests()
    assert forwarded.target == url.lower()
    assert forwarded.has("authorization") is gets_key
    assert forwarded.has("cookie") is gets_key


def test_same_origin_reads_urls_as_urllib3_does() -> None:
    assert same_origin("HTTPS://API.openai.com:443/v1", "https://api.openai.com/x")
    assert not same_origin("http://a.test\\@b.test/", "http://b.test/")
    assert not same_origin("http://b.test./", "http://b.test/")
    assert not same_origin("https://b.test/", "http://b.test:443/")


def test_a_host_with_credentials_or_a_backslash_is_refused() -> None:
    for host in ("https://user:hunter2@api.example.test/v1", "http://evil.test\\@api.test/v1"):
        with pytest.raises(exc.ApiValueError) as info:
            openapiopenai.Configuration(host=host)
        assert "hunter2" not in str(info.value)
        assert "host: must not contain user:password@" in str(info.value)


def test_a_base_url_with_credentials_from_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "https://user:hunter2@gateway.example.test/v1")
    with pytest.raises(exc.ApiValueError) as info:
        openapiopenai.Configuration()
    assert str(info.value).startswith("OPENAI_BASE_URL: must not contain user:password@")
    assert "hunter2" not in str(info.value)
