"""The urllib3 transport: one request attempt in, one response wrapper out.

urllib3's own retries are off (``retries=False``) so that one policy, ours, decides what
is retried.  Every urllib3 exception is turned into this package's exceptions here and
nowhere else.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import io
import json
import math
import os
import re
import socket
import ssl
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar, Union
from urllib.parse import urlencode

import urllib3
from urllib3._collections import RecentlyUsedContainer
from urllib3.connectionpool import HTTPConnectionPool, port_by_scheme
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.poolmanager import PoolKey
from urllib3.util.retry import Retry
from urllib3.util.timeout import Timeout
from urllib3.util.url import parse_url

from openapiopenai import _redact
from openapiopenai._connection import POOL_CLASSES_BY_SCHEME
from openapiopenai._proxies import (
    EnvironmentProxies,
    NoProxy,
    proxy_credentials,
    split_proxy_auth,
)
from openapiopenai.configuration import (
    DEFAULT_MAX_RESPONSE_BYTES,
    Configuration,
    TimeoutValue,
    check_proxy_headers,
)
from openapiopenai.exceptions import (
    ApiConnectionError,
    ApiException,
    ApiResponseTooLargeError,
    ApiTimeoutError,
    ApiTransportError,
    ApiTypeError,
    ApiValueError,
)

__all__ = [
    "ApiException",
    "RESTClientObject",
    "RESTResponse",
    "RESTResponseType",
    "RequestBody",
    "to_urllib3_timeout",
]

if TYPE_CHECKING:  # annotations only: each costs a process's start to make
    _M = TypeVar("_M", bound=urllib3.PoolManager)
    #: A cached route: the proxy's pool manager (or ``None`` for direct), the pool key,
    #: the pool's context (copied for each use) and the request target.
    _Route = tuple[Optional[urllib3.ProxyManager], Optional[PoolKey], dict[str, Any], str]

#: ``retries=False`` as the object urllib3 would otherwise build on every request.
_NO_RETRIES = Retry(False, redirect=False)

#: A request body: encoded bytes, or an iterable of chunks (with Content-Length set).
RequestBody = Union[bytes, bytearray, memoryview, Iterable[Union[bytes, bytearray, memoryview]]]


#: The longest timeout the socket layer takes (time_t); infinity means none at all.
_MAX_TIMEOUT = 1e9


def to_urllib3_timeout(value: Union[TimeoutValue, Timeout]) -> Timeout:
    """Turn a float, a ``(connect, read)`` pair or ``None`` into a urllib3 ``Timeout``."""
    if isinstance(value, Timeout):
        return value
    if value is None:
        return Timeout(connect=None, read=None)
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ApiValueError(
                f"_request_timeout: expected a number or a (connect, read) pair, got {value!r}"
            )
        connect, read = value
        return Timeout(connect=_seconds(connect), read=_seconds(read))
    return Timeout(connect=_seconds(value), read=_seconds(value))


def _seconds(value: object) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ApiValueError(f"_request_timeout: seconds must be a number, got {value!r}")
    if not value > 0:
        raise ApiValueError(f"_request_timeout: seconds must be greater than 0, got {value!r}")
    try:
        seconds = float(value)
    except OverflowError:
        seconds = math.inf
    if seconds == math.inf:
        return None  # no limit: what None means, and what the socket layer can take
    if seconds > _MAX_TIMEOUT:
        raise ApiValueError(
            f"_request_timeout: at most {_MAX_TIMEOUT:.0f} seconds (or None for no limit),"
            f" got {value!r}"
        )
    return seconds


def _check_readable(name: str, path: Any) -> None:
    """A configured TLS file must exist: otherwise every call fails as a "TLS error"."""
    if path is None:
        return
    if not isinstance(path, (str, os.PathLike)):
        raise ApiTypeError(f"{name}: expected a file path, got {type(path).__name__}")
    if not os.path.isfile(path):
        raise ApiValueError(f"{name}: no such file: {os.fspath(path)!r}")


class _SendTracker:
    """Iterates a request body and records whether all of it was handed to the socket.

    urllib3 asks for the next chunk only after ``sendall`` returned for the previous one,
    so reaching the end of this iterator means the whole request went out.  A failure
    before that point means the server saw an incomplete request and cannot have acted
    on it, which makes a retry safe.
    """

    __slots__ = ("_chunks", "complete")

    def __init__(self, body: Optional[RequestBody]) -> None:
        self.complete = False
        if body is None:
            self._chunks: Iterable[Union[bytes, bytearray, memoryview]] = ()
        elif isinstance(body, (bytes, bytearray, memoryview)):
            self._chunks = (body,)
        else:
            self._chunks = body

    def __iter__(self) -> Iterator[Union[bytes, bytearray, memoryview]]:
        yield from self._chunks
        self.complete = True


class RESTResponse(io.IOBase):
    """An HTTP response: status, reason and headers now, the body when read.

    It wraps a ``urllib3.HTTPResponse`` (``.response``), also one built from bytes as
    ``urllib3.HTTPResponse(body=b"...")``, and has the surface of both the generated
    client's ``RESTResponse`` and urllib3's response: ``read()`` reads the body once
    (cached) and releases the connection, ``read(amt)`` reads part of it, ``.data`` is
    the body (read on first access), ``.json()`` parses it, :meth:`stream` iterates it.
    Transport failures while reading raise this package's exceptions.

    Reads hold a lock: :meth:`abort` (``ApiClient.close()``), or :meth:`close` from another
    thread, shuts the socket down to wake a read blocked on it, then closes the
    connection once the read has let go; every read after that raises
    ``ApiConnectionError``.
    """

    def __init__(self, resp: urllib3.BaseHTTPResponse) -> None:
        self.response = resp
        self.status: int = resp.status
        self.reason: Optional[str] = resp.reason
        self._data: Optional[bytes] = None
        self._lock = threading.RLock()  # held while the body is read (see abort())
        self._aborted = False

    #: The most decoded bytes :meth:`read` takes (``Configuration.max_response_bytes``).
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @property
    def data(self) -> bytes:
        """The whole body (read on first access)."""
        return self._data if self._data is not None else self.read()

    @data.setter
    def data(self, value: Optional[bytes]) -> None:
        self._data = value

    def read(self, size: Optional[int] = -1) -> bytes:
        """Return the whole body (read on first call, cached afterwards).

        A successful body of more than :attr:`max_bytes` decoded bytes raises
        ``ApiResponseTooLargeError`` (before reading, when ``Content-Length`` says so);
        an error body is cut at ``ERROR_BODY_LIMIT``, which is all an exception shows.
        With ``size`` (as on a file or urllib3's response), return at most that many
        bytes of what has not been read yet; ``b""`` at the end.
        """
        if size is not None and size >= 0 and self._data is None:
            return self._read_part(size)
        if self._data is None:
            success = 200 <= self.status <= 299
            limit = self.max_bytes if success else min(self.max_bytes, ERROR_BODY_LIMIT)
            with self._lock:
                self._check_open()
                try:
                    data, complete = _read_capped(self.response, limit, whole=success)
                except Exception as e:
                    raise self._read_error(e) from e
                finally:
                    self.response.release_conn()
                self._check_open()  # closed meanwhile: what was read may be cut short
            if not complete and success:
                raise self._too_large()  # ApiClient cleans its headers of secrets
            if not data:  # built from bytes (urllib3.HTTPResponse(body=b"...")): its .data
                data = self.response.data or b""
            self.data = data
        return self._data  # type: ignore[return-value]

    def _read_part(self, size: int) -> bytes:
        chunk = self._guarded(self.response.read, size)
        if chunk is None:  # built from bytes
            self.read()
            return b""
        return chunk

    def readable(self) -> bool:
        return True

    def __del__(self) -> None:
        # Not io.IOBase's close-on-collect: an unread response is released by urllib3's own
        # finalizer, and a read one has nothing left to release.
        pass

    def json(self) -> Any:
        """The body parsed as JSON (as urllib3's ``HTTPResponse.json()``)."""
        return json.loads(self.data.decode("utf-8"))

    def release_conn(self) -> None:
        """Give the connection back to the pool (see :meth:`release`)."""
        self.release()

    def _too_large(self) -> ApiResponseTooLargeError:
        declared = self.response.headers.get("content-length")
        return ApiResponseTooLargeError(
            self.status,
            self.reason,
            headers=self.response.headers,
            message=(
                f"the response body is larger than the {self.max_bytes} bytes cap"
                f" ({'Content-Length: ' + declared if declared else 'it kept going'});"
                " raise Configuration.max_response_bytes if it is expected"
            ),
        )

    def stream(self, chunk_size: int = 65536) -> Iterator[bytes]:
        """Yield the body as it arrives (not waiting for ``chunk_size`` bytes).

        The connection is released at the end, or when the iteration is closed early.
        """
        try:
            while True:
                chunk = self._guarded(self.response.read1, chunk_size)
                if not chunk:
                    break
                yield chunk
        finally:
            self.release()

    def _guarded(self, read: Callable[[int], Optional[bytes]], size: int) -> Optional[bytes]:
        """One read of the body under the lock: transport failures become ours, and a read
        that an abort overtook raises."""
        with self._lock:
            self._check_open()
            try:
                chunk = read(size)
            except Exception as e:
                raise self._read_error(e) from e
            self._check_open()
        return chunk

    def _check_open(self) -> None:
        """Raise if the response was aborted (closing it, if the aborter could not)."""
        if self._aborted:
            self.response.close()
            raise ApiConnectionError(
                "the response was closed (ApiClient.close(), or close() from another"
                " thread) before its body was read to the end",
                request_sent=True,
                transient=False,
            )

    def _read_error(self, error: Exception) -> Exception:
        """What to raise for ``error`` from a read: ours for a transport error."""
        self._check_open()  # an aborted read fails however the socket layer put it
        if isinstance(error, _TRANSPORT_ERRORS):
            return _translated(error, request_sent=True)
        return error

    def release(self) -> None:
        """Give the connection back to the pool, or drop it if much of the body is unread."""
        with self._lock:
            if self._aborted:
                self.response.close()
            elif self._data is None:
                if _small_remaining(self.response):
                    self.response.drain_conn()
                else:
                    # Reading megabytes nobody wants costs more than a new connection.
                    self.response.close()
            self.response.release_conn()

    def close(self) -> None:
        """Release the connection and close the response (from any thread)."""
        if self.closed:
            return
        if not self._lock.acquire(blocking=False):
            self.abort()  # another thread is reading: wake it rather than wait for data
        else:
            self._lock.release()
        self.release()
        with self._lock:
            self.response.close()
        super().close()

    def abort(self) -> None:
        """Close the connection now, even while another thread is reading the body.

        The socket is shut down first, which ends a read blocked on it; the connection
        is closed when that read has returned (at once if none is under way).  Reading
        afterwards raises ``ApiConnectionError``.  A response already released (read to
        its end) is left as it is.
        """
        conn = getattr(self.response, "connection", None)  # None: released, or from bytes
        if conn is None or self._aborted:
            return
        self._aborted = True
        _shut_down(conn, self.response)
        if self._lock.acquire(timeout=_ABORT_WAIT):
            try:
                self.response.close()
                self.response.release_conn()
            finally:
                self._lock.release()
        # Else the reader closes it, on its way out (see _check_open()).

    def __enter__(self) -> RESTResponse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def getheaders(self) -> Mapping[str, str]:
        """The response headers (case-insensitive)."""
        return self.response.headers

    def getheader(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """One response header, or ``default``."""
        return self.response.headers.get(name, default)

    @property
    def headers(self) -> Mapping[str, str]:
        """The response headers (case-insensitive)."""
        return self.response.headers


#: One entry per fork this process has been the child of (see RESTClientObject._pool).
_forks: list[None] = []

if hasattr(os, "register_at_fork"):  # POSIX; elsewhere a process never forks
    # A callable made of builtins only: a function of this module would keep the module
    # (and all it reaches) alive until the interpreter's last collection at exit, which
    # then costs every process's exit milliseconds.
    os.register_at_fork(after_in_child=functools.partial(_forks.append, None))


#: How long abort() waits for a read it woke to let go of the response.
_ABORT_WAIT = 2.0


def _shut_down(conn: Any, resp: Any) -> None:
    """Shut down the socket of ``conn`` both ways: blocked reads return, the peer sees EOF.

    The plain socket's own ``shutdown`` (not ``SSLSocket.shutdown``, which unwraps TLS
    under a reader's feet); below a TLS-in-TLS transport, its socket.
    """
    sock = getattr(conn, "sock", None)
    if sock is None:
        # http.client hands the socket over to a response that ends the connection
        # (Connection: close): it is the socket of the file the body is read from.
        body_file = getattr(getattr(resp, "_fp", None), "fp", None)
        sock = getattr(getattr(body_file, "raw", None), "_sock", None)
    for _ in range(3):
        if sock is None or isinstance(sock, socket.socket):
            break
        sock = getattr(sock, "socket", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


#: How much of an error body is kept (an OpenAI error is a few hundred bytes).
ERROR_BODY_LIMIT = 1024 * 1024
#: Bytes asked of urllib3 at a time: urllib3 decompresses at most this much per read.
_READ_CHUNK = 1024 * 1024
#: An uncompressed body declared this long or shorter is read in one go (http.client then
#: allocates the declared length up front, even if the server sends less): every real
#: response (ten images in base64 are ~55 MB) takes this path.
_READ_AT_ONCE = 64 * 1024 * 1024


def _read_capped(resp: urllib3.BaseHTTPResponse, limit: int, *, whole: bool) -> tuple[bytes, bool]:
    """The body, decoded, and whether it was all there within ``limit`` bytes.

    An uncompressed body whose ``Content-Length`` is within ``limit`` and
    ``_READ_AT_ONCE`` is read at once; any other is read a chunk at a time, so
    no more than ``limit`` bytes and a chunk are ever held, however far a compressed body
    expands (urllib3 inflates at most a chunk per read).  Past ``limit``: the first
    ``limit`` bytes, or nothing when ``whole`` (a declared length over ``limit`` is not
    even read); the connection is then closed, the rest of the body unread.
    """
    declared = resp.length_remaining  # what is left of Content-Length (None: chunked)
    if whole and declared is not None and declared > limit:
        resp.close()
        return b"", False
    if (
        declared is not None
        and declared <= min(limit, _READ_AT_ONCE)
        and not resp.headers.get("content-encoding")
    ):
        return resp.read(), True  # as declared: one allocation, no copy
    out = io.BytesIO()  # grows in place; getvalue() hands its buffer over without a copy
    total = 0
    while True:
        chunk = resp.read(min(_READ_CHUNK, limit + 1 - total))
        if not chunk:
            return out.getvalue(), True
        total += len(chunk)
        if total > limit:
            resp.close()
            if whole:
                return b"", False
            out.write(memoryview(chunk)[: len(chunk) - (total - limit)])
            return out.getvalue(), False
        out.write(chunk)


#: What ``*_without_preload_content`` returns (the generated client's name for it).
RESTResponseType = RESTResponse


# Patterns are compiled (by ``re``) on first use, not by every process at import.
_JSON_MEDIA = r"application/(?:[^+;]+\+)?json(?:[ \t]*;.*)?"


def _content_type(headers: Mapping[str, str]) -> Optional[str]:
    value = headers.get("Content-Type")
    if value is not None:
        return value
    return next((v for k, v in headers.items() if k.lower() == "content-type"), None)


def _encode_body(body: Any, content_type: Optional[str]) -> RequestBody:
    """A dict, list, str or number body as the generated client sends it."""
    if content_type is None or re.fullmatch(_JSON_MEDIA, content_type, re.IGNORECASE):
        return json.dumps(body).encode("utf-8")
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bool) and content_type.startswith("text/"):
        return b"true" if body else b"false"
    raise ApiValueError(
        f"body: cannot send a {type(body).__name__} as {content_type}; pass bytes or a str"
        " (the generated client's 'Cannot prepare a request message')"
    )


def _small_remaining(resp: urllib3.BaseHTTPResponse) -> bool:
    """Whether the unread rest of ``resp`` is cheap to drain (else the connection closes).

    A compressed body never is: its few bytes on the wire may inflate to any size, and
    urllib3 before 2.7 decompresses what it drains once decoding has begun.
    """
    length = resp.length_remaining
    if length is None or length > 65536:
        return False
    return resp.headers.get("content-encoding", "identity").strip().lower() == "identity"


def _translated(error: Exception, *, request_sent: bool) -> ApiTransportError:
    """The ``ApiTransportError`` for a urllib3 or socket failure (raise it ``from`` error).

    ``request_sent``: whether the whole request had gone out before the failure.
    """
    if isinstance(error, ProxyError):
        inner = error.original_error
        if request_sent and not isinstance(inner, ProxyError):
            # urllib3 also wraps a connection lost after the whole request went out: it
            # forgets it had reached the proxy once the connection is closed.  The server
            # may have the request: not "could not connect".
            return _translated(inner, request_sent=True)
        if isinstance(inner, ConnectTimeoutError) and not isinstance(inner, NewConnectionError):
            return ApiTimeoutError(
                "timed out while connecting to the proxy", phase="connect", request_sent=False
            )
        refused = re.search(_TUNNEL_REFUSED, str(inner))
        return ApiConnectionError(
            f"could not connect through the proxy: {_reason(error)}",
            request_sent=False,
            # A proxy that says no (407: credentials wanted) will say it again.
            transient=refused is None or refused.group(1).startswith("5"),
        )
    if isinstance(error, NewConnectionError):
        # Before ConnectTimeoutError: urllib3 makes NewConnectionError a subclass of it.
        return ApiConnectionError(f"could not connect: {_reason(error)}", request_sent=False)
    if isinstance(error, ConnectTimeoutError):
        return ApiTimeoutError("timed out while connecting", phase="connect", request_sent=False)
    if isinstance(error, ReadTimeoutError):
        return ApiTimeoutError(
            "timed out waiting for the response", phase="read", request_sent=request_sent
        )
    if isinstance(error, SSLError):
        # After the whole request went out (a record that does not decrypt), the server
        # may have it.  The handshake itself comes before anything is sent.
        return ApiConnectionError(
            f"TLS error: {_reason(error)}", request_sent=request_sent, transient=False
        )
    what = "while reading the response" if request_sent else "while sending the request"
    return ApiConnectionError(
        f"connection lost {what}: {_reason(error)}", request_sent=request_sent
    )


def _awaiting_response(error: BaseException) -> bool:
    """Whether ``error`` happened while the response's status line was awaited.

    For a request without a body (a GET), which has no last chunk to mark it as sent,
    this is how it is told apart from a failure to connect (urllib3 reports both as
    ``ProxyError`` behind a proxy): its head goes out just before the status line is
    read (see ``_connection``), and a failure to send it is raised from there.  The
    failure's own traceback says where it was raised.
    """
    todo: list[Optional[BaseException]] = [error]
    seen: set[int] = set()
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        tb = e.__traceback__
        while tb is not None:
            # HTTPResponse.begin (any override of it) reads the status line of a response;
            # not of a CONNECT's: http.client's _tunnel calls _read_status alone.
            frame = tb.tb_frame
            if frame.f_code.co_name == "begin" and isinstance(
                frame.f_locals.get("self"), http.client.HTTPResponse
            ):
                return True
            tb = tb.tb_next
        todo += [e.__cause__, e.__context__, getattr(e, "original_error", None)]
        todo += [a for a in e.args if isinstance(a, BaseException)]
    return False


#: How http.client reports a CONNECT the proxy answered with an error status.
_TUNNEL_REFUSED = r"Tunnel connection failed: (\d{3})"

# What urllib3 and the socket layer raise; everything else is a bug to surface as is.
_TRANSPORT_ERRORS = (HTTPError, OSError)


def _reason(e: BaseException) -> str:
    """What failed, from the innermost error a urllib3 error wraps (its text, not its class).

    urllib3's ``NewConnectionError`` names itself and its connection object in its text;
    the socket error it was raised from says what happened (``[Errno 111] Connection
    refused``).
    """
    inner = e
    for _ in range(3):  # urllib3 nests at most a couple of levels
        args = inner.args
        nested = args[1] if len(args) == 2 and isinstance(args[1], BaseException) else None
        nested = nested or (inner.__cause__ if isinstance(inner, HTTPError) else None)
        if nested is None:
            break
        inner = nested
    return str(inner) or type(inner).__name__


class RESTClientObject:
    """One urllib3 pool manager built from a :class:`Configuration`; safe across threads.

    After ``os.fork()`` the child process builds a pool of its own on first use, so
    parent and child never share a socket.  Each URL goes through the configured proxy,
    or with none (and ``trust_env``) the one the environment names for it, unless its
    host is in ``no_proxy`` / ``NO_PROXY``.
    """

    def __init__(self, configuration: Configuration) -> None:
        self.configuration = configuration
        _redact.install_log_filter()
        self._lock = threading.RLock()
        self._forks_at = len(_forks)
        self._proxy_managers: dict[str, urllib3.ProxyManager] = {}
        self.pool_manager: urllib3.PoolManager = self._new_pool_manager()
        # URL -> (proxy manager or None, pool key, pool context, request target); see _open().
        self._routes: dict[str, _Route] = {}
        # Responses handed out whose body may still be read: close() aborts them.
        self._live: weakref.WeakSet[RESTResponse] = weakref.WeakSet()
        self._live_lock = threading.Lock()
        self._timeout_source: object = object()
        self._timeout_cache = Timeout()
        self._secrets: list[str] = []
        self._current_secrets()  # registered for the log filter before the first request

    def _new_pool_manager(self) -> urllib3.PoolManager:
        cfg = self.configuration
        for name in ("ssl_ca_cert", "cert_file", "key_file"):
            _check_readable(name, getattr(cfg, name))
        kwargs: dict[str, Any] = {
            "num_pools": 4,
            "maxsize": cfg.connection_pool_maxsize,
            "cert_reqs": ssl.CERT_REQUIRED if cfg.verify_ssl else ssl.CERT_NONE,
            "ca_certs": cfg.ssl_ca_cert,
            "ca_cert_data": cfg.ca_cert_data,
            "cert_file": cfg.cert_file,
            "key_file": cfg.key_file,
            "retries": False,
        }
        if cfg.assert_hostname is not None:
            kwargs["assert_hostname"] = cfg.assert_hostname
        if cfg.tls_server_name is not None:
            kwargs["server_hostname"] = cfg.tls_server_name
        if cfg.socket_options is not None:
            kwargs["socket_options"] = cfg.socket_options
        self._manager_kw = kwargs
        self._proxy_managers = {}
        env = EnvironmentProxies.from_environ() if getattr(cfg, "trust_env", True) else None
        self._env_proxies: Optional[EnvironmentProxies] = None if cfg.proxy else env
        # The environment's proxy passwords: redacted as the configuration's own are.
        env_proxies = (env.http, env.https) if env is not None and not cfg.proxy else ()
        self._env_secrets = [s for p in env_proxies if p for s in proxy_credentials(p)]
        self._secrets_of: tuple[Any, ...] = ()  # worked out again (see _current_secrets)
        # Hosts reached directly: the configuration's no_proxy (the generated client's
        # attribute) if set, else the environment's NO_PROXY, for a configured proxy too.
        no_proxy = getattr(cfg, "no_proxy", None)
        self._no_proxy = NoProxy(no_proxy) if no_proxy else env.no_proxy if env else None
        self._direct = _closing_pools(urllib3.PoolManager(**kwargs))
        self._configured_proxy = cfg.proxy  # later changes apply to clients built later
        if cfg.proxy:
            return self._proxy_manager(cfg.proxy, cfg.proxy_headers)
        return self._direct

    def _proxy_manager(
        self, proxy: str, headers: Optional[Mapping[str, str]] = None
    ) -> urllib3.ProxyManager:
        """The pool manager for ``proxy`` (built once); its credentials become a header."""
        manager = self._proxy_managers.get(proxy)
        if manager is None:
            with self._lock:
                manager = self._proxy_managers.get(proxy)
                if manager is None:
                    url, auth = split_proxy_auth(proxy)
                    proxy_headers = {**auth, **check_proxy_headers(headers)}
                    tls_to_proxy = getattr(self.configuration, "proxy_ssl_context", None)
                    manager = urllib3.ProxyManager(
                        proxy_url=url,
                        proxy_headers=proxy_headers or None,
                        proxy_ssl_context=tls_to_proxy,
                        **self._manager_kw,
                    )
                    self._proxy_managers[proxy] = _closing_pools(manager)
        return manager

    def _pool(self) -> urllib3.PoolManager:
        # After a fork the pools (and their sockets) are the parent's: the child builds its
        # own.  Told by the list a child appends to, not a getpid() system call per request.
        if self._forks_at != len(_forks):
            with self._lock:
                if self._forks_at != len(_forks):
                    self.pool_manager = self._new_pool_manager()
                    self._routes = {}
                    self._live, self._live_lock = weakref.WeakSet(), threading.Lock()
                    self._forks_at = len(_forks)
        return self.pool_manager

    def _open(self, method: str, url: str, **kw: Any) -> urllib3.BaseHTTPResponse:
        """``PoolManager.urlopen`` without parsing ``url`` and keying its pool on every call.

        A URL seen before goes straight to its pool, as ``PoolManager.urlopen`` sends it
        with ``redirect=False``; ``connection_from_pool_key`` keeps the pool manager's LRU
        order and rebuilds a pool it evicted.  Whether a URL goes through a proxy (and
        which) is decided once per URL; proxies take their pool manager's own path.
        """
        self._pool()
        pm = self._direct
        route = self._routes.get(url)
        if route is None:
            u = parse_url(url)
            scheme = (u.scheme or "http").lower()
            key_fn = pm.key_fn_by_scheme.get(scheme)
            if not u.host or key_fn is None:
                return self.pool_manager.urlopen(method, url, **kw)  # urllib3 says what is wrong
            port = u.port or port_by_scheme.get(scheme, 80)
            proxy = self._proxy_for(scheme, u.host, port)
            if proxy is not None:
                route = (self._proxy_manager(proxy), None, {}, url)
            else:
                context = pm.connection_pool_kw.copy()
                context.update(scheme=scheme, host=u.host, port=port)
                route = (None, key_fn(context), context, u.request_uri)
            if len(self._routes) >= 64:
                self._routes.clear()
            self._routes[url] = route
        proxy_manager, key, context, target = route
        if proxy_manager is not None or key is None:
            return (proxy_manager or pm).urlopen(method, url, **kw)
        # A copy: urllib3 pops scheme, host and port from the context of a pool it builds
        # (after evicting this one, say), which would break every later call of this URL.
        pool = pm.connection_from_pool_key(key, request_context=context.copy())
        return pool.urlopen(method, target, assert_same_host=False, **kw)

    def _proxy_for(self, scheme: str, host: str, port: int) -> Optional[str]:
        """The proxy URL for ``scheme://host:port``, or ``None`` to connect directly."""
        proxy = self._configured_proxy
        if not proxy and self._env_proxies is not None:
            proxy = self._env_proxies.for_scheme(scheme)
        if not proxy or (self._no_proxy is not None and self._no_proxy.bypasses(host, port)):
            return None
        return proxy

    def request(
        self,
        method: str,
        url: str,
        headers: Optional[Mapping[str, str]] = None,
        body: Any = None,
        post_params: Optional[Any] = None,
        _request_timeout: Union[TimeoutValue, Timeout] = None,
    ) -> RESTResponse:
        """Send one request and return its response with the body not yet read.

        As in the generated client, ``body`` may be a dict or list (sent as JSON unless
        ``Content-Type`` says otherwise), a str or bytes (sent as given; a str with a JSON
        ``Content-Type`` is JSON-encoded, as generated), and ``post_params`` a list of
        ``(name, value)`` pairs sent as ``multipart/form-data`` or, with that
        ``Content-Type``, ``application/x-www-form-urlencoded`` (a file value is
        ``(filename, data[, mimetype])``).  A body may also be an iterable of byte chunks,
        with ``Content-Length`` in ``headers``.  The method is upper-cased.
        """
        if post_params and body is not None:
            raise ApiValueError("body parameter cannot be used with post_params parameter.")
        timeout = self._timeout(_request_timeout)
        method = method.upper()
        headers = dict(headers or {})
        if type(body) is bytes:  # what operations send: checked first
            headers["Content-Length"] = str(len(body))
        elif post_params or body is not None:
            body = self._encodable(headers, body, post_params)
        tracker = _SendTracker(body)
        try:
            resp = self._open(
                method,
                url,
                body=tracker if body is not None else None,
                headers=headers,
                timeout=timeout,
                retries=_NO_RETRIES,
                redirect=False,
                preload_content=False,
                decode_content=True,
            )
        except _TRANSPORT_ERRORS as e:
            # A body's last chunk marks the request as sent (urllib3 swallows a reset while
            # sending it, then fails reading the status line); a bodyless one has gone out
            # when the status line is awaited.
            sent = tracker.complete or (body is None and _awaiting_response(e))
            error = _translated(e, request_sent=sent)
            # A proxy's reason phrase (a CONNECT refused) may echo its credentials: then
            # urllib3's error, which holds them, is not chained.
            if _redact.scrub_message(error, self._current_secrets()):
                raise error from None
            raise error from e
        response = RESTResponse(resp)
        response.max_bytes = self.configuration.max_response_bytes
        with self._live_lock:
            self._live.add(response)
        secrets = self._current_secrets()
        if secrets:
            # What an exception will carry: an error's headers now, a success's reason
            # (its headers are cleaned when an exception is built from it).  A reason too
            # short to hold a secret ("OK") needs no look.
            failed = not 200 <= resp.status <= 299
            if failed or len(resp.reason or "") >= _redact.MIN_SECRET:
                _redact.scrub_response(response, secrets, headers=failed)
        return response

    def _current_secrets(self) -> list[str]:
        """The credentials of the configuration and of the environment's proxies.

        Worked out again only when the configuration's change.
        """
        cfg = self.configuration
        headers = cfg.proxy_headers
        source = (
            cfg.access_token,
            cfg.azure_api_key,
            cfg.password,
            cfg.proxy,
            tuple(headers.items()) if headers else None,
        )
        if source != self._secrets_of:
            secrets = [*cfg.secrets(), *self._env_secrets]
            if secrets:
                _redact.register(self, secrets)  # kept out of logs too
            self._secrets, self._secrets_of = secrets, source
        return self._secrets

    def _encodable(self, headers: dict[str, str], body: Any, post_params: Any) -> RequestBody:
        """``body`` or ``post_params`` as bytes or byte chunks, ``Content-Length`` set."""
        if post_params:
            body = self._form_body(headers, post_params)
        elif isinstance(body, (dict, list, tuple, str, int, float)):
            body = _encode_body(body, _content_type(headers))
        elif not isinstance(body, (bytes, bytearray, memoryview)):
            if not any(k.lower() == "content-length" for k in headers):
                raise ApiValueError("headers: an iterable body needs a Content-Length header")
            return body  # type: ignore[no-any-return]
        headers["Content-Length"] = str(memoryview(body).nbytes)
        return body  # type: ignore[no-any-return]

    @staticmethod
    def _form_body(headers: dict[str, str], post_params: Any) -> bytes:
        """``post_params`` encoded as the ``Content-Type`` in ``headers`` says (multipart by
        default), with that header set to what was encoded."""
        name = next((k for k in headers if k.lower() == "content-type"), "Content-Type")
        content_type = headers.pop(name, "")
        fields = list(post_params.items() if isinstance(post_params, Mapping) else post_params)
        if content_type.lower().startswith("application/x-www-form-urlencoded"):
            headers["Content-Type"] = content_type
            return urlencode(fields).encode("ascii")
        # As generated: a dict value is sent as JSON; urllib3 chooses the boundary.
        fields = [(k, json.dumps(v) if isinstance(v, dict) else v) for k, v in fields]
        body, headers["Content-Type"] = urllib3.encode_multipart_formdata(fields)
        return body

    def _timeout(self, value: Union[TimeoutValue, Timeout]) -> Timeout:
        """The urllib3 ``Timeout`` for a call (the configured one when ``value`` is None)."""
        if value is not None:
            return to_urllib3_timeout(value)
        configured = self.configuration.timeout
        if configured is not self._timeout_source:  # converted once per configured value
            self._timeout_cache = to_urllib3_timeout(configured)
            self._timeout_source = configured
        return self._timeout_cache

    def clear(self) -> None:
        """Close every connection: the pooled ones (of the proxies' pools too), and those
        of responses still being read (see :meth:`RESTResponse.abort`)."""
        self._routes.clear()
        for manager in self._managers():
            manager.clear()  # the pools close as they leave (see _closing_pools)
        # After the pools: a connection given back from now on is closed, not reused.
        with self._live_lock:
            live = list(self._live)
            self._live = weakref.WeakSet()
        for response in live:
            response.abort()

    def _managers(self) -> list[urllib3.PoolManager]:
        managers = [self.pool_manager, self._direct, *self._proxy_managers.values()]
        return list({id(m): m for m in managers}.values())

    def connections_in_use(self) -> int:
        """Connections currently checked out of the pools (0 when every call is done)."""
        in_use = 0
        for manager in self._managers():
            for key in list(manager.pools.keys()):
                pool = manager.pools.get(key)
                if pool is not None and pool.pool is not None:
                    in_use += pool.pool.maxsize - pool.pool.qsize()
        return in_use

    def connections_opened(self) -> int:
        """Connections opened so far across the pools."""
        total = 0
        for manager in self._managers():
            for key in list(manager.pools.keys()):
                pool = manager.pools.get(key)
                if pool is not None:
                    total += pool.num_connections
        return total


def _closing_pools(manager: _M) -> _M:
    """``manager`` with pools that close their connections when evicted or cleared.

    urllib3 2.x drops an evicted pool (and, on ``clear()``, every pool) without closing
    it: its idle sockets stay open until the garbage collector finds them.
    """
    manager.pools = RecentlyUsedContainer(manager.pools._maxsize, dispose_func=_close_pool)
    manager.pool_classes_by_scheme = POOL_CLASSES_BY_SCHEME
    return manager


def _close_pool(pool: HTTPConnectionPool) -> None:
    pool.close()
