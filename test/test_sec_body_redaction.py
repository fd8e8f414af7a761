"""A key (or signature, or proxy password) echoed by a server is shown nowhere.

Not in an exception (``str``, ``repr``, ``args``, body, ``error``, ``code``, ``param``,
reason, headers, pickle) and not in any log record, urllib3's included, with the root
logger at DEBUG.
"""

from __future__ import annotations

import json
import logging
import pickle
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from _raw_server import head, raw_server
from pytest_httpserver import HTTPServer

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi
from openapiopenai import exceptions as exc
from openapiopenai.testing import ImagesServer

from conftest import API_KEY

REQUEST = CreateImageRequest(prompt="an otter", size="256x256")
STREAM_REQUEST = CreateImageRequest(prompt="an otter", model="gpt-image-1")
PER_CALL_KEY = "sk-per-call-0123456789abcdef"
SIGNATURE = "c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw"
PROXY_PASSWORD = "proxy-pass-0123456789"


def api_for(base_url: str, **config: object) -> ImagesApi:
    config.setdefault("access_token", API_KEY)
    config.setdefault("retries", 0)
    return ImagesApi(openapiopenai.ApiClient(openapiopenai.Configuration(host=base_url, **config)))  # type: ignore[arg-type]


def everything_shown(e: exc.ApiException) -> str:
    """All the text an exception carries, as a caller or a log could see it."""
    error = e.error
    parts = [
        str(e),
        repr(e),
        repr(e.args),
        repr(e.body),
        repr(e.reason),
        repr(dict(e.headers)),
        repr(e.code),
        repr(e.param),
        repr(error.message if error is not None else None),
        repr(pickle.dumps(e)),
    ]
    return "\n".join(parts)


def echo_everywhere(key: str) -> bytes:
    """A 401 that echoes ``key`` in its reason phrase, a header, message, code and param."""
    body = json.dumps(
        {
            "error": {
                "message": f"Incorrect API key provided: {key}",
                "type": "invalid_request_error",
                "param": f"key={key}",
                "code": f"invalid_api_key:{key}",
            }
        }
    ).encode()
    return (
        head(
            f"401 Bad key {key}",
            {
                "Content-Type": "application/json",
                "X-Echo": f"Bearer {key}",
                "x-request-id": "req_1",
            },
            len(body),
        )
        + body
    )


def test_a_key_echoed_in_reason_header_message_code_and_param_is_redacted() -> None:
    with (
        raw_server(lambda conn: conn.sendall(echo_everywhere(API_KEY))) as (url, _),
        pytest.raises(exc.UnauthorizedException) as info,
    ):
        api_for(url).create_image(REQUEST)
    e = info.value
    assert API_KEY not in everything_shown(e)
    assert e.status == 401 and e.request_id == "req_1"
    assert e.code == "invalid_api_key:[redacted]"
    assert e.headers["X-Echo"] == "Bearer [redacted]"
    assert e.reason == "Bad key [redacted]"


def test_a_per_call_key_echoed_back_is_redacted_too() -> None:
    auth = {"Authorization": f"Bearer {PER_CALL_KEY}"}
    with (
        raw_server(lambda conn: conn.sendall(echo_everywhere(PER_CALL_KEY))) as (url, _),
        pytest.raises(exc.UnauthorizedException) as info,
    ):
        api_for(url).create_image(REQUEST, _headers=auth)
    assert PER_CALL_KEY not in everything_shown(info.value)


def test_a_200_body_that_fails_validation_does_not_quote_the_key() -> None:
    # pydantic's message quotes the rejected input (input_value='sk-...').
    body = json.dumps({"created": f"echo {API_KEY}", "data": []}).encode()
    echo = {"Content-Type": "application/json", "X-Echo": API_KEY}
    response = head(f"200 OK {API_KEY}", echo, len(body)) + body
    with (
        raw_server(lambda conn: conn.sendall(response)) as (url, _),
        pytest.raises(exc.ApiResponseValidationError) as info,
    ):
        api_for(url).create_image(REQUEST)
    assert "created" in str(info.value)
    assert API_KEY not in everything_shown(info.value)


def test_a_stream_error_event_does_not_carry_the_key() -> None:
    error = {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": f"key {API_KEY} is not allowed",
            "code": f"c-{API_KEY}",
            "param": API_KEY,
        },
    }
    events = f"event: error\ndata: {json.dumps(error)}\n\n".encode()
    echo = {"Content-Type": "text/event-stream", "X-Echo": API_KEY}
    response = head("200 OK", echo, len(events)) + events
    with (
        raw_server(lambda conn: conn.sendall(response)) as (url, _),
        api_for(url).create_image_stream(STREAM_REQUEST) as stream,
        pytest.raises(exc.BadRequestException) as info,
    ):
        next(stream)
    assert "is not allowed" in str(info.value)
    assert info.value.error is not None and "[redacted]" in info.value.error.message
    assert API_KEY not in everything_shown(info.value)


def test_a_stream_event_that_is_not_json_does_not_quote_the_key() -> None:
    events = f"data: not json {API_KEY}\n\n".encode()
    response = head("200 OK", {"Content-Type": "text/event-stream"}, len(events)) + events
    with (
        raw_server(lambda conn: conn.sendall(response)) as (url, _),
        api_for(url).create_image_stream(STREAM_REQUEST) as stream,
        pytest.raises(exc.ApiResponseValidationError, match="not JSON") as info,
    ):
        next(stream)
    assert API_KEY not in everything_shown(info.value)


# -- logs ------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as s:
        yield s


def _forwarding_proxy(conn: socket.socket) -> None:
    """A proxy that answers every request itself (with one URL image)."""
    body = json.dumps({"created": 1, "data": [{"url": "http://cdn.invalid/x.png"}]}).encode()
    conn.sendall(head("200 OK", {"Content-Type": "application/json"}, len(body)) + body)


def test_no_log_record_of_any_logger_holds_a_key_signature_or_proxy_password(
    server: ImagesServer,
    httpserver: HTTPServer,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: urllib3's records too
    api = api_for(server.url, retries=openapiopenai.Retry(total=1, backoff_base=0.01))
    # A generation whose URLs are signed (?se=...&sp=r&sig=...), then their download.
    generated = api.create_image(CreateImageRequest(prompt="p", size="256x256", n=2))
    generated.save(tmp_path / "a")
    # A download from another host whose URL carries a signature in its query string.
    png = (tmp_path / "a").glob("*.png").__next__().read_bytes()
    httpserver.expect_request("/blob/x.png").respond_with_data(png, content_type="image/png")
    signed = httpserver.url_for(f"/blob/x.png?se=2030-01-01&sp=r&sig={SIGNATURE}")
    openapiopenai.Image(url=signed).save(tmp_path / "b.png", client=api.api_client)
    # The key in the query string (query authentication), answered by an error.
    server.respond_with(500, f"boom {API_KEY}", times=2)
    with pytest.raises(exc.ServiceException):
        api.create_image(REQUEST, _request_auth={"in": "query", "key": "key", "value": API_KEY})
    # An error echoing the key, and a stream.
    server.respond_with(401, {"error": {"message": f"bad {API_KEY}", "type": "x"}})
    with pytest.raises(exc.UnauthorizedException):
        api.create_image(REQUEST)
    with api.create_image_stream(
        CreateImageRequest(prompt="p", model="gpt-image-1", partial_images=1)
    ) as stream:
        assert len(list(stream)) >= 1
    # Through a proxy with a password in its URL.
    with raw_server(_forwarding_proxy) as (proxy, _):
        proxied = api_for(
            server.url, proxy=proxy.replace("http://", f"http://user:{PROXY_PASSWORD}@")[:-3]
        )
        proxied.create_image(REQUEST)

    names = {r.name for r in caplog.records}
    assert "urllib3.connectionpool" in names, names  # urllib3 did log the requests
    assert any("sig" in r.getMessage() or "?" in r.getMessage() for r in caplog.records)
    # Every record but those of the test's own HTTP server (werkzeug, the "CDN" here).
    client_records = [r for r in caplog.records if not r.name.startswith("werkzeug")]
    for record in client_records:
        text = record.getMessage()
        for secret in (API_KEY, SIGNATURE, PROXY_PASSWORD):
            assert secret not in text, (record.name, text)


def test_a_key_changed_after_the_first_call_is_redacted_too() -> None:
    from openapiopenai.testing import ImagesServer

    new_key = "sk-rotated-0123456789abcdefNEW"
    with ImagesServer() as server:
        config = openapiopenai.Configuration(host=server.url, access_token="sk-first-0123456789abc")
        with openapiopenai.ApiClient(config) as client:
            api = openapiopenai.ImagesApi(client)
            api.create_image({"prompt": "an otter", "size": "256x256"})
            config.access_token = new_key  # rotated while the client lives
            echoed = {"error": {"message": f"bad key {new_key}", "type": "x", "code": new_key}}
            server.respond_with(401, echoed, headers={"X-Echo": new_key})
            try:
                api.create_image({"prompt": "an otter", "size": "256x256"})
            except openapiopenai.ApiException as e:
                shown = f"{e} {e.body} {dict(e.headers or {})} {e.error}"
            else:  # pragma: no cover - the server answers 401
                raise AssertionError("no error")
    assert new_key not in shown and "[redacted]" in shown
