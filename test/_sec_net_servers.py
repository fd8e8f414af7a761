"""Loopback servers for the network-security tests: a recording origin and a proxy.

``Origin`` answers any GET with a small PNG (or a configured redirect) and any POST with an
empty ``ImagesResponse``, recording each request's method, target and headers; with a
certificate it speaks TLS.  ``Proxy`` forwards absolute-form requests (http targets) and
opens CONNECT tunnels (https targets), recording what it was asked, and drops the
connection at a chosen phase.  Both listen on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional

from conftest import make_png

PNG = make_png(8, 8)


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]  # lower-case names

    def has(self, name: str) -> bool:
        return name.lower() in self.headers


class _OriginHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _OriginHTTPServer

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.server.owner.lock:
            self.server.owner.seen.append(Seen(self.command, self.path, headers))

    def do_GET(self) -> None:
        self._record()
        redirect = self.server.owner.redirects.get(self.path.split("?")[0])
        if redirect is not None:
            self._send(302, b"", [("Location", redirect)])
            return
        self._send(200, PNG, [("Content-Type", "image/png")])

    def do_POST(self) -> None:
        self._record()
        self._send(200, b'{"created": 1, "data": []}', [("Content-Type", "application/json")])

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _OriginHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: Origin


class Origin:
    """A recording HTTP(S) server on 127.0.0.1 (see the module docs)."""

    def __init__(self, tls: Optional[tuple[Path, Path]] = None) -> None:
        self.lock = threading.Lock()
        self.seen: list[Seen] = []
        self.redirects: dict[str, str] = {}
        self._httpd = _OriginHTTPServer(("127.0.0.1", 0), _OriginHandler)
        self._httpd.owner = self
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> Origin:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def requests(self) -> list[Seen]:
        with self.lock:
            return list(self.seen)


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1, made with the openssl command."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out", str(cert),
            "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


#: Proxy faults: where the proxy drops the client's connection.
FAULTS = (
    None,
    "before_forwarding",  # read the whole request, close without forwarding it
    "after_forwarding",  # the upstream answered; close before relaying the answer
    "reset_after_forwarding",  # same, with a TCP reset
    "mid_response",  # relay part of the answer, then close
    "refuse_tunnel",  # answer CONNECT with 403
    "busy_tunnel",  # answer CONNECT with 503
)


@dataclass
class Proxy:
    """A forwarding and CONNECT proxy on 127.0.0.1 that records what it was asked.

    ``upstream``: where every request goes, whatever host it names (so names such as
    ``api.example.test`` reach a loopback server).
    """

    upstream: Optional[tuple[str, int]] = None
    fault: Optional[str] = None
    seen: list[Seen] = field(default_factory=list)
    upstream_seen: Optional[Any] = None  # callable: how many requests the upstream has

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._stop = False

    def __enter__(self) -> Proxy:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop = True
        self._listener.close()
        with self._lock:
            for s in self._open:
                _close(s)

    def requests(self) -> list[Seen]:
        with self._lock:
            return list(self.seen)

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._open.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        try:
            reader = client.makefile("rb")
            while True:
                head = _read_head(reader)
                if head is None:
                    return
                method, target, headers = head
                with self._lock:
                    self.seen.append(Seen(method, target, headers))
                if method == "CONNECT":
                    self._tunnel(client, target)
                    return
                body = reader.read(int(headers.get("content-length") or 0))
                if not self._forward(client, method, target, headers, body):
                    return
        except OSError:
            pass
        finally:
            _close(client)

    def _connect_upstream(self, host: str, port: int) -> socket.socket:
        address = self.upstream or (host, port)
        upstream = socket.create_connection(address, timeout=10)
        with self._lock:
            self._open.append(upstream)
        return upstream

    def _forward(
        self, client: socket.socket, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> bool:
        if self.fault == "before_forwarding":
            return False
        rest = target.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "80")
        upstream = self._connect_upstream(host, int(port))
        lines = [f"{method} /{path} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in headers.items() if not k.startswith("proxy-")]
        upstream.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        upstream_reader = upstream.makefile("rb")
        status_head = _read_head(upstream_reader, response=True)
        if status_head is None:
            return False
        length = int(status_head[2].get("content-length") or 0)
        answer = status_head[3] + upstream_reader.read(length)  # type: ignore[misc]
        _close(upstream)
        if self.fault == "after_forwarding":
            return False
        if self.fault == "reset_after_forwarding":
            _reset(client)
            return False
        if self.fault == "mid_response":
            client.sendall(answer[: len(answer) - max(1, length // 2)])
            return False
        client.sendall(answer)
        return True

    def _tunnel(self, client: socket.socket, target: str) -> None:
        if self.fault == "refuse_tunnel":
            client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        if self.fault == "busy_tunnel":
            client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = target.rpartition(":")
        upstream = self._connect_upstream(host.strip("[]"), int(port))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        before = self.upstream_seen() if self.upstream_seen else 0
        dropping = self.fault in ("after_forwarding", "reset_after_forwarding", "mid_response")

        def pump(source: socket.socket, sink: socket.socket, answers: bool) -> None:
            try:
                while True:
                    data = source.recv(65536)
                    if not data:
                        break
                    # Data from the upstream after it recorded the request is its answer.
                    if answers and dropping and self.upstream_seen() > before:  # type: ignore[misc]
                        if self.fault == "reset_after_forwarding":
                            _reset(sink)
                        elif self.fault == "mid_response":
                            sink.sendall(data[: max(1, len(data) // 2)])
                        break
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                _close(source)
                _close(sink)

        t = threading.Thread(target=pump, args=(upstream, client, True), daemon=True)
        t.start()
        pump(client, upstream, False)
        t.join(10)


def read_request(conn: Any) -> tuple[bytes, bytes]:
    """Read one request's head and its Content-Length body from a server-side socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            raise OSError("the client closed before the end of the request head")
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            raise OSError("the client closed before the end of the request body")
        body += piece
    return head, body


def _read_head(reader: Any, response: bool = False) -> Optional[tuple[Any, ...]]:
    raw = b""
    while True:
        line = reader.readline(65537)
        if not line:
            return None
        raw += line
        if line in (b"\r\n", b"\n"):
            break
    lines = raw.decode("latin-1").split("\r\n")
    first = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if response:
        return first[1], first, headers, raw
    return first[0], first[1], headers


def _reset(s: socket.socket) -> None:
    """Close ``s`` with a TCP reset (RST) rather than a FIN."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    except OSError:
        pass


def _close(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        s.close()


def refused_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
