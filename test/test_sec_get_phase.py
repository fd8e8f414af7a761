"""A bodyless GET lost after it went out is reported as sent, behind a proxy or not.

A GET has no body whose last chunk marks the request as sent, so the client tells by
where the failure happened: while waiting for the response's status line, the whole
request had gone out.  Real loopback proxies (forwarding for http, CONNECT for https)
drop the connection at each phase; image downloads and API GETs (``FilesApi``) alike.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from _raw_server import raw_server

import openapiopenai
from openapiopenai import FilesApi, Retry
from openapiopenai import exceptions as exc
from openapiopenai._download import download_image
from openapiopenai.testing import ImagesServer

from _sec_net_servers import Origin, Proxy, refused_port
from conftest import API_KEY

RETRY = Retry(total=2, backoff_base=0.01)
AFTER_SENT = ["before_forwarding", "after_forwarding", "reset_after_forwarding"]


def _client(host: str, **config: Any) -> openapiopenai.ApiClient:
    configuration = openapiopenai.Configuration(
        host=host, access_token=API_KEY, retries=RETRY, **config
    )
    return openapiopenai.ApiClient(configuration)


def _assert_sent(error: exc.ApiTransportError) -> None:
    assert isinstance(error, exc.ApiConnectionError), repr(error)
    assert error.request_sent is True
    assert "could not connect" not in str(error)
    assert "while reading the response" in str(error), str(error)
    assert error.retries == 0


@pytest.mark.parametrize("fault", AFTER_SENT)
def test_a_forwarded_image_download_lost_after_it_was_sent_is_reported_as_sent(
    fault: str,
) -> None:
    with Origin() as cdn, Proxy(fault=fault) as proxy:
        client = _client("http://127.0.0.1:9/v1", proxy=proxy.url)
        with client, pytest.raises(exc.ApiConnectionError) as info:
            download_image(cdn.url("/img.png"), client)
        _assert_sent(info.value)
        assert [r.method for r in proxy.requests()] == ["GET"]
        assert len(cdn.requests()) == (0 if fault == "before_forwarding" else 1)


@pytest.mark.parametrize("fault", ["after_forwarding", "reset_after_forwarding"])
def test_a_tunnelled_image_download_lost_after_it_was_sent_is_reported_as_sent(
    tls: tuple[Path, Path], fault: str
) -> None:
    with Origin(tls=tls) as cdn:
        seen = Proxy(fault=fault, upstream_seen=lambda: len(cdn.requests()))
        with seen as proxy:
            client = _client(cdn.url("/v1"), proxy=proxy.url, ssl_ca_cert=str(tls[0]))
            with client, pytest.raises(exc.ApiConnectionError) as info:
                download_image(cdn.url("/img.png"), client)
    _assert_sent(info.value)
    assert [r.method for r in proxy.requests()] == ["CONNECT"]
    assert [r.method for r in cdn.requests()] == ["GET"]


@pytest.mark.parametrize("fault", AFTER_SENT)
def test_a_proxied_api_get_lost_after_it_was_sent_is_not_sent_again(
    images: ImagesServer, fault: str
) -> None:
    file_id = images.add_file(b"hello", "a.txt")
    with Proxy(fault=fault) as proxy:
        client = _client(images.url, proxy=proxy.url)
        with client, pytest.raises(exc.ApiConnectionError) as info:
            FilesApi(client).retrieve_file(file_id)
    _assert_sent(info.value)
    assert len(proxy.requests()) == 1  # not retried: the rules of a POST
    assert len(images.requests) == (0 if fault == "before_forwarding" else 1)


def test_a_direct_get_lost_after_it_was_sent_is_reported_as_sent(images: ImagesServer) -> None:
    file_id = images.add_file(b"hello", "a.txt")
    images.drop_connection(times=3)
    with _client(images.url) as client, pytest.raises(exc.ApiConnectionError) as info:
        FilesApi(client).download_file(file_id)
    _assert_sent(info.value)
    assert len(images.requests) == 1


def test_a_get_answered_by_a_read_timeout_is_sent_and_not_sent_again() -> None:
    def silent(conn: socket.socket) -> None:
        conn.recv(1)  # until the client gives up

    with raw_server(silent) as (url, requests):
        client = _client(url, timeout=(5.0, 0.3))
        with client, pytest.raises(exc.ApiTimeoutError) as info:
            FilesApi(client).retrieve_file("file-1")
    assert info.value.phase == "read" and info.value.request_sent is True
    assert len(requests) == 1


def test_a_get_to_a_proxy_that_refuses_the_connection_is_still_retried(
    images: ImagesServer,
) -> None:
    with _client(images.url, proxy=f"http://127.0.0.1:{refused_port()}") as client:
        with pytest.raises(exc.ApiConnectionError) as info:
            FilesApi(client).retrieve_file("file-1")
        assert info.value.request_sent is False and info.value.retries == 2
        assert "could not connect through the proxy" in str(info.value)
        with pytest.raises(exc.ApiConnectionError) as download:
            download_image(images.origin + "/x.png", client)
        assert download.value.request_sent is False
        assert "could not connect through the proxy" in str(download.value)
    assert images.requests == []


def test_a_tunnel_the_proxy_drops_while_opening_is_not_sent(tls: tuple[Path, Path]) -> None:
    def close_on_connect(conn: socket.socket) -> None:
        pass  # reads the CONNECT, answers nothing

    with Origin(tls=tls) as cdn, raw_server(close_on_connect) as (proxy_url, requests):
        proxy = proxy_url.rsplit("/", 1)[0]
        client = _client(cdn.url("/v1"), proxy=proxy, ssl_ca_cert=str(tls[0]))
        with client, pytest.raises(exc.ApiConnectionError) as info:
            download_image(cdn.url("/img.png"), client)
    assert info.value.request_sent is False
    assert [r.split(b" ", 1)[0] for r in requests] == [b"CONNECT"]
    assert cdn.requests() == []
