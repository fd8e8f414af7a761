"""Bounded work on what a server sends: body caps, SSE framing and size, 1xx responses.

Every server here is a raw socket on 127.0.0.1 that misbehaves on purpose.
"""

from __future__ import annotations

import base64
import gzip
import json
import pickle
import socket
import threading
import tracemalloc
import zlib
from typing import Callable

import pytest
from _raw_server import chunk, head, raw_server

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi
from openapiopenai import exceptions as exc
from openapiopenai._streaming import EventTooLargeError, iter_sse
from openapiopenai.configuration import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_RESPONSE_BYTES
from openapiopenai.exceptions import ApiResponseTooLargeError
from openapiopenai.models.image_gen_completed_event import ImageGenCompletedEvent
from openapiopenai.models.image_gen_partial_image_event import ImageGenPartialImageEvent

from conftest import API_KEY

MiB = 1024 * 1024
REQUEST = CreateImageRequest(prompt="an otter", size="256x256")
STREAM_REQUEST = CreateImageRequest(prompt="an otter", model="gpt-image-1")
B64 = base64.b64encode(b"\x89PNG fake").decode()
IMAGES = json.dumps({"created": 1, "data": [{"url": "https://cdn.example/x.png"}]}).encode()


def api_for(base_url: str, **config: object) -> ImagesApi:
    config.setdefault("access_token", API_KEY)
    config.setdefault("retries", 0)
    config.setdefault("timeout", (5.0, 10.0))
    return ImagesApi(openapiopenai.ApiClient(openapiopenai.Configuration(host=base_url, **config)))  # type: ignore[arg-type]


def answer(data: bytes) -> Callable[[socket.socket], None]:
    return lambda conn: conn.sendall(data)


def completed_data() -> str:
    return json.dumps(
        {"type": "image_generation.completed", "b64_json": B64, "created_at": 2, "usage": None}
    )


# -- response bodies -------------------------------------------------------------------


def _bomb(kind: str, size: int) -> bytes:
    if kind == "gzip":
        return gzip.compress(b"\0" * size, 6)
    return zlib.compress(b"\0" * size, 6)  # "deflate" as urllib3 reads it (zlib-wrapped)


@pytest.mark.parametrize("kind", ["gzip", "deflate"])
def test_a_decompression_bomb_stops_at_the_cap_not_in_memory(kind: str) -> None:
    bomb = _bomb(kind, 48 * MiB)  # ~50 KB on the wire
    response = head(
        "200 OK", {"Content-Type": "application/json", "Content-Encoding": kind}, len(bomb)
    )
    with raw_server(answer(response + bomb)) as (url, _):
        api = api_for(url, max_response_bytes=4 * MiB)
        tracemalloc.start()
        try:
            with pytest.raises(ApiResponseTooLargeError) as info:
                api.create_image(REQUEST)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert "4194304 bytes cap" in str(info.value)
    assert "max_response_bytes" in str(info.value)
    assert isinstance(info.value, exc.ApiResponseValidationError)
    assert info.value.status == 200
    assert peak < 16 * MiB, f"{peak} bytes held for a 4 MiB cap"


def test_a_huge_content_length_is_refused_before_anything_is_allocated() -> None:
    # http.client allocates a declared length at once when read() is given no amount.
    response = head("200 OK", {"Content-Type": "application/json"}, 10**14) + IMAGES
    with (
        raw_server(answer(response)) as (url, _),
        pytest.raises(ApiResponseTooLargeError, match="Content-Length: 100000000000000"),
    ):
        api_for(url).create_image(REQUEST)


def test_a_declared_length_under_the_cap_that_breaks_off_is_a_connection_error() -> None:
    # 200 MB declared (under the default cap), 10 bytes sent: no MemoryError, no hang, and
    # not 200 MB allocated on the server's word (a body that long is read in chunks).
    response = head("200 OK", {"Content-Type": "application/json"}, 200_000_000) + b'{"created"'
    with raw_server(answer(response)) as (url, _):
        tracemalloc.start()
        try:
            with pytest.raises(exc.ApiConnectionError) as info:
                api_for(url).create_image(REQUEST)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert info.value.request_sent is True
    assert peak < 16 * 1024 * 1024, f"{peak} bytes allocated for a 10-byte body"


def test_a_chunked_body_past_the_cap_is_refused() -> None:
    def respond(conn: socket.socket) -> None:
        conn.sendall(
            head("200 OK", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        )
        piece = b" " * 65536
        for _ in range(64):  # 4 MiB of whitespace, never a complete document
            conn.sendall(chunk(piece))
        conn.sendall(b"0\r\n\r\n")

    with (
        raw_server(respond) as (url, _),
        pytest.raises(ApiResponseTooLargeError, match="it kept going"),
    ):
        api_for(url, max_response_bytes=MiB).create_image(REQUEST)


def test_a_body_at_the_cap_is_accepted() -> None:
    response = head("200 OK", {"Content-Type": "application/json"}, len(IMAGES)) + IMAGES
    with raw_server(answer(response)) as (url, _):
        result = api_for(url, max_response_bytes=len(IMAGES)).create_image(REQUEST)
    assert result.data is not None and result.data[0].url == "https://cdn.example/x.png"


def test_an_error_body_bomb_is_cut_and_the_status_still_raised() -> None:
    error = json.dumps({"error": {"message": "busy", "type": "server_error"}}).encode()
    bomb = gzip.compress(error + b" " * (16 * MiB), 6)
    response = head(
        "503 Service Unavailable",
        {"Content-Type": "application/json", "Content-Encoding": "gzip"},
        len(bomb),
    )
    with (
        raw_server(answer(response + bomb)) as (url, _),
        pytest.raises(exc.ServiceException) as info,
    ):
        api_for(url).create_image(REQUEST)
    assert info.value.status == 503
    assert len(info.value.body or b"") <= MiB


def test_the_caps_have_documented_defaults_and_refuse_nonsense() -> None:
    configuration = openapiopenai.Configuration()
    assert configuration.max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES == 256 * MiB
    assert configuration.max_event_bytes == DEFAULT_MAX_EVENT_BYTES == 64 * MiB
    for name in ("max_response_bytes", "max_event_bytes"):
        for bad in (0, -1, True, "1000", 1.5):
            with pytest.raises(exc.ApiValueError, match=f"^{name}: "):
                openapiopenai.Configuration(**{name: bad})  # type: ignore[arg-type]


def test_the_too_large_error_pickles_without_an_echoed_key() -> None:
    echo = {"Content-Type": "application/json", "X-Echo": API_KEY}
    response = head("200 OK", echo, 10**9) + IMAGES
    with raw_server(answer(response)) as (url, _), pytest.raises(ApiResponseTooLargeError) as info:
        api_for(url, max_response_bytes=MiB).create_image(REQUEST)
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is ApiResponseTooLargeError
    assert str(again) == str(info.value)
    assert info.value.headers["X-Echo"] == "[redacted]"
    assert API_KEY.encode() not in pickle.dumps(info.value)


# -- server-sent events ----------------------------------------------------------------


def sse_response(body: bytes) -> bytes:
    return head("200 OK", {"Content-Type": "text/event-stream"}, len(body)) + body


def test_an_event_past_the_cap_raises_a_typed_error() -> None:
    big = b"data: " + b"x" * (3 * MiB) + b"\n\n"
    with (
        raw_server(answer(sse_response(big))) as (url, _),
        api_for(url, max_event_bytes=MiB).create_image_stream(STREAM_REQUEST) as stream,
        pytest.raises(ApiResponseTooLargeError, match="max_event_bytes"),
    ):
        next(stream)


def test_a_gzip_stream_bomb_is_stopped_at_the_event_cap() -> None:
    # ~50 KB on the wire, 48 MiB of one event once inflated: it used to take minutes.
    bomb = gzip.compress(b"data: " + b"A" * (48 * MiB) + b"\n\n", 6)
    response = head(
        "200 OK", {"Content-Type": "text/event-stream", "Content-Encoding": "gzip"}, len(bomb)
    )
    with (
        raw_server(answer(response + bomb)) as (url, _),
        api_for(url, max_event_bytes=4 * MiB).create_image_stream(STREAM_REQUEST) as stream,
    ):
        tracemalloc.start()
        try:
            with pytest.raises(ApiResponseTooLargeError, match="4194304 bytes cap"):
                next(stream)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 16 * MiB, f"{peak} bytes held for a 4 MiB event cap"


def test_a_line_that_never_ends_is_refused_without_waiting_for_its_end() -> None:
    stop = threading.Event()

    def respond(conn: socket.socket) -> None:
        conn.sendall(
            head("200 OK", {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"})
        )
        piece = chunk(b"data: " + b"y" * 65536)
        for _ in range(1000):  # 64 MB, with no line end; the client must give up first
            if stop.is_set():
                return
            conn.sendall(piece)

    with raw_server(respond) as (url, _):
        try:
            with (
                api_for(url, max_event_bytes=MiB).create_image_stream(STREAM_REQUEST) as stream,
                pytest.raises(ApiResponseTooLargeError),
            ):
                next(stream)
        finally:
            stop.set()


def test_many_lines_of_one_event_count_toward_its_cap() -> None:
    line = b"data: " + b"z" * 1000 + b"\n"
    events = list(iter_sse([line * 100], max_event_bytes=200_000))
    assert len(events) == 1 and len(events[0].data) == 100 * 1001 - 1
    with pytest.raises(EventTooLargeError):
        list(iter_sse([line * 300], max_event_bytes=200_000))


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending_frames_events_and_the_last_needs_no_blank_line(
    newline: bytes,
) -> None:
    def event(kind: str, data: str) -> bytes:
        return b"event: " + kind.encode() + newline + b"data: " + data.encode() + newline

    partial = json.dumps(
        {"type": "image_generation.partial_image", "b64_json": B64, "partial_image_index": 0}
    )
    body = (
        b": keep-alive" + newline
        + event("image_generation.partial_image", partial) + newline
        + b"event: ping" + newline + newline  # an event with no data: ignored
        + event("image_generation.completed", completed_data())  # no blank line: EOF ends it
    )  # fmt: skip
    with (
        raw_server(answer(sse_response(body))) as (url, _),
        api_for(url).create_image_stream(STREAM_REQUEST) as stream,
    ):
        events = list(stream)
    assert [type(e) for e in events] == [ImageGenPartialImageEvent, ImageGenCompletedEvent]


def test_a_cr_only_event_is_delivered_while_the_stream_stays_open() -> None:
    delivered = threading.Event()

    def respond(conn: socket.socket) -> None:
        conn.sendall(
            head("200 OK", {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"})
        )
        conn.sendall(
            chunk(
                b"event: image_generation.completed\rdata: " + completed_data().encode() + b"\r\r"
            )
        )
        # Nothing more until the client has the event (it used to wait for one more byte).
        delivered.wait(20)
        conn.sendall(b"0\r\n\r\n")

    with raw_server(respond) as (url, _):
        api = api_for(url, timeout=(5.0, 3.0))
        with api.create_image_stream(STREAM_REQUEST) as stream:
            first = next(stream)
            delivered.set()
            assert list(stream) == []
    assert isinstance(first, ImageGenCompletedEvent)


def test_a_crlf_split_between_reads_is_one_line_end() -> None:
    raw = b"data: 1\r\n\r\ndata: 2\r\n\r\n"
    for cut in range(1, len(raw)):
        assert [e.data for e in iter_sse([raw[:cut], raw[cut:]])] == ["1", "2"], cut


def test_the_parser_agrees_with_a_line_by_line_reading_for_any_chunking() -> None:
    raw = (
        b"\xef\xbb\xbfid: 7\r\nevent: a\rdata: x\ndata\r\n: c\n\ndata:  two spaces\r\r"
        b"retry: 10\nid: 8\x00\ndata: last"
    )
    expected = [("a", "x\n", "7"), (None, " two spaces", "7"), (None, "last", "7")]
    for size in range(1, len(raw) + 1):
        chunks = [raw[i : i + size] for i in range(0, len(raw), size)]
        got = [(e.event, e.data, e.id) for e in iter_sse(chunks)]
        assert got == expected, size


# -- informational responses -----------------------------------------------------------


def test_103_early_hints_and_other_1xx_are_skipped_for_the_final_response() -> None:
    informational = (
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 102 Processing\r\n\r\n"
        b"HTTP/1.1 100 Continue\r\n\r\n"
    )
    final = head("200 OK", {"Content-Type": "application/json"}, len(IMAGES)) + IMAGES
    with raw_server(answer(informational + final)) as (url, _):
        result = api_for(url).create_image_with_http_info(REQUEST)
    assert result.status_code == 200
    assert result.data.data is not None and result.data.data[0].url == "https://cdn.example/x.png"


def test_endless_1xx_responses_are_a_connection_error() -> None:
    flood = b"HTTP/1.1 103 Early Hints\r\n\r\n" * 100
    with (
        raw_server(answer(flood)) as (url, _),
        pytest.raises(exc.ApiConnectionError, match="informational"),
    ):
        api_for(url).create_image(REQUEST)


def test_an_error_object_under_an_image_event_name_still_raises_the_error() -> None:
    error = {"error": {"type": "rate_limit_error", "message": "slow down", "code": None}}
    body = f"event: image_generation.completed\ndata: {json.dumps(error)}\n\n".encode()
    with (
        raw_server(answer(sse_response(body))) as (url, _),
        api_for(url).create_image_stream(STREAM_REQUEST) as stream,
        pytest.raises(exc.RateLimitException, match="slow down"),
    ):
        next(stream)


def test_an_image_event_that_does_not_match_its_schema_is_reported_as_before() -> None:
    body = b'event: image_generation.completed\ndata: {"b64_json": 5}\n\n'
    with (
        raw_server(answer(sse_response(body))) as (url, _),
        api_for(url).create_image_stream(STREAM_REQUEST) as stream,
        pytest.raises(exc.ApiResponseValidationError, match="did not match the spec"),
    ):
        next(stream)
