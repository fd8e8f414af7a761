"""Proxy credentials echoed back are redacted as the API key is, wherever they came from.

From ``user:password@`` in ``Configuration.proxy`` or in ``HTTP_PROXY`` / ``HTTPS_PROXY``
/ ``ALL_PROXY``, and from ``Configuration.proxy_headers``.  A real proxy on loopback
echoes its ``Proxy-Authorization`` (and the credentials it decodes from it) in the reason
phrase, a header and the body of a ``407``, or in the reason phrase of a refused
``CONNECT``; nothing of it may be in the exception (``str``, ``repr``, ``args``, body,
reason, headers, pickle) or in any log record.
"""

from __future__ import annotations

import base64
import logging
import pickle
import re
import socket
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from _raw_server import head, raw_server

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi
from openapiopenai import exceptions as exc
from openapiopenai._download import download_image

from conftest import API_KEY

USER = "alice"
PASSWORD = "hunter2-proxy-0123456789"
QUOTED = "hunter2%2Dproxy%2D0123456789"  # the same password, percent-escaped in the URL
TOKEN = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
HEADER_TOKEN = "ptok-0123456789abcdefSECRET"
HEADER_BASIC_PASSWORD = "basic-header-pass-0123456789"
HEADER_BASIC = base64.b64encode(f"bob:{HEADER_BASIC_PASSWORD}".encode()).decode()
SECRETS = (PASSWORD, QUOTED, TOKEN, HEADER_TOKEN, HEADER_BASIC, HEADER_BASIC_PASSWORD)
REQUEST = CreateImageRequest(prompt="an otter", size="256x256")


def _echoed(request: bytes) -> str:
    """The request's Proxy-Authorization, and the credentials it decodes to."""
    match = re.search(rb"(?im)^proxy-authorization:[ \t]*(.+?)\r$", request)
    value = match.group(1).decode("latin-1") if match else "none"
    scheme, _, token = value.partition(" ")
    decoded = ""
    if scheme.lower() == "basic":
        decoded = base64.b64decode(token).decode("latin-1")
    return f"{value} ({decoded})"


@contextmanager
def echoing_proxy() -> Iterator[str]:
    """A proxy that answers everything (a forwarded request, a CONNECT) with an echoing 407."""

    def respond(conn: socket.socket) -> None:
        echo = _echoed(requests[-1])
        body = f'{{"error": {{"message": "bad proxy credentials {echo}", "type": "proxy"}}}}'
        data = body.encode()
        status = f"407 Who are you {echo}"
        headers = {"Content-Type": "application/json", "X-Echo": echo}
        conn.sendall(head(status, headers, len(data)) + data)

    with raw_server(respond) as (url, requests):
        yield url.rsplit("/", 1)[0]


def _shown(e: BaseException) -> str:
    parts = [str(e), repr(e), repr(e.args), repr(pickle.loads(pickle.dumps(e)).__dict__)]
    parts.append(repr(pickle.dumps(e)))
    if isinstance(e, exc.ApiException):
        parts += [repr(e.body), repr(e.raw_body), repr(e.reason), repr(dict(e.headers or {}))]
        error = e.error
        parts.append(repr(error.message if error is not None else None))
    return "\n".join(parts)


def _assert_clean(e: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    shown = _shown(e)
    assert "[redacted]" in shown, shown
    for secret in SECRETS:
        assert secret not in shown, (secret, shown)
    for record in caplog.records:
        text = record.getMessage()
        for secret in SECRETS:
            assert secret not in text, (record.name, text)


def _api(**config: Any) -> ImagesApi:
    configuration = openapiopenai.Configuration(
        host="http://api.example.test/v1", access_token=API_KEY, retries=0, **config
    )
    return ImagesApi(openapiopenai.ApiClient(configuration))


@pytest.fixture(autouse=True)
def _debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: urllib3's records too


def _with_credentials(proxy: str, password: str = QUOTED) -> str:
    return proxy.replace("http://", f"http://{USER}:{password}@")


@pytest.mark.parametrize("where", ["configured", "HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_proxy_credentials_echoed_in_a_407_are_redacted(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    with echoing_proxy() as proxy:
        if where == "configured":
            api = _api(proxy=_with_credentials(proxy))
        else:
            monkeypatch.setenv(where, _with_credentials(proxy))
            api = _api()
        with pytest.raises(exc.ApiException) as info:
            api.create_image(REQUEST)
    assert info.value.status == 407
    assert "Who are you" in str(info.value.reason)  # the proxy did answer
    _assert_clean(info.value, caplog)


@pytest.mark.parametrize(
    "header", [f"Bearer {HEADER_TOKEN}", f"Basic {HEADER_BASIC}", HEADER_TOKEN]
)
def test_proxy_headers_values_echoed_in_a_407_are_redacted(
    caplog: pytest.LogCaptureFixture, header: str
) -> None:
    with echoing_proxy() as proxy:
        api = _api(proxy=proxy, proxy_headers={"Proxy-Authorization": header})
        with pytest.raises(exc.ApiException) as info:
            api.create_image(REQUEST)
    assert info.value.status == 407
    _assert_clean(info.value, caplog)


@pytest.mark.parametrize("where", ["HTTPS_PROXY", "ALL_PROXY", "proxy_headers"])
def test_credentials_echoed_by_a_proxy_refusing_the_tunnel_are_redacted(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    with echoing_proxy() as proxy:
        config: dict[str, Any] = {}
        if where == "proxy_headers":
            config = {
                "proxy": proxy,
                "proxy_headers": {"Proxy-Authorization": f"Basic {HEADER_BASIC}"},
            }
        else:
            monkeypatch.setenv(where, _with_credentials(proxy))
        configuration = openapiopenai.Configuration(
            host="https://api.example.test/v1", access_token=API_KEY, retries=0, **config
        )
        client = openapiopenai.ApiClient(configuration)
        with client, pytest.raises(exc.ApiConnectionError) as info:
            ImagesApi(client).create_image(REQUEST)
    assert "407" in str(info.value) and info.value.request_sent is False
    _assert_clean(info.value, caplog)
    printed = "".join(traceback.format_exception(info.type, info.value, info.tb))
    assert all(secret not in printed for secret in SECRETS), printed


def test_an_image_download_through_the_environment_proxy_does_not_show_its_password(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with echoing_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", _with_credentials(proxy))
        with _api().api_client as client, pytest.raises(exc.ImageDownloadError) as info:
            download_image("http://cdn.example.test/img.png", client)
    assert info.value.status == 407
    _assert_clean(info.value, caplog)


def test_the_environment_password_is_kept_out_of_logs_while_the_client_lives(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://alice:" + PASSWORD + "@127.0.0.1:9")
    client = _api().api_client
    logging.getLogger("urllib3.connectionpool").debug("echo %s", PASSWORD)
    logging.getLogger("openapiopenai").warning("echo %s", PASSWORD)
    assert [r.getMessage() for r in caplog.records[-2:]] == ["echo [redacted]"] * 2
    client.close()
