"""Plain-HTTP sockets keep their timeouts in the kernel (``_kernel_socket``), over real sockets.

The socket is blocking (no ``poll`` before each call) and still times out as CPython's own
timeout does; every value ``socket.settimeout`` takes or refuses behaves as it does there.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest
from _kernel_timeouts import kernel_timeout, off_the_main_thread, pooled_sockets
from _raw_server import head, raw_server

import openapiopenai
from openapiopenai import _kernel_socket
from openapiopenai._kernel_socket import KernelTimeoutSocket, kernel_timed
from openapiopenai.exceptions import ApiTimeoutError
from openapiopenai.models.create_image_request import CreateImageRequest
from openapiopenai.testing import ImagesServer

linux_only = pytest.mark.skipif(
    not _kernel_socket.SUPPORTED, reason="kernel timeouts are used on 64-bit Linux only"
)


def _connected() -> tuple[socket.socket, socket.socket]:
    """A connected loopback TCP pair: the client end (timeout 5 s) as kernel_timed makes it,
    and the peer."""
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname(), timeout=5)
    peer, _ = listener.accept()
    listener.close()
    return kernel_timed(client), peer


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected pair made on the main thread (the tests' bodies set their timeouts)."""
    moved, peer = _connected()
    try:
        yield moved, peer
    finally:
        moved.close()
        peer.close()


@linux_only
@off_the_main_thread
def test_the_connection_moves_over_with_its_timeout() -> None:
    sock, peer = _connected()
    with sock, peer:
        assert type(sock) is KernelTimeoutSocket and sock.timed_by_kernel
        assert sock.gettimeout() == 5.0
        assert os.get_blocking(sock.fileno()), "CPython must not poll: the descriptor blocks"
        peer.sendall(b"ping")
        assert sock.recv(4) == b"ping"
        assert kernel_timeout(sock, socket.SO_RCVTIMEO) == 5.0
        sock.sendall(b"pong")
        assert peer.recv(4) == b"pong"
        assert kernel_timeout(sock, socket.SO_SNDTIMEO) == 5.0


@linux_only
def test_the_main_thread_keeps_cpythons_timeouts() -> None:
    # Python runs signal handlers on the main thread: a handler that returns would restart
    # a kernel timeout in full (test_review_kernel_socket has a ticking timer).
    sock, peer = _connected()
    with sock, peer:
        assert type(sock) is KernelTimeoutSocket and not sock.timed_by_kernel
        assert sock.gettimeout() == 5.0
        assert not os.get_blocking(sock.fileno()), "CPython's timeout: it polls"
        sock.settimeout(0.2)
        assert (sock.gettimeout(), sock.timed_by_kernel) == (0.2, False)
        with pytest.raises(socket.timeout, match=r"^timed out$"):
            sock.recv(1)
        assert kernel_timeout(sock, socket.SO_RCVTIMEO) == 0.0


@linux_only
def test_the_thread_that_sets_the_timeout_decides_who_keeps_it() -> None:
    sock, peer = _connected()

    def in_a_worker() -> None:
        sock.settimeout(3.0)
        peer.sendall(b"w")
        assert sock.recv(1) == b"w"

    with sock, peer:
        off_the_main_thread(in_a_worker)()
        assert sock.timed_by_kernel and os.get_blocking(sock.fileno())
        assert kernel_timeout(sock, socket.SO_RCVTIMEO) == 3.0
        sock.settimeout(3.0)  # the main thread's request
        assert not sock.timed_by_kernel and not os.get_blocking(sock.fileno())
        peer.sendall(b"m")
        assert sock.recv(1) == b"m"
        off_the_main_thread(in_a_worker)()
        assert sock.timed_by_kernel and os.get_blocking(sock.fileno())


@linux_only
@off_the_main_thread
def test_each_direction_takes_the_timeout_given_before_its_next_call(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    sock, peer = pair
    sock.settimeout(0.25)
    assert sock.gettimeout() == 0.25
    sock.sendall(b"x")
    assert kernel_timeout(sock, socket.SO_SNDTIMEO) == 0.25
    assert kernel_timeout(sock, socket.SO_RCVTIMEO) == 0.0, "nothing received yet: not given yet"
    peer.sendall(b"y")
    sock.recv_into(bytearray(1))
    assert kernel_timeout(sock, socket.SO_RCVTIMEO) == 0.25
    sock.settimeout(None)
    assert sock.gettimeout() is None
    peer.sendall(b"z")
    assert sock.recv(1) == b"z"
    assert kernel_timeout(sock, socket.SO_RCVTIMEO) == 0.0, "None: no limit in the kernel either"


@linux_only
@off_the_main_thread
def test_a_receive_that_waits_past_the_timeout_raises_sockets_own_timeout(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    sock, _ = pair
    sock.settimeout(0.2)
    start = time.monotonic()
    with pytest.raises(socket.timeout, match=r"^timed out$"):
        sock.recv_into(bytearray(10))
    with pytest.raises(socket.timeout):
        sock.recv(10)
    assert time.monotonic() - start < 30, "the timeout must end the wait"


@linux_only
@off_the_main_thread
def test_a_send_the_peer_never_reads_raises_sockets_own_timeout(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    sock, _ = pair
    sock.settimeout(0.2)
    with pytest.raises(socket.timeout, match=r"^timed out$"):
        sock.sendall(b"x" * (64 * 1024 * 1024))  # far more than both buffers hold
    with pytest.raises(socket.timeout):
        while True:
            sock.send(b"x" * 65536)


@linux_only
@off_the_main_thread
def test_zero_and_refused_values_are_the_sockets_own(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    sock, peer = pair
    plain = socket.socket()
    try:
        for value in (-1, float("nan"), "1", float("inf")):
            with pytest.raises(Exception) as ours:
                sock.settimeout(value)  # type: ignore[arg-type]
            with pytest.raises(Exception) as theirs:
                plain.settimeout(value)  # type: ignore[arg-type]
            assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))
    finally:
        plain.close()
    assert sock.gettimeout() == 5.0, "a refused value changes nothing"
    sock.settimeout(0)
    assert sock.gettimeout() == 0.0
    with pytest.raises(BlockingIOError):  # non-blocking, as asked: not a timeout
        sock.recv(1)
    sock.settimeout(3)
    assert sock.gettimeout() == 3.0 and isinstance(sock.gettimeout(), float)
    assert os.get_blocking(sock.fileno())
    peer.sendall(b"a")
    assert sock.recv(1) == b"a"


@linux_only
@off_the_main_thread
def test_a_duplicate_is_a_socket_like_any_other(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    sock, peer = pair
    dup = sock.dup()
    try:
        assert type(dup) is KernelTimeoutSocket and dup.gettimeout() == 5.0
        assert os.get_blocking(dup.fileno())
        dup.settimeout(0.2)
        with pytest.raises(socket.timeout):
            dup.recv(1)
        peer.sendall(b"d")
        assert dup.recv(1) == b"d"
    finally:
        dup.close()


def test_timevals_never_round_a_timeout_down_to_none() -> None:
    assert struct.unpack("@ll", _kernel_socket._timeval(1e-9)) == (0, 1)
    assert struct.unpack("@ll", _kernel_socket._timeval(1.9999999)) == (2, 0)
    assert struct.unpack("@ll", _kernel_socket._timeval(2.5)) == (2, 500000)
    assert struct.unpack("@ll", _kernel_socket._timeval(None)) == (0, 0)


def test_other_sockets_are_left_as_they_are(pair: tuple[socket.socket, socket.socket]) -> None:
    sock, _ = pair
    assert kernel_timed(sock) is sock, "converted once at most"
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        assert kernel_timed(udp) is udp
    finally:
        udp.close()


def test_where_the_kernel_does_not_take_them_sockets_keep_cpythons_timeouts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_kernel_socket, "SUPPORTED", False)
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname(), timeout=5)
    try:
        assert kernel_timed(client) is client
        assert client.gettimeout() == 5.0 and not os.get_blocking(client.fileno())
    finally:
        client.close()
        listener.close()


@linux_only
@off_the_main_thread
def test_plain_http_calls_go_through_kernel_timed_sockets(images: ImagesServer) -> None:
    config = openapiopenai.Configuration(
        host=images.url, access_token="sk-test", timeout=(2.0, 7.0)
    )
    with openapiopenai.ApiClient(config) as client:
        api = openapiopenai.ImagesApi(client)
        api.create_image(CreateImageRequest(prompt="an otter", n=1, response_format="url"))
        api.create_image(CreateImageRequest(prompt="an otter", n=1, response_format="url"))
        (sock,) = pooled_sockets(client)
        assert type(sock) is KernelTimeoutSocket
        assert os.get_blocking(sock.fileno())
        assert kernel_timeout(sock, socket.SO_SNDTIMEO) == 2.0  # urllib3 sends under connect's
        assert kernel_timeout(sock, socket.SO_RCVTIMEO) == 7.0


@linux_only
@off_the_main_thread
def test_a_stalled_answer_is_a_read_timeout_and_not_resent() -> None:
    stop = threading.Event()

    def respond(conn: socket.socket) -> None:
        stop.wait(20)  # the request was read; no answer comes

    with raw_server(respond) as (url, requests):
        config = openapiopenai.Configuration(host=url, access_token="sk-test")
        with openapiopenai.ApiClient(config) as client:
            api = openapiopenai.ImagesApi(client)
            start = time.monotonic()
            with pytest.raises(ApiTimeoutError) as e:
                api.create_image(CreateImageRequest(prompt="an otter"), _request_timeout=(2, 0.3))
            assert time.monotonic() - start < 15, "the read timeout must end the wait"
        stop.set()
    assert (e.value.phase, e.value.request_sent) == ("read", True)
    assert len(requests) == 1


@linux_only
@off_the_main_thread
def test_a_body_that_stops_halfway_is_a_read_timeout() -> None:
    stop = threading.Event()

    def respond(conn: socket.socket) -> None:
        conn.sendall(head("200 OK", {"Content-Type": "application/json"}, 1000) + b'{"created":')
        stop.wait(20)

    with raw_server(respond) as (url, _):
        config = openapiopenai.Configuration(host=url, access_token="sk-test")
        with openapiopenai.ApiClient(config) as client:
            api = openapiopenai.ImagesApi(client)
            with pytest.raises(ApiTimeoutError) as e:
                api.create_image(CreateImageRequest(prompt="an otter"), _request_timeout=(2, 0.3))
        stop.set()
    assert (e.value.phase, e.value.request_sent) == ("read", True)
