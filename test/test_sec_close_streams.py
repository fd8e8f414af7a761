"""``ApiClient.close()`` closes the connections of responses still being read, too.

An open stream (``*_stream``) or an unread ``*_without_preload_content`` response holds
its connection outside the pool; close() shuts it down and closes it: the socket is gone
(counted in the kernel's table, as test_sec_net_pools does), the server sees EOF, and a
read afterwards (or one blocked in another thread when close() ran) raises
``ApiConnectionError`` rather than hanging, ending quietly or failing with an
``AttributeError``.
"""

from __future__ import annotations

import gc
import json
import os
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pytest
from test_sec_net_pools import _client_sockets

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi
from openapiopenai import exceptions as exc
from openapiopenai.testing import ImagesServer

from _sec_net_servers import read_request
from conftest import API_KEY

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")

STREAM = CreateImageRequest(prompt="p", model="gpt-image-1", partial_images=2)
PARTIAL = {
    "type": "image_generation.partial_image",
    "b64_json": "AA==",
    "partial_image_index": 0,
    "size": "1024x1024",
    "quality": "low",
    "background": "opaque",
    "output_format": "png",
    "created_at": 1,
}


@pytest.fixture
def no_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()  # sockets must be closed by close(), not found later by the collector
    try:
        yield
    finally:
        gc.enable()


class Trickle:
    """A loopback server that sends an SSE event every 20 ms until the client hangs up."""

    def __init__(self, *, chunked: bool, tls: Optional[tuple[Path, Path]] = None) -> None:
        self.chunked = chunked
        self.eof = threading.Event()  # the server saw the client's end of the connection
        self.events_sent = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._context: Optional[ssl.SSLContext] = None
        if tls is not None:
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(str(tls[0]), str(tls[1]))
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> Trickle:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._listener.close()

    def _serve(self) -> None:
        try:
            raw, _ = self._listener.accept()
        except OSError:
            return
        conn: Any = raw
        try:
            if self._context is not None:
                conn = self._context.wrap_socket(raw, server_side=True)
            read_request(conn)
            framing = "Transfer-Encoding: chunked\r\n" if self.chunked else "Connection: close\r\n"
            conn.sendall(
                f"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n{framing}\r\n".encode()
            )
            event = f"event: {PARTIAL['type']}\ndata: {json.dumps(PARTIAL)}\n\n".encode()
            if self.chunked:
                event = b"%x\r\n%s\r\n" % (len(event), event)
            while True:
                conn.sendall(event)
                self.events_sent += 1
                readable, _, _ = select.select([conn], [], [], 0.02)
                if readable and not conn.recv(1):
                    self.eof.set()
                    return
        except OSError:
            self.eof.set()  # the client reset or closed the connection
        finally:
            conn.close()


def _api(host: str, **config: Any) -> ImagesApi:
    configuration = openapiopenai.Configuration(
        host=host, access_token=API_KEY, retries=0, **config
    )
    return ImagesApi(openapiopenai.ApiClient(configuration))


def test_close_closes_the_socket_of_an_open_stream(no_gc: None) -> None:
    with ImagesServer() as images:
        api = _api(images.url)
        release = images.hold_stream(after_events=1)
        stream = api.create_image_stream(STREAM)
        events = iter(stream)
        assert next(events).type == "image_generation.partial_image"
        assert _client_sockets({images.port}) == 1
        api.api_client.close()
        assert _client_sockets({images.port}) == 0
        release.set()
        with pytest.raises(exc.ApiConnectionError) as info:
            next(events)
        assert "closed" in str(info.value) and info.value.request_sent is True
        assert info.value.transient is False
        stream.close()  # closing again is fine
        api.api_client.close()
        # The client still works after close().
        api.create_image(CreateImageRequest(prompt="p", size="256x256"))
        api.api_client.close()
        assert _client_sockets({images.port}) == 0


def test_close_closes_an_unread_response_without_preload_content(no_gc: None) -> None:
    with ImagesServer() as images:
        api = _api(images.url)
        request = CreateImageRequest(prompt="p", size="256x256")
        response = api.create_image_without_preload_content(request)
        assert response.status == 200
        assert _client_sockets({images.port}) == 1
        api.api_client.close()
        assert _client_sockets({images.port}) == 0
        for read in (response.read, lambda: response.read(10), lambda: response.data):
            with pytest.raises(exc.ApiConnectionError, match="closed"):
                read()
        response.close()
        api.api_client.close()
        # A response read to its end before close() keeps its body.
        done = api.create_image_without_preload_content(request)
        body = done.read()
        api.api_client.close()
        assert done.read() == body == done.data and json.loads(body)["data"]


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "until-close"])
@pytest.mark.parametrize("how", ["stream", "read"])
@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_close_ends_a_read_blocked_in_another_thread(
    no_gc: None, tls: tuple[Path, Path], chunked: bool, how: str, secure: bool
) -> None:
    with Trickle(chunked=chunked, tls=tls if secure else None) as server:
        api = _api(server.url, ssl_ca_cert=str(tls[0]) if secure else None)
        outcome: list[BaseException] = []
        started = threading.Event()

        def read() -> None:
            try:
                if how == "stream":
                    with api.create_image_stream(STREAM) as stream:
                        for _ in stream:
                            started.set()
                else:
                    response = api.create_image_without_preload_content(STREAM)
                    started.set()
                    response.read()  # the whole body: it never ends
            except BaseException as e:  # what the test is about
                outcome.append(e)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        assert started.wait(10)
        deadline = time.monotonic() + 10
        while server.events_sent < 3 and time.monotonic() < deadline:
            time.sleep(0.01)  # the reader is now waiting for the next event
        api.api_client.close()
        reader.join(10)
        assert not reader.is_alive(), "the read did not end"
        (error,) = outcome
        assert isinstance(error, exc.ApiConnectionError), repr(error)
        assert "closed" in str(error)
        assert server.eof.wait(5), "the server did not see the connection end"
        assert _client_sockets({server.port}) == 0
