"""TLS failures say truthfully whether the request went out."""

from __future__ import annotations

import os
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi, Retry
from openapiopenai import exceptions as exc

from _sec_net_servers import read_request, self_signed_cert
from conftest import API_KEY


@pytest.fixture
def garbling_server(tls: tuple[Path, Path]) -> Iterator[tuple[int, list[bytes]]]:
    """A TLS server that reads a whole request, then answers with a record that is not TLS."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tls[0]), str(tls[1]))
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls_conn:
                    head, _ = read_request(tls_conn)
                    received.append(head)
                    # An application-data record that does not decrypt, under the TLS layer.
                    with socket.socket(fileno=os.dup(tls_conn.fileno())) as raw:
                        raw.sendall(b"\x17\x03\x03\x00\x20" + b"x" * 32)
            except (OSError, StopIteration):
                pass

    threading.Thread(target=serve, daemon=True).start()
    yield int(listener.getsockname()[1]), received
    listener.close()


def test_a_tls_failure_after_the_request_went_out_is_request_sent(
    tls: tuple[Path, Path], garbling_server: tuple[int, list[bytes]]
) -> None:
    port, received = garbling_server
    configuration = openapiopenai.Configuration(
        host=f"https://127.0.0.1:{port}/v1",
        access_token=API_KEY,
        ssl_ca_cert=str(tls[0]),
        retries=Retry(total=2, backoff_base=0.01, retry_on_timeout=False),
    )
    with (
        openapiopenai.ApiClient(configuration) as client,
        pytest.raises(exc.ApiConnectionError) as info,
    ):
        ImagesApi(client).create_image(CreateImageRequest(prompt="p", size="256x256"))
    assert str(info.value).startswith("TLS error")
    assert info.value.request_sent is True
    assert len(received) == 1


def test_a_failed_handshake_is_not_request_sent(tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)  # not trusted: no ssl_ca_cert
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        try:
            conn, _ = listener.accept()
            with conn, context.wrap_socket(conn, server_side=True):
                pass
        except OSError:
            pass

    threading.Thread(target=serve, daemon=True).start()
    configuration = openapiopenai.Configuration(
        host=f"https://127.0.0.1:{listener.getsockname()[1]}/v1", access_token=API_KEY
    )
    try:
        with (
            openapiopenai.ApiClient(configuration) as client,
            pytest.raises(exc.ApiConnectionError) as info,
        ):
            ImagesApi(client).create_image(CreateImageRequest(prompt="p", size="256x256"))
    finally:
        listener.close()
    assert str(info.value).startswith("TLS error") and info.value.request_sent is False
