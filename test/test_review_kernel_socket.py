"""Review of kernel-kept timeouts (``_kernel_socket``): what a caller sees is as before.

Each test runs the same call twice over real loopback sockets: once as shipped (plain-HTTP
sockets are ``KernelTimeoutSocket``s) and once with CPython's own timeouts (what the
client did before), and compares what the caller sees: the exception's class, ``phase``,
``request_sent``, ``transient`` and text, and how many requests the server got (retries).
"""

from __future__ import annotations

import contextlib
import gzip
import os
import pickle
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from _kernel_timeouts import kernel_timeout, off_the_main_thread, pooled_sockets
from _raw_server import chunk, head, raw_server, slow_reader
from urllib3.util.timeout import Timeout

import openapiopenai
from openapiopenai import (
    CreateImageRequest,
    FilesApi,
    ImagesApi,
    Retry,
    _connection,
    _kernel_socket,
)
from openapiopenai._kernel_socket import KernelTimeoutSocket, kernel_timed
from openapiopenai.exceptions import ApiException, ApiTimeoutError
from openapiopenai.testing import ImagesServer

from _sec_net_servers import Proxy
from conftest import API_KEY

pytestmark = pytest.mark.skipif(
    not _kernel_socket.SUPPORTED, reason="kernel timeouts are used on 64-bit Linux only"
)

#: Outcome of a call: ("ok", ...) or the exception's class, phase, request_sent,
#: transient and text, then the number of requests the server received.
Outcome = tuple[Any, ...]

NO_RETRY = Retry(0)


@contextlib.contextmanager
def _sockets(kernel: bool) -> Iterator[list[type]]:
    """Plain-HTTP connections made meanwhile use kernel timeouts (or, not, CPython's);
    yields the types of the sockets they were given."""
    made: list[type] = []

    def timed(sock: socket.socket) -> socket.socket:
        out = kernel_timed(sock) if kernel else sock
        made.append(type(out))
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_connection, "kernel_timed", timed)
        yield made


def _outcome(call: Callable[[], object]) -> tuple[Any, ...]:
    try:
        call()
    except ApiException as e:
        return (
            type(e).__name__,
            getattr(e, "phase", None),
            getattr(e, "request_sent", None),
            getattr(e, "transient", None),
            str(e),
        )
    return ("ok",)


def _both(run: Callable[[], Outcome]) -> tuple[Outcome, Outcome]:
    """``run()`` with kernel timeouts, then with CPython's: (as shipped, as before)."""
    with _sockets(kernel=True) as made:
        shipped = run()
    assert KernelTimeoutSocket in made, "the call must have gone through a kernel-timed socket"
    with _sockets(kernel=False) as made:
        before = run()
    assert made and KernelTimeoutSocket not in made
    return shipped, before


def _api(url: str, retries: Any = NO_RETRY, **config: Any) -> tuple[openapiopenai.ApiClient, Any]:
    configuration = openapiopenai.Configuration(
        host=url, access_token=API_KEY, retries=retries, **config
    )
    return openapiopenai.ApiClient(configuration), configuration


def _generate(
    url: str, retries: Any = NO_RETRY, config: Optional[dict[str, Any]] = None, **kwargs: Any
) -> Callable[[], object]:
    def call() -> object:
        client, _ = _api(url, retries, **(config or {}))
        with client:
            return ImagesApi(client).create_image(CreateImageRequest(prompt="an otter"), **kwargs)

    return call


# -- read timeouts: wherever the response stalls ---------------------------------------

_STALLS: dict[str, bytes] = {
    "status line": b"",
    "mid status line": b"HTTP/1.1 200",
    "mid headers": b"HTTP/1.1 200 OK\r\nContent-Type: applic",
    "content-length body": head("200 OK", {"Content-Type": "application/json"}, 1000)
    + b'{"created":',
    "chunked body": head(
        "200 OK", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    )
    + chunk(b'{"created": 1,'),
    "gzip body": head(
        "200 OK", {"Content-Type": "application/json", "Content-Encoding": "gzip"}, 5000
    )
    + gzip.compress(b'{"created": 1, "data": []}' + b" " * 4000)[:40],
    "error body": head("500 Internal Server Error", {"Content-Type": "application/json"}, 900)
    + b'{"error":',
}


@pytest.mark.parametrize("retry_on_timeout", [False, True])
@pytest.mark.parametrize("where", list(_STALLS))
def test_a_read_that_stalls_fails_and_retries_as_before(where: str, retry_on_timeout: bool) -> None:
    sent = _STALLS[where]
    stop = threading.Event()

    def respond(conn: socket.socket) -> None:
        if sent:
            conn.sendall(sent)
        stop.wait(20)

    retries = Retry(total=1, backoff_base=0.01, retry_on_timeout=retry_on_timeout)

    def run() -> Outcome:
        with raw_server(respond) as (url, requests):
            outcome = _outcome(_generate(url, retries, _request_timeout=(5, 0.3)))
            count = len(requests)
        return (*outcome, count)

    try:
        shipped, before = _both(run)
    finally:
        stop.set()
    assert shipped == before
    assert shipped[0] in ("ApiTimeoutError", "ApiConnectionError", "InternalServerException")


def test_a_stalled_event_stream_fails_as_before(images: ImagesServer) -> None:
    def run() -> Outcome:
        release = images.hold_stream(after_events=1)
        client, _ = _api(images.url, timeout=(5, 0.3))
        events: list[str] = []

        def call() -> None:
            request = CreateImageRequest(prompt="an otter", model="gpt-image-1", partial_images=2)
            with client, ImagesApi(client).create_image_stream(request) as stream:
                for event in stream:
                    events.append(type(event).__name__)

        try:
            outcome = _outcome(call)
        finally:
            release.set()
        return (*outcome, events)

    shipped, before = _both(run)
    assert shipped == before
    assert shipped[0] == "ApiTimeoutError" and shipped[-1], "an event, then the timeout"


# -- send timeouts: a server that takes the upload slowly, or not at all --------------


#: A small send buffer on the client, so that a slow reader holds the upload back at once.
_SMALL_SEND_BUFFER = [(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)]
_UPLOAD_SIZE = 2 << 20


def _noisy_png(size: int) -> bytes:
    """A valid PNG of about ``size`` bytes (incompressible pixels)."""
    from openapiopenai._png import encode_png

    side = int((size // 4) ** 0.5) + 1
    return encode_png(side, side, os.urandom(side * side * 4), color_type=6)


_UPLOADS: dict[str, Callable[[openapiopenai.ApiClient, Path], object]] = {
    "edit, bytes": lambda client, _: ImagesApi(client).create_image_edit(
        _noisy_png(_UPLOAD_SIZE), "an otter"
    ),
    "file, bytes": lambda client, _: FilesApi(client).create_file(
        b"x" * _UPLOAD_SIZE, purpose="user_data"
    ),
    "file, path": lambda client, tmp: FilesApi(client).create_file(
        str(tmp / "upload.bin"), purpose="user_data"
    ),
}


@pytest.mark.parametrize("upload", list(_UPLOADS))
@pytest.mark.parametrize("reader", ["never reads", "reads steadily"])
def test_an_upload_to_a_slow_server_ends_as_on_cpythons_sockets(
    upload: str, reader: str, tmp_path: Path
) -> None:
    """A server that stops taking the upload: a send timeout (not sent whole: retried).
    One that keeps reading, however long the whole takes: the upload goes through.

    (CPython's ``sendall`` has one deadline for all it is given, ``_connection`` gives its
    sockets 256 KiB at a time; the kernel's timeout ends a ``send`` that waited that long.)
    """
    (tmp_path / "upload.bin").write_bytes(b"y" * _UPLOAD_SIZE)
    # Steadily: ~1.3 MB/s, a 256 KiB block in ~0.2 s, the whole in ~1.6 s (timeout 0.6 s).
    per_read, pause = (0, 0.0) if reader == "never reads" else (16384, 0.01)

    def run() -> Outcome:
        retries = Retry(total=1, backoff_base=0.01)
        with slow_reader(per_read, pause, rcvbuf=16384) as (url, accepted, received):
            config = {"timeout": (0.6, 30), "socket_options": _SMALL_SEND_BUFFER}
            client, _ = _api(url, retries, **config)
            with client:
                outcome = _outcome(lambda: _UPLOADS[upload](client, tmp_path))
            whole = [n >= _UPLOAD_SIZE for n in received]
            return (*outcome, len(accepted), whole)

    shipped, before = _both(run)
    if reader == "never reads":
        assert before[:3] == ("ApiConnectionError", None, False) and before[-2] == 2, before
    else:
        assert before[0] == "BadRequestException" and "read it all" in before[4], before
        assert before[-2:] == (1, [True])
    assert shipped == before


# -- timeouts per call and per configuration, on one pooled connection -----------------


@off_the_main_thread
def test_each_calls_timeouts_reach_the_kernel_on_a_reused_connection(
    images: ImagesServer,
) -> None:
    client, config = _api(images.url, timeout=(2.0, 7.0))
    api = ImagesApi(client)
    request = CreateImageRequest(prompt="an otter", response_format="url")
    steps: list[tuple[dict[str, Any], Optional[float], Optional[float], Optional[float]]] = [
        ({}, 2.0, 7.0, 7.0),
        ({"_request_timeout": 3.5}, 3.5, 3.5, 3.5),
        ({"_request_timeout": (1.25, 9.0)}, 1.25, 9.0, 9.0),
        ({"_request_timeout": Timeout(connect=4.0, read=6.0)}, 4.0, 6.0, 6.0),
        ({"_request_timeout": (1.5, None)}, 1.5, 0.0, None),
        ({"timeout": (2.5, 8.5)}, 2.5, 8.5, 8.5),
        ({"timeout": None}, 0.0, 0.0, None),
        ({"timeout": 4.25}, 4.25, 4.25, 4.25),
    ]
    with client:
        for options, send, receive, gettimeout in steps:
            if "timeout" in options:
                config.timeout = options["timeout"]
                options = {}
            api.create_image(request, **options)
            (sock,) = pooled_sockets(client)
            assert type(sock) is KernelTimeoutSocket
            assert (
                kernel_timeout(sock, socket.SO_SNDTIMEO),
                kernel_timeout(sock, socket.SO_RCVTIMEO),
                sock.gettimeout(),
            ) == (send, receive, gettimeout), options
        assert client.rest_client.connections_opened() == 1, "one connection, reused"


def test_a_short_read_timeout_after_a_long_one_on_the_same_connection_fires(
    images: ImagesServer,
) -> None:
    def run() -> Outcome:
        client, _ = _api(images.url, timeout=(5, None))
        api = ImagesApi(client)
        request = CreateImageRequest(prompt="an otter", response_format="url")
        with client:
            api.create_image(request)
            images.delay(3)
            outcome = _outcome(lambda: api.create_image(request, _request_timeout=(5, 0.3)))
            return (*outcome, client.rest_client.connections_opened())

    shipped, before = _both(run)
    assert shipped == before and shipped[0] == "ApiTimeoutError"


# -- closing from another thread while a read blocks ----------------------------------


@pytest.mark.parametrize("keep_alive", [True, False])
@pytest.mark.parametrize("how", ["client.close()", "response.close()"])
def test_closing_while_a_body_read_blocks_ends_the_read_as_before(
    how: str, keep_alive: bool
) -> None:
    stop = threading.Event()
    # Connection: close hands the socket over to the response (http.client).
    headers = {"Content-Type": "application/json"}
    if not keep_alive:
        headers["Connection"] = "close"

    def respond(conn: socket.socket) -> None:
        conn.sendall(head("200 OK", headers, 1000) + b"{")
        stop.wait(20)

    def run() -> Outcome:
        with raw_server(respond) as (url, _):
            client, _ = _api(url, timeout=(5, None))  # no read timeout: only close() ends it
            api = ImagesApi(client)
            response = api.create_image_without_preload_content(
                CreateImageRequest(prompt="an otter")
            )
            result: list[Outcome] = []
            reader = threading.Thread(target=lambda: result.append(_outcome(response.read)))
            reader.start()
            time.sleep(0.2)  # let the read block (either way the outcome is the same)
            if how == "client.close()":
                client.close()
            else:
                response.close()
            reader.join(20)
            assert not reader.is_alive(), "close() must end the blocked read"
            client.close()
            return result[0]

    try:
        shipped, before = _both(run)
    finally:
        stop.set()
    assert shipped == before
    assert shipped[:4] == ("ApiConnectionError", None, True, False)


def test_closing_the_client_while_a_stream_read_blocks_ends_it_as_before(
    images: ImagesServer,
) -> None:
    def run() -> Outcome:
        release = images.hold_stream(after_events=1)
        client, _ = _api(images.url, timeout=(5, None))
        request = CreateImageRequest(prompt="an otter", model="gpt-image-1", partial_images=2)
        events: list[str] = []
        first = threading.Event()

        def consume() -> None:
            with ImagesApi(client).create_image_stream(request) as stream:
                for event in stream:
                    events.append(type(event).__name__)
                    first.set()

        result: list[Outcome] = []
        reader = threading.Thread(target=lambda: result.append(_outcome(consume)))
        reader.start()
        try:
            assert first.wait(20), "the first event arrived"
            time.sleep(0.2)  # into the blocked read of the next one
            client.close()
            reader.join(20)
            assert not reader.is_alive(), "close() must end the blocked read"
        finally:
            release.set()
        return (*result[0], events)

    shipped, before = _both(run)
    assert shipped == before
    assert shipped[:4] == ("ApiConnectionError", None, True, False)


# -- proxies ---------------------------------------------------------------------------


def test_a_read_timeout_through_a_forwarding_proxy_is_as_before(images: ImagesServer) -> None:
    def run() -> Outcome:
        images.delay(2.0)
        with Proxy() as proxy:
            outcome = _outcome(
                _generate(images.url, config={"proxy": proxy.url}, _request_timeout=(5, 0.3))
            )
        return (*outcome, len(proxy.requests()))

    shipped, before = _both(run)
    assert shipped == before and shipped[:3] == ("ApiTimeoutError", "read", True)


@contextlib.contextmanager
def _stalling_tls_origin(tls: tuple[Path, Path], stop: threading.Event) -> Iterator[int]:
    """A TLS server on loopback that reads a request and never answers."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tls[0]), str(tls[1]))
    listener = socket.create_server(("127.0.0.1", 0))

    def serve_one(raw: socket.socket) -> None:
        try:
            with context.wrap_socket(raw, server_side=True) as conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    piece = conn.recv(65536)
                    if not piece:
                        return
                    data += piece
                stop.wait(20)
        except OSError:
            pass

    def serve() -> None:
        while True:
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve_one, args=(raw,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        listener.close()


@pytest.mark.parametrize("route", ["direct", "CONNECT tunnel"])
def test_https_keeps_cpythons_timeouts(tls: tuple[Path, Path], route: str) -> None:
    stop = threading.Event()
    with _stalling_tls_origin(tls, stop) as port, Proxy() as proxy, _sockets(True) as made:
        config: dict[str, Any] = {"ssl_ca_cert": str(tls[0])}
        if route != "direct":
            config["proxy"] = proxy.url
        call = _generate(f"https://127.0.0.1:{port}/v1", config=config, _request_timeout=(5, 0.3))
        outcome = _outcome(call)
    assert made == [], "no plain-HTTP connection: the socket under TLS is CPython's"
    assert outcome[:3] == ("ApiTimeoutError", "read", True)
    assert len(proxy.requests()) == (0 if route == "direct" else 1)


# -- signals ---------------------------------------------------------------------------

_CHILD = """
import signal, sys, time
sys.path.insert(0, {test_dir!r})
import openapiopenai
from openapiopenai import _connection, _kernel_socket
from openapiopenai import CreateImageRequest, ImagesApi, Retry
if not {kernel!r}:
    _connection.kernel_timed = lambda sock: sock
made = []
_timed = _connection.kernel_timed
def _recorded(sock):
    out = _timed(sock)
    made.append(type(out).__name__)
    return out
_connection.kernel_timed = _recorded
{setup}
config = openapiopenai.Configuration(
    host={url!r}, access_token="sk-child", retries=Retry(0), timeout={timeout!r}
)
client = openapiopenai.ApiClient(config)
start = time.monotonic()
try:
    ImagesApi(client).create_image(CreateImageRequest(prompt="an otter"))
    print("answered", made)
except KeyboardInterrupt:
    print("KeyboardInterrupt", made)
except Exception as e:
    print(type(e).__name__, made)
"""


def _child(url: str, kernel: bool, timeout: Any, setup: str = "") -> subprocess.Popen[str]:
    code = _CHILD.format(
        test_dir=str(Path(__file__).parent), kernel=kernel, url=url, timeout=timeout, setup=setup
    )
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, text=True
    )


def _finish(child: subprocess.Popen[str]) -> str:
    try:
        out, _ = child.communicate(timeout=30)  # a hang guard, not a timing assertion
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return "hung"
    return out.strip()


@pytest.mark.parametrize("timeout", [None, (5, 600)])
def test_ctrl_c_during_a_blocking_read_raises_keyboard_interrupt(timeout: Any) -> None:
    got_request = threading.Event()
    stop = threading.Event()

    def respond(conn: socket.socket) -> None:
        got_request.set()
        stop.wait(30)

    results = []
    with raw_server(respond) as (url, _):
        for kernel in (True, False):
            got_request.clear()
            child = _child(url, kernel, timeout)
            assert got_request.wait(30), "the child sent its request"
            time.sleep(0.3)  # into its blocking read (were it not yet, the outcome is the same)
            os.kill(child.pid, signal.SIGINT)
            results.append(_finish(child))
    stop.set()
    kernel_made = "['KernelTimeoutSocket']"
    assert results == [f"KeyboardInterrupt {kernel_made}", "KeyboardInterrupt ['socket']"]


_TICKING = """
signal.signal(signal.SIGALRM, lambda *args: None)
signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
"""


def test_a_read_timeout_still_fires_while_signals_keep_arriving() -> None:
    """A process whose Python signal handler runs every 50 ms (a profiler, a watchdog):
    a read timeout of 0.5 s must still end a read the server answers only after 6 s.

    A kernel timeout would start again in full after each handler: the main thread,
    where the handlers run, keeps CPython's timeouts (its socket is a KernelTimeoutSocket
    that leaves them to CPython)."""
    late = head("200 OK", {"Content-Type": "application/json"}, 26) + b'{"created": 1, "data": []}'
    stop = threading.Event()

    def respond(conn: socket.socket) -> None:
        if not stop.wait(6):
            conn.sendall(late)

    results = []
    with raw_server(respond) as (url, _):
        for kernel in (True, False):
            results.append(_finish(_child(url, kernel, (5, 0.5), setup=_TICKING)))
    stop.set()
    assert results == ["ApiTimeoutError ['KernelTimeoutSocket']", "ApiTimeoutError ['socket']"]


_TICKING_WORKER = """
import signal, sys, threading
sys.path.insert(0, {test_dir!r})
import openapiopenai
from openapiopenai import _kernel_socket
from openapiopenai import CreateImageRequest, ImagesApi, Retry
signal.signal(signal.SIGALRM, lambda *args: None)
signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
modes, outcome = [], []
_settimeout = _kernel_socket.KernelTimeoutSocket.settimeout
def _recording(self, value):
    _settimeout(self, value)
    modes.append(self.timed_by_kernel)
_kernel_socket.KernelTimeoutSocket.settimeout = _recording
config = openapiopenai.Configuration(
    host={url!r}, access_token="sk-child", retries=Retry(0), timeout=(5, 0.5)
)
client = openapiopenai.ApiClient(config)
def call():
    try:
        ImagesApi(client).create_image(CreateImageRequest(prompt="an otter"))
        outcome.append("answered")
    except Exception as e:
        outcome.append(type(e).__name__)
worker = threading.Thread(target=call)
worker.start()
while worker.is_alive():
    worker.join(0.2)  # the main thread takes the ticks meanwhile
print(outcome[0], "kernel" if modes and all(modes) else modes)
"""


def test_off_the_main_thread_a_read_timeout_fires_while_signals_keep_arriving() -> None:
    """The same ticking handler, with the call on a worker thread (its socket's timeout
    kept by the kernel): Linux gives the signals to the main thread, the read times out."""
    late = head("200 OK", {"Content-Type": "application/json"}, 26) + b'{"created": 1, "data": []}'
    stop = threading.Event()

    def respond(conn: socket.socket) -> None:
        if not stop.wait(6):
            conn.sendall(late)

    with raw_server(respond) as (url, _):
        code = _TICKING_WORKER.format(test_dir=str(Path(__file__).parent), url=url)
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        result = _finish(child)
    stop.set()
    assert result == "ApiTimeoutError kernel"


# -- fork ------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
@off_the_main_thread
def test_after_fork_the_child_times_out_and_the_parents_connection_is_untouched(
    images: ImagesServer,
) -> None:
    client, _ = _api(images.url, timeout=(2.0, 7.0))
    api = ImagesApi(client)
    request = CreateImageRequest(prompt="an otter", response_format="url")
    with client:
        api.create_image(request)
        (parent_sock,) = pooled_sockets(client)
        images.delay(3)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its own pool, its own timeouts
            code = 1
            try:
                os.close(read)
                try:
                    api.create_image(request, _request_timeout=(5, 0.3))
                    answer = b"no timeout"
                except ApiTimeoutError as e:
                    answer = f"{e.phase} {e.request_sent}".encode()
                    code = 0
                os.write(write, answer)
            finally:
                os._exit(code)
        os.close(write)
        try:
            with os.fdopen(read, "rb") as pipe:
                answer = pipe.read()
        finally:
            _, status = os.waitpid(pid, 0)
        assert answer == b"read True" and os.waitstatus_to_exitcode(status) == 0
        assert kernel_timeout(parent_sock, socket.SO_RCVTIMEO) == 7.0, "the child left it alone"
        images.reset_faults()
        api.create_image(request)
        assert pooled_sockets(client) == [parent_sock]


# -- what a timeout leaves behind: pickles, no key --------------------------------------


def test_a_kernel_timeout_pickles_and_never_holds_the_key() -> None:
    stop = threading.Event()

    def respond(conn: socket.socket) -> None:
        stop.wait(20)

    with raw_server(respond) as (url, _), _sockets(True) as made:
        client, _ = _api(url)
        with client, pytest.raises(ApiTimeoutError) as info:
            ImagesApi(client).create_image(
                CreateImageRequest(prompt="an otter"), _request_timeout=(5, 0.3)
            )
    stop.set()
    assert made == [KernelTimeoutSocket]
    error = info.value
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), str(again), again.phase, again.request_sent) == (
        ApiTimeoutError,
        str(error),
        "read",
        True,
    )
    chain: list[BaseException] = []
    e: Optional[BaseException] = error
    while e is not None and len(chain) < 10:
        chain.append(e)
        e = e.__cause__ or e.__context__
    assert any(isinstance(c, socket.timeout) for c in chain)
    for c in chain:
        assert API_KEY not in repr(c) and API_KEY not in str(c)
        with contextlib.suppress(Exception):
            assert API_KEY.encode() not in pickle.dumps(c)


# -- the socket itself: every way of setting its timeout -------------------------------


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname(), timeout=5)
    peer, _ = listener.accept()
    listener.close()
    moved = kernel_timed(client)
    try:
        yield moved, peer
    finally:
        moved.close()
        peer.close()


def test_setblocking_is_settimeout_as_on_any_socket(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    sock, peer = pair
    sock.setblocking(False)
    assert sock.gettimeout() == 0.0 and not sock.getblocking()
    with pytest.raises(BlockingIOError):  # non-blocking, as asked: not a timeout
        sock.recv(1)
    sock.setblocking(True)
    assert sock.gettimeout() is None and sock.getblocking()
    peer.sendall(b"a")
    assert sock.recv(1) == b"a"
    assert kernel_timeout(sock, socket.SO_RCVTIMEO) == 0.0, (
        "blocking: no limit in the kernel either"
    )


@off_the_main_thread
def test_sendall_to_a_peer_that_keeps_reading_outlasts_the_timeout() -> None:
    """The send timeout bounds each wait for the peer to take more, not the whole
    (as ``docs/RetriesTimeoutsAndErrors.md`` says of the connect timeout)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before the handshake
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client.settimeout(5)
    client.connect(listener.getsockname())
    peer, _ = listener.accept()
    listener.close()
    sock = kernel_timed(client)
    assert type(sock) is KernelTimeoutSocket
    data = os.urandom(512 * 1024)
    got = bytearray()

    def trickle() -> None:  # ~400 kB/s: the whole takes ~1.3 s
        while len(got) < len(data):
            piece = peer.recv(4096)
            if not piece:
                return
            got.extend(piece)
            time.sleep(0.01)

    reader = threading.Thread(target=trickle, daemon=True)
    reader.start()
    sock.settimeout(0.3)
    try:
        sock.sendall(data)
        reader.join(30)
        assert bytes(got) == data
    finally:
        sock.close()
        peer.close()
