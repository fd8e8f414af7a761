"""Tasks run in worker processes by test_exc_pickle: each really calls a local server.

Each task starts what it needs in its own process (an ``ImagesServer`` with a fault
queued, a refused port, a server that stalls the TLS handshake) and either returns a
result or lets the client's exception propagate, so the exception must cross the process
boundary through pickle.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openapiopenai
from openapiopenai.models.create_image_request import CreateImageRequest
from openapiopenai.testing import ImagesServer, openai_error

API_KEY = "sk-worker-0123456789abcdefSECRET"

#: kind -> (expected exception class name or None for a result, attributes to compare)
EXPECTED: dict[str, tuple[str | None, dict[str, Any]]] = {
    "ok": (None, {}),
    "400": ("BadRequestException", {"status": 400, "code": "invalid_size"}),
    "content_policy": ("ContentPolicyViolationException", {"status": 400}),
    "401": ("UnauthorizedException", {"status": 401, "code": "invalid_api_key"}),
    "403": ("ForbiddenException", {"status": 403}),
    "404": ("NotFoundException", {"status": 404}),
    "409": ("ConflictException", {"status": 409}),
    "422": ("UnprocessableEntityException", {"status": 422}),
    "429": ("RateLimitException", {"status": 429, "request_id": "req_429"}),
    "500": ("ServiceException", {"status": 500}),
    "418": ("ApiException", {"status": 418}),
    "refused": ("ApiConnectionError", {"request_sent": False}),
    "read_timeout": ("ApiTimeoutError", {"phase": "read", "request_sent": True}),
    "tls_stall": ("ApiTimeoutError", {"phase": "connect", "request_sent": False}),
    "dropped": ("ApiConnectionError", {"request_sent": True}),
    "invalid_body": ("ApiResponseValidationError", {"status": 200}),
    "expired_url": ("ImageUrlExpiredError", {"status": 403}),
    "stream_error": ("BadRequestException", {"code": "bad_thing"}),
    "bad_value": ("ApiValueError", {}),
    "bad_type": ("ApiTypeError", {}),
}


def _api(host: str, **config: Any) -> openapiopenai.ImagesApi:
    config.setdefault("retries", 0)
    config.setdefault("access_token", API_KEY)
    return openapiopenai.ImagesApi(
        openapiopenai.ApiClient(openapiopenai.Configuration(host=host, **config))
    )


def _request(**fields: Any) -> CreateImageRequest:
    return CreateImageRequest(**{"prompt": "an otter", "size": "256x256", **fields})


@contextmanager
def _silent_server() -> Iterator[int]:
    """A TCP server on loopback that accepts connections and never sends a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        listener.close()
        for conn in held:
            conn.close()


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again: nothing listens there


def run(kind: str) -> Any:
    """Make the call ``kind`` names; return its result or raise what the client raised."""
    if kind == "refused":
        _api(f"http://127.0.0.1:{_refused_port()}/v1").create_image(_request())
    if kind == "tls_stall":
        with _silent_server() as port:
            api = _api(f"https://127.0.0.1:{port}/v1", timeout=(0.3, 30))
            api.create_image(_request())
    with ImagesServer(api_keys=[API_KEY]) as server:
        api = _api(server.url)
        if kind == "ok":
            return len(api.create_image(_request(n=2, response_format="b64_json")).data)
        if kind == "401":
            _api(server.url, access_token="sk-wrong-key-0000000000").create_image(_request())
        if kind in ("400", "403", "404", "409", "422", "429", "500", "418"):
            # The server echoes the key: it must be redacted everywhere, pickles included.
            message = f"refused for {kind} (key {API_KEY})"
            server.respond_with(
                int(kind),
                openai_error(message, code="invalid_size" if kind == "400" else None),
                headers={"x-request-id": f"req_{kind}"},
            )
        elif kind == "content_policy":
            server.respond_with(400, openai_error("no", code="content_policy_violation"))
        elif kind == "read_timeout":
            server.delay(5)
            api = _api(server.url, timeout=(5, 0.3))
        elif kind == "dropped":
            server.drop_connection()
        elif kind == "invalid_body":
            server.respond_with(200, {"created": "yesterday"})
        elif kind == "expired_url":
            response = api.create_image(_request(response_format="url"))
            server.respond_with(403, b"<Error><Code>AuthenticationFailed</Code></Error>")
            response.data[0].to_bytes()
        elif kind == "stream_error":
            server.stream_error(code="bad_thing", type="invalid_request_error")
            with api.create_image_stream(_request(model="gpt-image-1", size="1024x1024")) as s:
                list(s)
        elif kind == "bad_value":
            api.create_image({"prompt": "x", "n": 0})
        elif kind == "bad_type":
            api.create_image({"prompt": 123})
        return api.create_image(_request())
