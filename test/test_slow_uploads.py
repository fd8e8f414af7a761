"""An upload over a link slower than (size / connect timeout) still goes through.

urllib3 sends a request under the connect timeout, and CPython's ``sendall`` (and ssl's)
has one deadline for all it is given: handed a whole 3 MB image at once, a server taking
1.6 MB/s made the upload time out after the connect timeout, although the server never
stopped reading.  The body is now given to the socket in blocks: the timeout bounds each
wait for the server to take more.  The servers here read slowly through small buffers, over
plain HTTP (CPython's own socket timeouts, as where the kernel keeps none or on the main
thread; and kernel timeouts, on a worker thread) and over TLS.
"""

from __future__ import annotations

import os
import socket
import ssl
import time
from pathlib import Path

import pytest
from _kernel_timeouts import off_the_main_thread
from _raw_server import slow_reader

import openapiopenai
from openapiopenai import _kernel_socket
from openapiopenai._png import encode_png
from openapiopenai.exceptions import BadRequestException

from conftest import API_KEY

SIDE = 880  # an incompressible RGBA PNG of about 3 MB


@pytest.fixture(scope="module")
def big_png() -> bytes:
    return encode_png(SIDE, SIDE, os.urandom(SIDE * SIDE * 4), color_type=6)


def _upload(host: str, png: bytes, **config: object) -> BadRequestException:
    configuration = openapiopenai.Configuration(
        host=host, access_token=API_KEY, timeout=(0.5, 30.0), retries=0, **config
    )
    # A small send buffer, so the kernel cannot take the whole image at once.
    configuration.socket_options = [
        (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
        (socket.SOL_SOCKET, socket.SO_SNDBUF, 32768),
    ]
    with (
        openapiopenai.ApiClient(configuration) as client,
        pytest.raises(BadRequestException) as info,
    ):
        openapiopenai.ImagesApi(client).create_image_variation(png)
    return info.value


@pytest.mark.parametrize(
    "sockets", ["CPython's timeouts", "the main thread", "a worker thread (kernel timeouts)"]
)
def test_a_slow_plain_upload_takes_longer_than_the_connect_timeout(
    sockets: str, big_png: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sockets == "CPython's timeouts":  # as where the kernel keeps none
        monkeypatch.setattr(_kernel_socket, "SUPPORTED", False)
    errors: list[BadRequestException] = []
    with slow_reader(16384, 0.01, rcvbuf=16384) as (url, _, received):

        def upload() -> None:
            errors.append(_upload(url, big_png))

        start = time.monotonic()
        if sockets.startswith("a worker"):
            off_the_main_thread(upload)()
        else:
            upload()
        took = time.monotonic() - start
    assert "read it all" in str(errors[0])
    assert len(received) == 1 and received[0] > len(big_png)
    assert took > 0.5, "the upload must have outlasted the connect timeout to test anything"


def test_a_slow_tls_upload_takes_longer_than_the_connect_timeout(
    tls: tuple[Path, Path], big_png: bytes
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tls[0]), str(tls[1]))
    with slow_reader(16384, 0.01, rcvbuf=16384, context=context) as (url, _, received):
        start = time.monotonic()
        error = _upload(url, big_png, ssl_ca_cert=str(tls[0]))
        took = time.monotonic() - start
    assert "read it all" in str(error)
    assert len(received) == 1 and received[0] > len(big_png)
    assert took > 0.5, "the upload must have outlasted the connect timeout to test anything"
