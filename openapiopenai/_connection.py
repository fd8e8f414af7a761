"""urllib3 connections that write a request's head and a small body in one send.

urllib3 sends the header block and then each body chunk with separate ``sendall`` calls:
two system calls and, with ``TCP_NODELAY``, two packets for every small JSON request.
These connection classes hold the header block back and send it together with the first
body chunk when that chunk is small (or alone, just before reading the response when there
is no body).  Nothing else changes: the bytes on the wire are the same.

Their responses also skip every informational (1xx) response before the final one:
http.client skips only ``100 Continue``, and would take a ``103 Early Hints`` for the
answer (losing the real one).
"""

from __future__ import annotations

import http.client
import socket
from typing import Any, Optional

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError

__all__ = ["POOL_CLASSES_BY_SCHEME"]

# A first body chunk up to this size travels with the headers; larger ones go alone.
_COALESCE_LIMIT = 64 * 1024


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
#: As http.client bounds a header block.
_MAX_HEADER_LINES = 100


class _FinalResponse(http.client.HTTPResponse):
    """An http.client response that skips every 1xx (but 101) and reads the final one."""

    def _read_status(self) -> tuple[str, int, str]:
        for _ in range(_MAX_INFORMATIONAL):
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if not 100 <= status <= 199 or status == 101:
                return version, status, reason
            _skip_header_block(self.fp)
        raise http.client.HTTPException(
            f"more than {_MAX_INFORMATIONAL} informational (1xx) responses"
        )


def _skip_header_block(fp: Any) -> None:
    """Read past the header lines of an informational response, up to its blank line."""
    for _ in range(_MAX_HEADER_LINES + 1):
        line = fp.readline(http.client._MAXLINE + 1)  # type: ignore[attr-defined]
        if len(line) > http.client._MAXLINE:  # type: ignore[attr-defined]
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return
    raise http.client.HTTPException(f"got more than {_MAX_HEADER_LINES} headers")


class _HTTPConnection(_CoalescingMixin, HTTPConnection):
    response_class = _FinalResponse


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
