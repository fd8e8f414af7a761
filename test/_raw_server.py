"""A loopback server that answers each request with raw bytes chosen by the test.

It reads one request (head and Content-Length body), then calls ``respond(conn)``,
which writes whatever it likes: a status line the client must not trust, a gzip bomb,
CR-only SSE.  The connection is closed after each answer.  ``slow_reader`` is a server
that takes a request's body slowly, or not at all.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Callable, Optional

Respond = Callable[[socket.socket], None]


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return data
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            break
        body += piece
    return head + b"\r\n\r\n" + body


@contextmanager
def _serving(listener: socket.socket, serve_one: Respond) -> Iterator[None]:
    """Accept on ``listener`` in the background, each connection in a thread of its own;
    on exit, stop accepting and close it."""

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close alone does not)
        listener.close()
        thread.join(5)


@contextmanager
def raw_server(respond: Respond) -> Iterator[tuple[str, list[bytes]]]:
    """Serve on 127.0.0.1; yield the base URL (``http://127.0.0.1:PORT/v1``) and the requests."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    requests: list[bytes] = []

    def serve_one(conn: socket.socket) -> None:
        with conn:
            try:
                requests.append(_read_request(conn))
                respond(conn)
            except OSError:
                pass  # the client gave up (as some tests make it do)

    with _serving(listener, serve_one):
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1", requests


def head(status: str, headers: dict[str, str], body_length: Optional[int] = None) -> bytes:
    """A response head: ``status`` such as ``"200 OK"``, then the headers."""
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers.items()]
    if body_length is not None:
        lines.append(f"Content-Length: {body_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    """One chunk of a ``Transfer-Encoding: chunked`` body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


@contextmanager
def slow_reader(
    per_read: int, pause: float, rcvbuf: int, context: Optional[ssl.SSLContext] = None
) -> Iterator[tuple[str, list[int], list[int]]]:
    """A server that reads ``per_read`` bytes every ``pause`` seconds (never, for 0)
    through a ``rcvbuf`` receive buffer, and answers 400 once it has the whole body; over
    TLS with ``context``.

    Yields its URL, a list that grows by one for each connection it accepts, and the
    body bytes each connection received.
    """
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before the handshake
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    received: list[int] = []
    accepted: list[int] = []
    stop = threading.Event()

    def serve_one(raw: socket.socket) -> None:
        total = 0
        with raw:
            try:
                conn = context.wrap_socket(raw, server_side=True) if context else raw
                data = b""
                while b"\r\n\r\n" not in data and not stop.is_set():
                    data += conn.recv(per_read or 1024)
                    time.sleep(pause)
                head_part, _, body = data.partition(b"\r\n\r\n")
                length = 0
                for line in head_part.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                total = len(body)
                while total < length and not stop.is_set():
                    if not per_read:
                        stop.wait(20)
                        break
                    piece = conn.recv(per_read)
                    if not piece:
                        break
                    total += len(piece)
                    time.sleep(pause)
                received.append(total)
                if total >= length:
                    answer = (
                        b'{"error": {"message": "read it all", "type": "invalid_request_error"}}'
                    )
                    conn.sendall(
                        head("400 Bad Request", {"Content-Type": "application/json"}, len(answer))
                    )
                    conn.sendall(answer)
            except OSError:
                received.append(total)

    def counted(conn: socket.socket) -> None:
        accepted.append(1)
        serve_one(conn)

    scheme = "https" if context else "http"
    try:
        with _serving(listener, counted):
            yield f"{scheme}://127.0.0.1:{listener.getsockname()[1]}/v1", accepted, received
    finally:
        stop.set()
