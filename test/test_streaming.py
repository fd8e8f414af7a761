"""Streamed generations and edits: typed events, parsed as bytes arrive."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from typing import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi
from openapiopenai._streaming import iter_sse
from openapiopenai.exceptions import (
    ApiResponseValidationError,
    ApiValueError,
    BadRequestException,
    ContentPolicyViolationException,
)
from openapiopenai.models.image_edit_completed_event import ImageEditCompletedEvent
from openapiopenai.models.image_gen_completed_event import ImageGenCompletedEvent
from openapiopenai.models.image_gen_partial_image_event import ImageGenPartialImageEvent
from openapiopenai.models.image_stream_event import ImageStreamEvent

B64 = base64.b64encode(b"\x89PNG fake").decode()
USAGE = {
    "total_tokens": 10,
    "input_tokens": 4,
    "output_tokens": 6,
    "input_tokens_details": {"text_tokens": 4, "image_tokens": 0},
}


def sse(event: str, payload: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps({'type': event, **payload})}\n\n".encode()


PARTIAL = sse(
    "image_generation.partial_image",
    {
        "b64_json": B64,
        "created_at": 1,
        "size": "1024x1024",
        "quality": "low",
        "background": "opaque",
        "output_format": "png",
        "partial_image_index": 0,
    },
)
COMPLETED = sse(
    "image_generation.completed",
    {
        "b64_json": B64,
        "created_at": 2,
        "size": "1024x1024",
        "quality": "low",
        "background": "opaque",
        "output_format": "png",
        "usage": USAGE,
    },
)


@pytest.fixture
def api(httpserver: HTTPServer, client_for: Callable[..., openapiopenai.ApiClient]) -> ImagesApi:
    return ImagesApi(client_for(httpserver.url_for("/v1"), retries=0))


def test_sse_parser_handles_split_chunks_crlf_comments_and_multiline_data() -> None:
    raw = b': keep-alive\r\nevent: a\r\ndata: {"x":\r\ndata: 1}\r\n\r\nevent: b\ndata: 2\n\n'
    chunks = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    events = list(iter_sse(chunks))
    assert [(e.event, e.data) for e in events] == [("a", '{"x":\n1}'), ("b", "2")]


def test_stream_yields_typed_events_and_sends_stream_true(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_data(
        PARTIAL + COMPLETED, content_type="text/event-stream"
    )
    req = CreateImageRequest(prompt="otter", model="gpt-image-1", partial_images=1)
    with api.create_image_stream(req) as stream:
        events = list(stream)
    assert [type(e) for e in events] == [ImageGenPartialImageEvent, ImageGenCompletedEvent]
    assert events[0].partial_image_index == 0  # type: ignore[attr-defined]
    assert events[1].usage is not None and events[1].usage.total_tokens == 10  # type: ignore[attr-defined]
    sent = json.loads(httpserver.log[-1][0].get_data())
    assert sent == {"prompt": "otter", "model": "gpt-image-1", "partial_images": 1, "stream": True}


def test_events_are_yielded_before_the_rest_of_the_body_arrives(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    release = threading.Event()
    first_event_seen = threading.Event()

    def handler(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield PARTIAL
            # The rest is held back until the client has yielded the first event.
            assert release.wait(10), "the client never yielded the first event"
            yield COMPLETED

        return Response(body(), content_type="text/event-stream")

    httpserver.expect_request("/v1/images/generations").respond_with_handler(handler)
    req = CreateImageRequest(prompt="otter", model="gpt-image-1", partial_images=1)
    with api.create_image_stream(req) as stream:
        first = next(stream)
        first_event_seen.set()
        release.set()
        rest = list(stream)
    assert isinstance(first, ImageGenPartialImageEvent)
    assert [type(e) for e in rest] == [ImageGenCompletedEvent]


def test_edit_stream_sends_stream_true_as_a_form_field(
    api: ImagesApi, httpserver: HTTPServer, png: bytes
) -> None:
    done = sse("image_edit.completed", {"b64_json": B64, "usage": USAGE})
    httpserver.expect_request("/v1/images/edits").respond_with_data(
        done, content_type="text/event-stream"
    )
    with api.create_image_edit_stream(png, "add a hat", model="gpt-image-1") as stream:
        events = list(stream)
    assert [type(e) for e in events] == [ImageEditCompletedEvent]
    assert httpserver.log[-1][0].form["stream"] == "true"


def test_an_error_event_raises_the_typed_exception(api: ImagesApi, httpserver: HTTPServer) -> None:
    error = (
        b'event: error\ndata: {"type": "error", "error": {"type": "invalid_request_error", '
        b'"code": "moderation_blocked", "message": "Blocked by the safety system.", '
        b'"param": null}}\n\n'
    )
    httpserver.expect_request("/v1/images/generations").respond_with_data(
        PARTIAL + error, content_type="text/event-stream"
    )
    stream = api.create_image_stream(CreateImageRequest(prompt="x", model="gpt-image-1"))
    assert isinstance(next(stream), ImageGenPartialImageEvent)
    with pytest.raises(ContentPolicyViolationException) as info:
        next(stream)
    assert isinstance(info.value, BadRequestException)
    assert "Blocked by the safety system." in str(info.value)


def test_unknown_event_types_are_yielded_not_dropped(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    novel = sse("image_generation.progress", {"percent": 50})
    httpserver.expect_request("/v1/images/generations").respond_with_data(
        novel + COMPLETED, content_type="text/event-stream"
    )
    with api.create_image_stream(CreateImageRequest(prompt="x", model="gpt-image-1")) as s:
        events = list(s)
    assert type(events[0]) is ImageStreamEvent
    assert events[0].type == "image_generation.progress"
    assert events[0].model_extra == {"percent": 50}


def test_a_json_reply_to_a_stream_request_is_a_clear_error(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json({"created": 1})
    with pytest.raises(ApiResponseValidationError, match="text/event-stream"):
        api.create_image_stream(CreateImageRequest(prompt="x", model="gpt-image-1"))


def test_an_error_status_raises_before_iteration(api: ImagesApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json(
        {"error": {"message": "bad", "type": "invalid_request_error", "param": "n", "code": None}},
        status=400,
    )
    with pytest.raises(BadRequestException):
        api.create_image_stream(CreateImageRequest(prompt="x", model="gpt-image-1"))


def test_plain_create_image_refuses_stream_true(api: ImagesApi, httpserver: HTTPServer) -> None:
    with pytest.raises(ApiValueError, match="create_image_stream"):
        api.create_image(CreateImageRequest(prompt="x", model="gpt-image-1", stream=True))
    assert httpserver.log == []


def test_closing_early_releases_the_connection(api: ImagesApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_data(
        PARTIAL * 50 + COMPLETED, content_type="text/event-stream"
    )
    stream = api.create_image_stream(CreateImageRequest(prompt="x", model="gpt-image-1"))
    next(stream)
    stream.close()
    with pytest.raises(StopIteration):
        next(stream)
    # The client still works afterwards (the pool was not poisoned).
    with api.create_image_stream(CreateImageRequest(prompt="x", model="gpt-image-1")) as again:
        events = list(again)
    assert len(events) == 51 and isinstance(events[-1], ImageGenCompletedEvent)


@pytest.mark.parametrize("model", ["dall-e-2", "dall-e-3"])
def test_streaming_a_dalle_model_is_refused_before_sending(
    model: str, api: ImagesApi, httpserver: HTTPServer, png: bytes
) -> None:
    with pytest.raises(ApiValueError, match=r"^stream: .*GPT image models"):
        api.create_image_stream(CreateImageRequest(prompt="x", model=model))
    with pytest.raises(ApiValueError, match=r"^stream: "):
        api.create_image_edit_stream(png, "x", model="dall-e-2")
    assert httpserver.log == []
