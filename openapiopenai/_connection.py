"""urllib3 connections that write a request's head and a small body in one send.

urllib3 sends the header block and then each body chunk with separate ``sendall`` calls:
two system calls and, with ``TCP_NODELAY``, two packets for every small JSON request.
These connection classes hold the header block back and send it together with the first
body chunk when that chunk is small (or alone, just before reading the response when there
is no body).  Nothing else changes: the bytes on the wire are the same.

Their responses also skip every informational (1xx) response before the final one:
http.client skips only ``100 Continue``, and would take a ``103 Early Hints`` for the
answer (losing the real one).  They read the header block without the email parser when it
is plain ``Name: value`` lines (``_header_block``): the same message, a tenth of the time.

Plain-HTTP connections leave their timeouts to the kernel (``_kernel_socket``); any other
socket gets a large body a piece at a time, so that the send timeout bounds each wait.
"""

from __future__ import annotations

import http.client
import socket
import sys
from typing import Any, Optional

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError

from openapiopenai._header_block import read_header_block, skip_header_block
from openapiopenai._kernel_socket import KernelTimeoutSocket, kernel_timed

__all__ = ["POOL_CLASSES_BY_SCHEME"]

# A first body chunk up to this size travels with the headers; larger ones go alone.
_COALESCE_LIMIT = 64 * 1024

#: The most given to one ``send`` of a TLS socket (see ``_send_piecewise``).
_SEND_BLOCK = 256 * 1024


def _one_deadline(sock: Any) -> bool:
    """Whether ``sock.sendall`` has one deadline for all it is given.

    CPython's and ssl's ``sendall`` do, the timeout urllib3 sends under (the connect
    timeout): handed a whole 20 MB upload, a link slower than 4 MB/s timed out halfway.
    A socket whose timeout the kernel keeps times out only a send that makes no progress.
    """
    return not (isinstance(sock, KernelTimeoutSocket) and sock.timed_by_kernel)


def _send_piecewise(sock: Any, data: Any) -> None:
    """``sock.sendall(data)`` with the socket's timeout bounding each wait, not the whole.

    A plain socket's ``send`` takes what fits and waits (at most the timeout) only for
    room; a TLS socket writes all it is given under one deadline, so it gets at most
    ``_SEND_BLOCK`` at a time.
    """
    view = memoryview(data)
    if view.ndim != 1 or view.itemsize != 1:
        sock.sendall(data)  # a multi-byte view: as given
        return
    total = len(view)
    piece = total if type(sock) in (socket.socket, KernelTimeoutSocket) else _SEND_BLOCK
    sent = 0
    while sent < total:
        sent += sock.send(view[sent : sent + piece])


class _CoalescingMixin:
    """Holds the header block of each request until the first body chunk (or the read)."""

    _held: Optional[bytes] = None
    _hold_next = False

    def putrequest(self, *args: Any, **kwargs: Any) -> None:
        self._hold_next = True  # the next send() is this request's header block
        super().putrequest(*args, **kwargs)  # type: ignore[misc]

    def send(self, data: Any) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if len(data) <= _COALESCE_LIMIT:
                super().send(held + bytes(data))  # type: ignore[misc]
                return
            super().send(held)  # type: ignore[misc]
        elif self._hold_next:
            # Cleared before anything reaches the socket: a proxy tunnel set up inside
            # the next send() must go out at once.
            self._hold_next = False
            self._held = bytes(data)
            return
        sock = self.sock  # type: ignore[attr-defined]
        if len(data) > _SEND_BLOCK and sock is not None and _one_deadline(sock):
            sys.audit("http.client.send", self, data)  # as http.client's send() would
            _send_piecewise(sock, data)
            return
        super().send(data)  # type: ignore[misc]

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        held = self._held
        if held is not None:
            self._held = None
            super().send(held)  # type: ignore[misc]
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]

    def close(self) -> None:
        self._held = None
        self._hold_next = False
        super().close()  # type: ignore[misc]


#: Informational responses skipped before the final one; more means a broken server.
_MAX_INFORMATIONAL = 32


class _FinalResponse(http.client.HTTPResponse):
    """An http.client response that skips every 1xx (but 101) and reads the final one.

    Its header block is read by ``read_header_block`` (the same message, without the email
    parser's cost in the common case); the rest of ``begin`` is http.client's.
    """

    def _read_status(self) -> tuple[str, int, str]:
        for _ in range(_MAX_INFORMATIONAL):
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if not 100 <= status <= 199 or status == 101:
                return version, status, reason
            skip_header_block(self.fp)
        raise http.client.HTTPException(
            f"more than {_MAX_INFORMATIONAL} informational (1xx) responses"
        )

    def begin(self) -> None:
        if self.headers is not None:
            return  # already begun
        version, status, reason = self._read_status()
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11  # any HTTP/1.x from 1.1 on
        else:
            raise http.client.UnknownProtocol(version)
        self.headers = self.msg = read_header_block(self.fp)
        if self.debuglevel > 0:
            for name, value in self.headers.items():
                print("header:", name + ":", value)

        coding = self.headers.get("transfer-encoding")
        self.chunked = coding is not None and coding.lower() == "chunked"
        if self.chunked:
            self.chunk_left = None
        self.will_close = self._check_close()

        # The length: Content-Length unless chunked (RFC 9112 6.3); none if unreadable or
        # negative; zero where the status or method has no body.
        self.length = None
        length = self.headers.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                pass
            else:
                if self.length < 0:
                    self.length = None
        if status in (204, 304) or 100 <= status < 200 or self._method == "HEAD":
            self.length = 0
        # Neither chunked nor sized, on a connection kept open: the body runs to its close.
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


class _HTTPConnection(_CoalescingMixin, HTTPConnection):
    response_class = _FinalResponse

    def _new_conn(self) -> socket.socket:
        # Its timeouts kept by the kernel: no poll before each send and receive.
        return kernel_timed(super()._new_conn())


class _HTTPSConnection(_CoalescingMixin, HTTPSConnection):
    response_class = _FinalResponse

    def connect(self) -> None:
        # The TLS handshake runs under the connect timeout; urllib3 reports it running out
        # as a *read* timeout.  Nothing of the request was sent: it is the connect phase.
        try:
            super().connect()
        except socket.timeout as e:
            raise ConnectTimeoutError(
                self, f"TLS handshake with {self.host} timed out (connect timeout={self.timeout})"
            ) from e


class _HTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection

    def __init__(self, *args: Any, assert_hostname: object = None, **kwargs: Any) -> None:
        # A TLS setting: urllib3 strips the others for plain http, but passes this one on
        # to HTTPConnection, which refuses it.  Without TLS there is nothing to assert.
        super().__init__(*args, **kwargs)


class _HTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


#: For ``PoolManager.pool_classes_by_scheme``.
POOL_CLASSES_BY_SCHEME: dict[str, type[HTTPConnectionPool]] = {
    "http": _HTTPConnectionPool,
    "https": _HTTPSConnectionPool,
}
