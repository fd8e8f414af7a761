"""A loopback server that answers each request with raw bytes chosen by the test.

It reads one request (head and Content-Length body), then calls ``respond(conn)``,
which writes whatever it likes: a status line the client must not trust, a gzip bomb,
CR-only SSE.  The connection is closed after each answer.
"""

from __future__ import annotations

import contextlib
import socket
import threading
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
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1", requests
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close alone does not)
        listener.close()
        thread.join(5)


def head(status: str, headers: dict[str, str], body_length: Optional[int] = None) -> bytes:
    """A response head: ``status`` such as ``"200 OK"``, then the headers."""
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers.items()]
    if body_length is not None:
        lines.append(f"Content-Length: {body_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    """One chunk of a ``Transfer-Encoding: chunked`` body."""
    return b"%x\r\n%s\r\n" % (len(data), data)
