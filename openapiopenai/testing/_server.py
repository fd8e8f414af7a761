"""The HTTP layer of the test server: sockets, keep-alive, scripted faults, the request log.

API behaviour lives in ``_service``; this module reads requests off the wire, applies the
next scripted fault, records what happened and writes (or withholds) the response bytes.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import select
import socket
import socketserver
import struct
import threading
import time
import uuid
from collections.abc import Collection, Iterable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Union

from openapiopenai.testing._batches import BatchTiming
from openapiopenai.testing._errors import ApiError, openai_error
from openapiopenai.testing._faults import Body, Fault, FaultQueue
from openapiopenai.testing._record import Headers, RecordedRequest, RequestLog, mask_headers
from openapiopenai.testing._service import (
    ImagesService,
    ParsedBody,
    Request,
    Response,
    parse_body,
)
from openapiopenai.testing._store import ImageStore

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["DEFAULT_MAX_BODY_SIZE", "ImagesServer"]

logger = logging.getLogger("openapiopenai.testing")

#: Request bodies above this many bytes get a 413 (a 4 MB image and mask fit easily).
DEFAULT_MAX_BODY_SIZE = 64 * 1024 * 1024

_RequestType = Union[socket.socket, tuple[bytes, socket.socket]]


class _BodyError(Exception):
    """The request body cannot be read as framed; answered with ``status``, then close."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _ClientGone(Exception):
    """The client closed the connection before sending the whole request."""


class _Handler(BaseHTTPRequestHandler):
    """Handles every request of one connection (HTTP/1.1 keep-alive)."""

    protocol_version = "HTTP/1.1"
    server_version = "openapiopenai-testing"
    sys_version = ""

    @property
    def _owner(self) -> ImagesServer:
        server = self.server
        assert isinstance(server, _HTTPServer)
        return server.owner

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _handle(self) -> None:
        started = time.perf_counter()
        owner = self._owner
        early = owner._faults.pop_if(lambda fault: fault.kind == "drop_during_upload")
        if early is not None:
            self._drop_during_upload(early)
            return
        body_error: _BodyError | None = None
        try:
            body = self._read_body(owner.max_body_size)
        except _ClientGone:
            self.close_connection = True
            return
        except _BodyError as exc:
            body, body_error = b"", exc
        received_at = owner._clock()
        request = self._request(body)
        fault: Fault | None = None
        if body_error is not None:
            self.close_connection = True  # the rest of the body is unread
            parsed = ParsedBody()
            response: Response | None = Response.of_error(
                ApiError(body_error.status, str(body_error))
            )
        else:
            parsed = parse_body(request.headers, body)
            fault = owner._faults.pop()
            response = self._response_for(fault, request, parsed)
        request_id = f"req_{uuid.uuid4().hex}" if response is not None else None
        owner._log.append(
            RecordedRequest(
                index=-1,
                method=request.method,
                path=request.path,
                query=request.query,
                headers=mask_headers(request.headers),
                body=body,
                json=parsed.json,
                form=parsed.form,
                status=response.status if response is not None else None,
                error=_recorded_error(fault, response),
                fault=fault,
                request_id=request_id,
                received_at=received_at,
            )
        )
        logger.info(
            '%s "%s %s" %s%s',
            self.client_address[0],
            request.method,
            request.path,
            response.status if response is not None else "-",
            f" [fault: {fault.kind}]" if fault is not None else "",
        )
        if fault is not None and fault.delay > 0 and owner._stopping.wait(fault.delay):
            self.close_connection = True  # the server is stopping: abandon the request
            return
        try:
            self._send(fault, response, request_id, started)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up first

    def _drop_during_upload(self, fault: Fault) -> None:
        """Record the request from its headers, then reset while the body is on its way."""
        request = self._request(b"")
        self._owner._log.append(
            RecordedRequest(
                index=-1,
                method=request.method,
                path=request.path,
                query=request.query,
                headers=mask_headers(request.headers),
                body=b"",
                json=None,
                form=(),
                status=None,
                error=None,
                fault=fault,
                request_id=None,
                received_at=self._owner._clock(),
            )
        )
        logger.info(
            '%s "%s %s" - [fault: %s]',
            self.client_address[0],
            request.method,
            request.path,
            fault.kind,
        )
        self.close_connection = True
        if fault.delay > 0 and self._owner._stopping.wait(fault.delay):
            return
        # Closing with unread data sends a reset on most systems; SO_LINGER 0 makes sure.
        self._reset()

    def _request(self, body: bytes) -> Request:
        path, _, query = self.path.partition("?")
        headers = Headers(self.headers.items())
        host = headers.get("Host")
        base_url = f"http://{host}" if host else self._owner.origin
        return Request(self.command, path, query, headers, body, base_url)

    def _response_for(
        self, fault: Fault | None, request: Request, parsed: ParsedBody
    ) -> Response | None:
        """The response to send (``None``: none at all); the real one unless scripted."""
        if fault is not None and fault.kind == "drop_connection":
            return None
        if fault is not None and fault.body is not None:  # respond, or truncate a given body
            return Response(
                fault.status or 200,
                fault.body,
                fault.content_type or "application/octet-stream",
                list(fault.headers),
                _error_object(fault.body),
            )
        try:
            return self._owner._service.handle(request, parsed)
        except Exception:  # a bug in the test server: answer like the API's 500s do
            logger.exception("ImagesServer failed on %s %s", request.method, request.path)
            return Response.of_error(
                ApiError(
                    500,
                    "The server had an error while processing your request.",
                    type="server_error",
                )
            )

    # --- reading ---------------------------------------------------------------------

    def _read_body(self, limit: int) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        header = self.headers.get("Content-Length")
        if header is None:
            return b""
        if not header.strip().isdigit():
            raise _BodyError(400, f"Invalid Content-Length header: {header!r}.")
        length = int(header)
        if length > limit:
            raise _BodyError(413, f"Request body of {length} bytes exceeds the {limit} limit.")
        return self._read_exactly(length)

    def _read_exactly(self, length: int) -> bytes:
        data = self.rfile.read(length)
        if len(data) < length:
            raise _ClientGone
        return data

    def _read_chunked(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise _ClientGone
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BodyError(400, "Invalid chunked transfer encoding.") from None
            if size == 0:
                while line not in (b"\r\n", b"\n"):  # trailer fields, then a blank line
                    line = self.rfile.readline(65536)
                    if not line:
                        raise _ClientGone
                return b"".join(chunks)
            total += size
            if total > limit:
                raise _BodyError(413, f"Request body exceeds the {limit} bytes limit.")
            chunks.append(self._read_exactly(size))
            if self._read_exactly(2) != b"\r\n":
                raise _BodyError(400, "Invalid chunked transfer encoding.")

    # --- writing ---------------------------------------------------------------------

    def _send(
        self, fault: Fault | None, response: Response | None, request_id: str | None, started: float
    ) -> None:
        if response is None:
            self.close_connection = True
            if fault is not None and fault.reset:
                self._reset()
            return  # the server then closes the socket cleanly (FIN) without a byte sent
        if response.events is not None and self.command != "HEAD":
            self._send_events(fault, response, request_id, started)
            return
        head = self._head(response, request_id, started)
        kind = fault.kind if fault is not None else None
        if response.stream is not None:
            self._send_stored(head, response, kind, fault)
            return
        body = b"" if self.command == "HEAD" else response.body
        if kind == "drop_mid_body":
            self.wfile.write(head + body[: len(body) // 2])
            self._reset()
        elif kind == "truncate_body":
            keep = len(body) // 2 if fault is None or fault.keep is None else fault.keep
            self.wfile.write(head + body[: max(0, min(keep, len(body) - 1))])
            self.close_connection = True
        else:
            self.wfile.write(head + body)

    def _send_stored(
        self, head: bytes, response: Response, kind: str | None, fault: Fault | None
    ) -> None:
        """A body read as it is sent (a stored file), cut short by the body faults."""
        self.wfile.write(head)
        if self.command == "HEAD" or response.stream is None:
            return
        limit = response.length
        if kind == "drop_mid_body":
            limit = response.length // 2
        elif kind == "truncate_body":
            keep = response.length // 2 if fault is None or fault.keep is None else fault.keep
            limit = max(0, min(keep, response.length - 1))
        sent = 0
        for chunk in response.stream():
            if sent + len(chunk) > limit:
                chunk = chunk[: limit - sent]
            if chunk:
                self.wfile.write(chunk)
                sent += len(chunk)
            if sent >= limit:
                break
        if kind == "drop_mid_body":
            self._reset()
        elif kind == "truncate_body":
            self.close_connection = True

    def _send_events(
        self, fault: Fault | None, response: Response, request_id: str | None, started: float
    ) -> None:
        """Write a ``text/event-stream`` with chunked encoding, one chunk per event.

        Waits ``stream_interval`` seconds between events, and applies the stream faults:
        a hold or an ``error`` event after ``after_events`` events, or a cut (reset or
        clean close without the last chunk) after half of them.
        """
        owner = self._owner
        events = [_sse(name, data) for name, data in response.events or ()]
        kind = fault.kind if fault is not None else None
        at = min(fault.after_events, len(events)) if fault is not None else -1
        cut = max(1, len(events) // 2) if kind in ("drop_mid_body", "truncate_body") else -1
        self.wfile.write(self._head(response, request_id, started, chunked=True))
        for position in range(len(events) + 1):
            if position == at and kind == "hold_stream":
                assert fault is not None and fault.release is not None
                if not self._wait_for(fault.release):
                    self.close_connection = True  # the server stops or the client left
                    return
            if position == at and kind == "stream_error":
                assert fault is not None
                error = {"type": "error", "error": fault.error_object}
                self._write_chunk(_sse("error", error))
                break
            if position == cut:
                if kind == "drop_mid_body":
                    self._reset()
                self.close_connection = True
                return
            if position == len(events):
                break
            pause = owner.stream_interval if position > 0 else 0.0
            if pause > 0 and owner._stopping.wait(pause):
                self.close_connection = True
                return
            self._write_chunk(events[position])
        self.wfile.write(b"0\r\n\r\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _wait_for(self, release: threading.Event) -> bool:
        """Wait until ``release`` is set (``True``), or the server stops or the client leaves."""
        stopping = self._owner._stopping
        while not release.wait(0.02):
            if stopping.is_set() or self._client_gone():
                return False
        return True

    def _client_gone(self) -> bool:
        """Whether the client closed its end (an EOF or a reset waits on the socket)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True

    def _head(
        self,
        response: Response,
        request_id: str | None,
        started: float,
        *,
        chunked: bool = False,
    ) -> bytes:
        """Status line and headers; the response's own headers override the defaults."""
        for name, value in response.headers:
            if name.lower() == "connection" and value.lower() == "close":
                self.close_connection = True
        headers: dict[str, tuple[str, str]] = {}
        defaults = [
            ("Date", email.utils.formatdate(self._owner._clock(), usegmt=True)),
            ("Server", self.server_version),
            ("Content-Type", response.content_type),
            ("Connection", "close" if self.close_connection else "keep-alive"),
            ("x-request-id", request_id or ""),
            ("openai-processing-ms", str(int((time.perf_counter() - started) * 1000))),
            ("openai-version", "2020-10-01"),
        ]
        for name, value in defaults + response.headers:
            if name.lower() not in ("content-length", "transfer-encoding"):
                headers[name.lower()] = (name, value)
        lines = [f"HTTP/1.1 {response.status} {_reason(response.status)}"]
        lines += [f"{name}: {value}" for name, value in headers.values()]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        else:
            length = response.length if response.stream is not None else len(response.body)
            lines.append(f"Content-Length: {length}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _reset(self) -> None:
        """Abort the connection with a TCP reset (RST) instead of a clean close."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # drop the file's reference so that close() really closes
        self.connection.close()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found by ``http.server`` itself (malformed request line, unknown method)."""
        self.close_connection = True
        body = json.dumps(openai_error(message or _reason(code), param=None)).encode()
        head = (
            f"HTTP/1.1 {code} {_reason(code)}\r\nContent-Type: application/json\r\n"
            f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        with contextlib.suppress(OSError):
            self.wfile.write(head + (b"" if getattr(self, "command", None) == "HEAD" else body))

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _sse(name: str, data: object) -> bytes:
    """One server-sent event: ``event: <name>``, one ``data:`` line of JSON, a blank line."""
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def _recorded_error(fault: Fault | None, response: Response | None) -> dict[str, Any] | None:
    """The error object to record: the response's, or that of an injected error event."""
    if response is None:
        return None
    if (
        fault is not None
        and fault.kind == "stream_error"
        and response.events is not None
        and fault.error_object is not None
    ):
        return dict(fault.error_object)
    return response.error


def _error_object(body: bytes) -> dict[str, object] | None:
    """The ``error`` member of a JSON error body, if ``body`` is one."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    return error if isinstance(error, dict) else None


class _HTTPServer(ThreadingHTTPServer):
    """Thread per connection; remembers open connections so ``stop()`` can close them."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], owner: ImagesServer) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, a slow DNS query; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = int(self.server_address[1])

    def process_request(self, request: _RequestType, client_address: object) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: _RequestType) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down every open connection so that idle keep-alive handlers return."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class ImagesServer:
    """A local OpenAI Images API (v2.0.0 and latest contracts) on a real socket, for tests.

    Serves ``POST /v1/images/generations``, ``/v1/images/edits`` and
    ``/v1/images/variations`` with deterministic PNGs and the API's validation and error
    shapes, plus ``GET /v1/files/images/<id>.png`` for ``response_format=url`` results.
    The GPT image models (``gpt-image-1``, ``gpt-image-1-mini``, ``gpt-image-1.5``,
    ``gpt-image-2``, ``gpt-image-2-2026-04-21``; ``chatgpt-image-latest`` for edits)
    answer with base64 PNGs, ``usage`` and the output facts, take several ``image[]``
    parts in edits and stream ``text/event-stream`` events with ``stream=true``. Only PNG
    output is produced: ``output_format`` ``jpeg`` or ``webp`` gets a 400.
    Use as a context manager or with :meth:`start` / :meth:`stop`::

        with ImagesServer() as server:
            configuration = Configuration(host=server.url, access_token="sk-test")

    Args:
        host: interface to bind; ``port=0`` picks a free port.
        api_keys: accepted bearer keys; ``None`` accepts any non-empty key.
        url_ttl: seconds an image URL stays valid (the API documents 60 minutes); after
            that the URL answers 403 with an XML ``AuthenticationFailed`` body, as the
            blob storage behind the real URLs does.
        clock: the server's time source (``created``, URL expiry, records); pass a
            controllable function to test expiry without sleeping.
        max_body_size: larger request bodies get a 413.
        stream_interval: seconds to wait between the events of a streamed response
            (``0``: send them back to back); see also :meth:`hold_stream`.
        edit_default_model: the model of an edit that names none (and takes no GPT-only
            parameter): ``gpt-image-1.5`` as the latest contract says; ``dall-e-2`` for
            the API 2.0.0 behaviour.

    It also serves ``/v1/files`` and ``/v1/batches`` (batches run on ``clock``; see
    :attr:`batch_timing`) and JSON edits of images referenced by file id, data URL or
    an image URL it served.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_keys: Collection[str] | None = None,
        url_ttl: float = 3600.0,
        clock: Callable[[], float] = time.time,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        stream_interval: float = 0.0,
        edit_default_model: str = "gpt-image-1.5",
    ) -> None:
        if isinstance(api_keys, str):
            raise TypeError("api_keys must be a collection of keys, not one string")
        if stream_interval < 0:
            raise ValueError("stream_interval cannot be negative")
        self.host = host
        self.max_body_size = max_body_size
        self.stream_interval = stream_interval
        self._port = port
        self._clock = clock
        self._service = ImagesService(
            api_keys=api_keys, store=ImageStore(url_ttl, clock), clock=clock
        )
        self._service.edit_default_model = edit_default_model
        self._faults = FaultQueue()
        self._log = RequestLog()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        """Bind and serve in a background thread; returns ``self``."""
        if self._httpd is not None:
            raise RuntimeError("ImagesServer.start() was already called")
        self._httpd = _HTTPServer((self.host, self._port), self)
        self._port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"ImagesServer:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end pending delays and close open connections. Idempotent."""
        httpd, self._httpd = self._httpd, None
        if httpd is None or self._stopping.is_set():
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._service.close()

    # --- files and batches -------------------------------------------------------------

    @property
    def batch_timing(self) -> BatchTiming:
        """How long each batch phase lasts, in seconds of the server's clock (settable)."""
        return self._service.batches.timing

    @batch_timing.setter
    def batch_timing(self, timing: BatchTiming) -> None:
        self._service.batches.timing = timing

    def set_batch_limits(
        self, *, max_lines: int | None = None, max_bytes: int | None = None
    ) -> None:
        """Lower the input-file limits of batches (the API's: 50,000 lines and 200 MB)."""
        if max_lines is not None:
            self._service.batches.max_lines = max_lines
        if max_bytes is not None:
            self._service.batches.max_bytes = max_bytes

    def add_file(
        self, content: bytes | Iterable[bytes], filename: str, purpose: str = "user_data"
    ) -> str:
        """Store a file as if it had been uploaded (chunks are written as they come);
        returns its id."""
        return self._service.files.put(content, filename, purpose).id

    def file_content(self, file_id: str) -> bytes | None:
        """The content of a stored file (``None`` if there is no such file)."""
        return self._service.files.read(file_id)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses -------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (the one asked for until :meth:`start`)."""
        return self._port

    @property
    def origin(self) -> str:
        """``http://host:port``, without a path."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    @property
    def url(self) -> str:
        """The API base URL, ``http://host:port/v1``: pass it as ``Configuration(host=...)``."""
        if self._thread is None:
            raise RuntimeError("the server is not started: call start() or use `with`")
        return self.origin + "/v1"

    # --- the request log -------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (a snapshot copy).

        Entries are added before the response or fault is sent, so faulted attempts are
        listed too (``fault`` says which), with API keys masked.
        """
        return self._log.snapshot()

    def clear_requests(self) -> None:
        """Forget the requests recorded so far."""
        self._log.clear()

    # --- fault injection -------------------------------------------------------------

    def enqueue(self, fault: Fault, *, times: int = 1) -> None:
        """Queue ``fault`` for the next ``times`` requests, after any already queued."""
        self._faults.push(fault, times)

    def respond_with(
        self,
        status: int,
        body: Body = b"",
        headers: Mapping[str, str] | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Answer the next request(s) with ``status`` and ``body`` instead of serving them.

        A mapping body is sent as JSON, text as UTF-8 ``text/plain``, bytes as they are;
        ``headers`` override the defaults (e.g. ``{"Retry-After": "2"}``, or a
        ``Content-Type`` of ``text/html`` for a proxy's 502 page).
        """
        self.enqueue(Fault.respond(status, body, headers), times=times)

    def delay(self, seconds: float, then: Fault | None = None, *, times: int = 1) -> None:
        """Wait ``seconds`` before answering the next request(s): normally, or with ``then``.

        The request is recorded before the wait; :meth:`stop` cuts the wait short.
        """
        self.enqueue((then or Fault.normal()).after(seconds), times=times)

    def drop_connection(self, *, reset: bool = False, times: int = 1) -> None:
        """Read the next request, then close the connection without a response byte.

        A clean close (FIN) by default; ``reset=True`` aborts it with a TCP reset instead.
        """
        self.enqueue(Fault.drop_connection(reset=reset), times=times)

    def drop_during_upload(self, *, times: int = 1) -> None:
        """Reset the next connection after its request headers, before reading the body.

        The client is still sending, so its send fails with ``BrokenPipeError`` or
        ``ConnectionResetError``: the request never went out in full and may safely be
        retried. That is certain only for a body larger than what the two kernels can
        buffer (the client's send buffer plus the server's receive buffer: about 4.3 MB
        with Linux defaults, whose ``tcp_wmem`` maximum is 4 MiB), so tests use 8 MB. A
        smaller body may be buffered in full before the reset arrives; the client then
        sees the reset while waiting for the response. Recorded with the headers only:
        ``body`` is empty and ``status`` is ``None``.
        """
        self.enqueue(Fault.drop_during_upload(), times=times)

    def drop_mid_body(self, *, times: int = 1) -> None:
        """Send the next response's headers and half its body, then reset the connection.

        A streamed response is reset after half its events.
        """
        self.enqueue(Fault.drop_mid_body(), times=times)

    def truncate_body(
        self,
        body: Body | None = None,
        *,
        status: int = 200,
        keep: int | None = None,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Send headers claiming the whole body but only ``keep`` bytes of it, then close.

        Cuts the real response by default, or ``status`` with ``body`` when given;
        ``keep`` defaults to half the body.
        """
        self.enqueue(
            Fault.truncate_body(body, status=status, keep=keep, headers=headers), times=times
        )

    def hold_stream(self, *, after_events: int = 1, times: int = 1) -> threading.Event:
        """Pause the next streamed response after ``after_events`` events; returns the release.

        The rest of the stream is sent once the returned event is set (or dropped when the
        server stops first), so a test can prove that a client sees the first events
        before the server has sent the others::

            release = server.hold_stream(after_events=1)
            with api.create_image_stream(request) as stream:
                first = next(stream)  # arrives while the server holds the rest
                release.set()
                rest = list(stream)

        Like every fault it is taken by the next request; one that does not stream is
        served normally.
        """
        release = threading.Event()
        self.enqueue(Fault.hold_stream(release, after_events=after_events), times=times)
        return release

    def stream_error(
        self,
        code: str | None = "server_error",
        message: str = "The server had an error while processing your request.",
        *,
        after_events: int = 1,
        type: str = "invalid_request_error",
        param: str | None = None,
        times: int = 1,
    ) -> None:
        """End the next streamed response after ``after_events`` events with an error event.

        The event is ``event: error`` with data ``{"type": "error", "error": {"type",
        "code", "message", "param"}}``; the HTTP status stays 200 and the chunked body
        ends cleanly. The request's record carries the error object. A response that
        does not stream is served normally.
        """
        self.enqueue(
            Fault.stream_error(code, message, after_events=after_events, type=type, param=param),
            times=times,
        )

    def reset_faults(self) -> None:
        """Forget all queued faults: normal service from the next request on."""
        self._faults.clear()

    @property
    def pending_faults(self) -> tuple[Fault, ...]:
        """Faults not yet consumed, next first."""
        return self._faults.pending()

    def __repr__(self) -> str:
        state = "running" if self._httpd is not None else "stopped"
        return f"<ImagesServer {self.origin} {state}>"
