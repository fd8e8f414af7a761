"""The connection pools: a client keeps working after pool eviction, and close() closes.

The servers run in this process, so "our" sockets are told apart from theirs by the
kernel's table: a client socket is one of this process's descriptors whose remote port
is a server's.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi, Retry
from openapiopenai import exceptions as exc
from openapiopenai._download import download_image
from openapiopenai.testing import ImagesServer

from _sec_net_servers import Origin, Proxy
from conftest import API_KEY

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")


@pytest.fixture
def origins() -> Iterator[list[Origin]]:
    with ExitStack() as stack:
        yield [stack.enter_context(Origin()) for _ in range(6)]  # more than num_pools (4)


def _client_sockets(remote_ports: set[int]) -> int:
    """This process's open TCP sockets connected to one of ``remote_ports``."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if fields[9] in inodes and remote_port in remote_ports:
                count += 1
    return count


def test_calls_keep_working_after_the_api_pool_was_evicted(
    images: ImagesServer, origins: list[Origin]
) -> None:
    configuration = openapiopenai.Configuration(host=images.url, access_token=API_KEY)
    with openapiopenai.ApiClient(configuration) as client:
        api = ImagesApi(client)
        api.create_image(CreateImageRequest(prompt="p", size="256x256"))
        for origin in origins:
            assert download_image(origin.url("/x.png"), client).data
        # The API's pool was evicted and is rebuilt from the cached route.
        api.create_image(CreateImageRequest(prompt="p", size="256x256"))
        for origin in origins:
            assert download_image(origin.url("/y.png"), client).data
        api.create_image(CreateImageRequest(prompt="p", size="256x256"))
    assert len(images.requests) == 3


def test_close_closes_every_socket_after_failures_and_evictions(
    images: ImagesServer, origins: list[Origin]
) -> None:
    ports = {images.port} | {o.port for o in origins}
    gc.collect()
    gc.disable()  # sockets must be closed by close(), not found later by the collector
    try:
        assert _client_sockets(ports) == 0
        configuration = openapiopenai.Configuration(
            host=images.url, access_token=API_KEY, retries=Retry(total=1, backoff_base=0.01)
        )
        client = openapiopenai.ApiClient(configuration)
        api = ImagesApi(client)
        api.create_image(CreateImageRequest(prompt="p", size="256x256"))
        images.drop_connection()
        with pytest.raises(exc.ApiConnectionError):
            api.create_image(CreateImageRequest(prompt="p", size="256x256"))
        images.respond_with(500, "down", times=2)
        with pytest.raises(exc.ApiException):
            api.create_image(CreateImageRequest(prompt="p", size="256x256"))
        for origin in origins:  # evicts pools that still hold idle connections
            assert download_image(origin.url("/x.png"), client).data
        api.create_image(CreateImageRequest(prompt="p", size="256x256"))
        assert _client_sockets(ports) > 0
        client.close()
        assert _client_sockets(ports) == 0
        # The client still works after close(), and closes again.
        api.create_image(CreateImageRequest(prompt="p", size="256x256"))
        client.close()
        assert _client_sockets(ports) == 0
    finally:
        gc.enable()


def test_a_connection_returned_to_an_evicted_pool_is_closed(
    images: ImagesServer, origins: list[Origin]
) -> None:
    ports = {images.port} | {o.port for o in origins}
    gc.collect()
    gc.disable()
    try:
        configuration = openapiopenai.Configuration(host=images.url, access_token=API_KEY)
        client = openapiopenai.ApiClient(configuration)
        api = ImagesApi(client)
        release = images.hold_stream(after_events=1)
        request = CreateImageRequest(prompt="p", model="gpt-image-1", partial_images=2)
        with api.create_image_stream(request) as stream:
            events = iter(stream)
            next(events)
            for origin in origins:  # the stream's pool is evicted while it is checked out
                assert download_image(origin.url("/x.png"), client).data
            release.set()
            assert list(events)
        client.close()
        assert _client_sockets(ports) == 0
    finally:
        gc.enable()


def test_close_closes_the_connections_to_proxies(
    monkeypatch: pytest.MonkeyPatch, images: ImagesServer, origins: list[Origin]
) -> None:
    gc.collect()
    gc.disable()
    try:
        with Proxy() as configured, Proxy() as from_environment:
            monkeypatch.setenv("HTTP_PROXY", from_environment.url)
            monkeypatch.setenv("NO_PROXY", "127.0.0.1")
            ports = {configured.port, from_environment.port}
            clients = [
                openapiopenai.ApiClient(
                    openapiopenai.Configuration(
                        host=images.url, access_token=API_KEY, proxy=configured.url
                    )
                ),
                openapiopenai.ApiClient(
                    openapiopenai.Configuration(host=images.url, access_token=API_KEY)
                ),
            ]
            for client in clients:
                ImagesApi(client).create_image(CreateImageRequest(prompt="p", size="256x256"))
                for origin in origins[:2]:  # by name: through the environment's proxy
                    assert download_image(origin.url("/x.png", host="localhost"), client).data
            assert len(from_environment.requests()) == 2
            assert _client_sockets(ports) > 0
            for client in clients:
                client.close()
            assert _client_sockets(ports) == 0
    finally:
        gc.enable()
