"""The loopback stand-in for the Images API: prebuilt answers, so the client dominates.

Run by ``bench/run.py`` in its own process::

    python bench/server.py [--port 0] [--lifetime 600] [--watch-stdin]

It listens on 127.0.0.1 only, prints one JSON line (``{"port": ..., "bodies": {...}}``)
when ready, and serves until SIGTERM, ``--lifetime`` seconds, or (with ``--watch-stdin``)
until its stdin closes.

One thread per connection, HTTP/1.1 keep-alive.  Each request is parsed just enough to
route it; its body (Content-Length or chunked) is drained completely into a reused
buffer — only the first 64 KiB are kept, to look for ``"b64_json"`` — and the answer is
one ``sendall`` of bytes built at start-up, with a Content-Length.

Routes (any prefix, e.g. ``/v1``):

* ``POST .../images/generations``: ``large`` (ten incompressible 1.5 MB images as
  ``b64_json``, about 20 MB) when the body asks for ``b64_json``, else ``small`` (one
  URL).
* ``POST .../images/generations`` with ``"stream": true``: server-sent events, chunked
  (64 KiB chunks): ``stream`` (three ``partial_image`` events and one ``completed``, each
  with 1.5 MB of base64) or, when the prompt holds ``[bench-sse-NNmb]``, ``sse-NN`` (one
  ``completed`` event with NN MB of base64; NN is 12, 25 or 50).
* ``POST .../images/edits`` and ``.../images/variations``: ``small`` (one URL).
* ``GET /__stats``: requests and request-body bytes received so far, as JSON.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import signal
import socket
import sys
import threading
from typing import Optional

IMAGE_BYTES = 1_500_000  # per image before base64: 2,000,000 characters after
LARGE_N = 10
STREAM_EVENT_CHARS = 1_500_000  # base64 characters per event of ``stream``
STREAM_ONE_MB = (12, 25, 50)
SSE_CHUNK = 64 * 1024
_KEEP = 64 * 1024  # request-body bytes kept for routing; the rest is only counted
_MAX_HEAD = 64 * 1024

_STREAM = re.compile(rb'"stream"\s*:\s*true')
_SSE_SIZE = re.compile(rb"\[bench-sse-(\d+)mb\]")

_stats_lock = threading.Lock()
_stats = {"requests": 0, "request_body_bytes": 0, "connections": 0}


def build_bodies() -> dict[str, bytes]:
    """The JSON bodies, built once: ``small`` (one URL) and ``large`` (ten b64 images)."""
    url = (
        "https://oaidalleapiprodscus.blob.core.windows.net/private/org-bench/user-bench/"
        "img-" + base64.urlsafe_b64encode(os.urandom(18)).decode() + ".png?st=2024-01-01T00"
        "%3A00%3A00Z&se=2024-01-01T02%3A00%3A00Z&sp=r&sv=2021-08-06&sr=b&rscd=inline&rsct="
        "image/png&skoid=6aaadede-4fb3-4698-a8f6-684d7786b067&sktid=a48cca56-e6da-484e-a814"
        "-9c849652bcb3&skt=2024-01-01T00%3A00%3A00Z&ske=2024-01-02T00%3A00%3A00Z&sks=b&skv="
        "2021-08-06&sig=" + base64.b64encode(os.urandom(32)).decode().replace("+", "%2B")
    )
    small = {"created": 1700000000, "data": [{"url": url}]}
    large = {
        "created": 1700000000,
        "data": [
            {"b64_json": base64.b64encode(os.urandom(IMAGE_BYTES)).decode("ascii")}
            for _ in range(LARGE_N)
        ],
    }
    return {
        "small": json.dumps(small).encode(),
        "large": json.dumps(large).encode(),
    }


def build_streams() -> dict[str, bytes]:
    """The event streams (``text/event-stream`` bodies, not yet chunked)."""
    pool = base64.b64encode(os.urandom(max(STREAM_ONE_MB) * 1_000_000 * 3 // 4 + 3))

    def event(kind: str, chars: int, offset: int, **extra: object) -> bytes:
        payload = {
            "type": kind,
            "b64_json": pool[offset : offset + chars].decode("ascii"),
            "created_at": 1700000000,
            "size": "1024x1024",
            "quality": "high",
            "background": "opaque",
            "output_format": "png",
            **extra,
        }
        return f"event: {kind}\ndata: {json.dumps(payload)}\n\n".encode()

    usage = {
        "total_tokens": 4300,
        "input_tokens": 50,
        "output_tokens": 4250,
        "input_tokens_details": {"text_tokens": 50, "image_tokens": 0},
    }
    parts = [
        event("image_generation.partial_image", STREAM_EVENT_CHARS, i * 1000, partial_image_index=i)
        for i in range(3)
    ]
    parts.append(event("image_generation.completed", STREAM_EVENT_CHARS, 3000, usage=usage))
    streams = {"stream": b"".join(parts)}
    for mb in STREAM_ONE_MB:
        streams[f"sse-{mb}"] = event("image_generation.completed", mb * 1_000_000, 0, usage=usage)
    return streams


def _chunked(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        "Content-Type: text/event-stream; charset=utf-8\r\n"
        "Transfer-Encoding: chunked\r\n"
        "Connection: keep-alive\r\n"
        "x-request-id: req_bench\r\n\r\n"
    ).encode("ascii")
    out = [head]
    for i in range(0, len(body), SSE_CHUNK):
        piece = body[i : i + SSE_CHUNK]
        out += [b"%x\r\n" % len(piece), piece, b"\r\n"]
    out.append(b"0\r\n\r\n")
    return b"".join(out)


def _response(status: str, body: bytes, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n"
        "x-request-id: req_bench\r\n"
        "openai-processing-ms: 1\r\n"
        f"{extra}\r\n"
    ).encode("ascii")
    return head + body


class _Conn:
    """Buffered reads from one socket; bodies are drained into a reused scratch buffer."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.scratch = bytearray(1 << 20)
        self.view = memoryview(self.scratch)

    def _fill(self) -> bool:
        n = self.sock.recv_into(self.scratch)
        if n == 0:
            return False
        self.buf += self.view[:n]
        return True

    def read_until(self, marker: bytes, limit: int) -> Optional[bytes]:
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + len(marker)]
                return line
            if len(self.buf) > limit or not self._fill():
                return None

    def drain(self, n: int, keep: bytearray) -> int:
        """Consume exactly ``n`` body bytes; keep the first ``_KEEP`` of them."""
        got = 0
        if self.buf:
            take = min(n, len(self.buf))
            if len(keep) < _KEEP:
                keep += self.buf[: min(take, _KEEP - len(keep))]
            del self.buf[:take]
            got = take
        while got < n:
            r = self.sock.recv_into(self.scratch, min(len(self.scratch), n - got))
            if r == 0:
                raise ConnectionError("client closed mid-body")
            if len(keep) < _KEEP:
                keep += self.view[: min(r, _KEEP - len(keep))]
            got += r
        return got


def _serve(sock: socket.socket, answers: dict[str, bytes]) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = _Conn(sock)
    with _stats_lock:
        _stats["connections"] += 1
    try:
        while True:
            head = conn.read_until(b"\r\n\r\n", _MAX_HEAD)
            if head is None:
                return
            lines = head.decode("latin-1").split("\r\n")
            try:
                method, target, _version = lines[0].split(" ", 2)
            except ValueError:
                sock.sendall(answers["bad"])
                return
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if headers.get("expect", "").lower() == "100-continue":
                sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            keep = bytearray()
            received = 0
            if "chunked" in headers.get("transfer-encoding", "").lower():
                while True:
                    size_line = conn.read_until(b"\r\n", 1024)
                    if size_line is None:
                        return
                    size = int(size_line.split(b";")[0], 16)
                    if size == 0:
                        while conn.read_until(b"\r\n", _MAX_HEAD):  # trailers
                            pass
                        break
                    received += conn.drain(size, keep)
                    conn.drain(2, bytearray())
            else:
                received = conn.drain(int(headers.get("content-length", "0") or 0), keep)
            with _stats_lock:
                _stats["requests"] += 1
                _stats["request_body_bytes"] += received
            path = target.split("?", 1)[0]
            if method == "POST" and path.endswith("/images/generations"):
                if _STREAM.search(keep):
                    size = _SSE_SIZE.search(keep)
                    answer = answers["stream" if size is None else f"sse-{size.group(1).decode()}"]
                else:
                    answer = answers["large" if b'"b64_json"' in keep else "small"]
            elif method == "POST" and path.endswith(("/images/edits", "/images/variations")):
                answer = answers["small"]
            elif method == "GET" and path == "/__stats":
                with _stats_lock:
                    answer = _response("200 OK", json.dumps(_stats).encode())
            else:
                answer = answers["not_found"]
            sock.sendall(answer)
            if headers.get("connection", "").lower() == "close":
                return
    except (ConnectionError, OSError):
        return
    finally:
        sock.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--lifetime", type=float, default=600.0, help="exit after this many seconds")
    p.add_argument(
        "--watch-stdin", action="store_true", help="exit when stdin closes (run.py holds it)"
    )
    args = p.parse_args()

    bodies = build_bodies()
    error = json.dumps(
        {"error": {"message": "no such route", "type": "invalid_request_error"}}
    ).encode()
    answers = {
        "small": _response("200 OK", bodies["small"]),
        "large": _response("200 OK", bodies["large"]),
        "not_found": _response("404 Not Found", error),
        "bad": _response("400 Bad Request", error, "Connection: close\r\n"),
    }
    streams = build_streams()
    answers.update({name: _chunked("200 OK", body) for name, body in streams.items()})
    listener = socket.create_server(("127.0.0.1", args.port), backlog=64)
    port = listener.getsockname()[1]

    def stop(*_: object) -> None:
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    if args.watch_stdin:  # exit with the parent, which holds our stdin open
        threading.Thread(target=lambda: (sys.stdin.read(), stop()), daemon=True).start()
    threading.Timer(args.lifetime, stop).start()

    sizes = {name: len(body) for name, body in {**bodies, **streams}.items()}
    sys.stdout.write(json.dumps({"port": port, "bodies": sizes}) + "\n")
    sys.stdout.flush()
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_serve, args=(client, answers), daemon=True).start()


if __name__ == "__main__":
    main()
