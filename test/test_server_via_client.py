"""ImagesServer's rules, seen through the SDK: each rejection arrives as the right exception.

The clients here run with ``client_side_validation=False`` and ``retries=0``, so every
request reaches the server and the server's answer is what the test sees. What the SDK's
pydantic models cannot even hold (a string for ``n``, a ``moderation`` outside its enum)
is built with ``model_construct`` or sent as a prepared body through ``ApiClient.call_api``.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator, Sequence
from typing import Any, Callable, Optional, Union

import pytest
import urllib3

import openapiopenai
from openapiopenai import ApiClient, Configuration, ImagesApi
from openapiopenai._png import decode_png, encode_png, read_png_info
from openapiopenai.exceptions import (
    ApiConnectionError,
    ApiException,
    BadRequestException,
    ContentPolicyViolationException,
    ImageUrlExpiredError,
    NotFoundException,
    UnauthorizedException,
)
from openapiopenai.models.create_image_request import CreateImageRequest
from openapiopenai.models.image_edit_completed_event import ImageEditCompletedEvent
from openapiopenai.models.image_edit_partial_image_event import ImageEditPartialImageEvent
from openapiopenai.models.image_gen_completed_event import ImageGenCompletedEvent
from openapiopenai.models.image_gen_partial_image_event import ImageGenPartialImageEvent
from openapiopenai.models.images_response import ImagesResponse
from openapiopenai.testing import ImagesServer

KEY = "sk-test-via-client-0123456789"
FormField = Union[str, tuple[str, bytes, str]]


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def server(clock: Clock) -> Iterator[ImagesServer]:
    with ImagesServer(clock=clock) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_leftover_faults(server: ImagesServer) -> Iterator[None]:
    yield
    server.reset_faults()


def configuration(server: ImagesServer, **overrides: Any) -> Configuration:
    settings: dict[str, Any] = {
        "host": server.url,
        "access_token": KEY,
        "client_side_validation": False,
        "retries": 0,
    }
    settings.update(overrides)
    return Configuration(**settings)


@pytest.fixture(scope="module")
def api_client(server: ImagesServer) -> Iterator[ApiClient]:
    with ApiClient(configuration(server)) as client:
        yield client


@pytest.fixture
def api(api_client: ApiClient) -> ImagesApi:
    return ImagesApi(api_client)


def png(width: int = 8, height: int = 8, *, alpha: bool = True, hole: bool = True) -> bytes:
    """A solid PNG; RGBA with the left half transparent (``hole``), or opaque RGB."""
    if not alpha:
        return encode_png(width, height, b"\x80\x40\x20" * width * height, color_type=2)
    row = b"\x10\x20\x30\xff" * width
    if hole:
        row = b"\x10\x20\x30\x00" * (width // 2) + b"\x10\x20\x30\xff" * (width - width // 2)
    return encode_png(width, height, row * height)


def jpeg(width: int, height: int) -> bytes:
    """A JPEG header (SOI, SOF0, EOI): the server reads formats and sizes from headers."""
    sof0 = b"\xff\xc0\x00\x11\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return b"\xff\xd8" + sof0 + b"\x03" + bytes(9) + b"\xff\xd9"


def rejected(
    call: Callable[[], object],
    param: Optional[str],
    code: Optional[str],
    cls: type[ApiException] = BadRequestException,
    status: int = 400,
) -> ApiException:
    """Run ``call``; it must raise exactly ``cls`` for ``status`` naming ``param`` and ``code``."""
    with pytest.raises(ApiException) as caught:
        call()
    error = caught.value
    assert type(error) is cls, f"{type(error).__name__}: {error}"
    assert error.status == status, error
    assert (error.param, error.code) == (param, code), error
    assert error.request_id is not None and error.request_id.startswith("req_")
    return error


def raw_call(
    api_client: ApiClient,
    server: ImagesServer,
    path: str,
    body: Optional[bytes],
    content_type: Optional[str] = "application/json",
    method: str = "POST",
) -> ImagesResponse:
    """Send a prepared body through the client's transport; parse like an operation."""
    headers = {"Authorization": f"Bearer {KEY}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = api_client.call_api(method, server.url + path, header_params=headers, body=body)
    data: ImagesResponse = api_client.response_deserialize(response, {"200": ImagesResponse}).data
    return data


def raw_json(api_client: ApiClient, server: ImagesServer, body: Any) -> Callable[[], object]:
    return lambda: raw_call(api_client, server, "/images/generations", json.dumps(body).encode())


def raw_form(
    api_client: ApiClient,
    server: ImagesServer,
    operation: str,
    fields: Sequence[tuple[str, FormField]],
) -> Callable[[], object]:
    body, content_type = urllib3.encode_multipart_formdata(list(fields))
    return lambda: raw_call(api_client, server, f"/images/{operation}", body, content_type)


def image_file(data: bytes, name: str = "image.png") -> tuple[str, bytes, str]:
    return (name, data, "image/png")


# --- generations ---------------------------------------------------------------------------

# (fields of a CreateImageRequest, param, code); the values are valid for the model class,
# so the SDK sends them and the server decides.
GENERATION_RULES: list[tuple[dict[str, Any], str, str]] = [
    ({"prompt": ""}, "prompt", "empty_string"),
    ({"prompt": "p" * 1001}, "prompt", "string_above_max_length"),
    ({"prompt": "p" * 4001, "model": "dall-e-3"}, "prompt", "string_above_max_length"),
    ({"prompt": "p" * 32001, "model": "gpt-image-1"}, "prompt", "string_above_max_length"),
    ({"prompt": "x", "model": "dall-e-3", "n": 2}, "n", "integer_above_max_value"),
    ({"prompt": "x", "size": "1792x1024"}, "size", "invalid_value"),
    ({"prompt": "x", "size": "1536x1024"}, "size", "invalid_value"),  # dall-e-2 by default
    ({"prompt": "x", "model": "dall-e-3", "size": "256x256"}, "size", "invalid_value"),
    ({"prompt": "x", "model": "gpt-image-1", "size": "1792x1024"}, "size", "invalid_value"),
    ({"prompt": "x", "model": "gpt-image-1", "size": "1536x864"}, "size", "invalid_value"),
    ({"prompt": "x", "model": "gpt-image-2", "size": "1000x1000"}, "size", "invalid_value"),
    ({"prompt": "x", "model": "gpt-image-2", "size": "1600x512"}, "size", "invalid_value"),
    ({"prompt": "x", "model": "gpt-image-2", "size": "3840x2400"}, "size", "invalid_value"),
    ({"prompt": "x", "quality": "hd"}, "quality", "invalid_value"),
    ({"prompt": "x", "model": "dall-e-3", "quality": "low"}, "quality", "invalid_value"),
    ({"prompt": "x", "model": "gpt-image-1", "quality": "hd"}, "quality", "invalid_value"),
    ({"prompt": "x", "model": "gpt-image-1", "quality": "standard"}, "quality", "invalid_value"),
    ({"prompt": "x", "style": "vivid"}, "style", "unsupported_parameter"),
    ({"prompt": "x", "model": "gpt-image-1", "style": "natural"}, "style", "unsupported_parameter"),
    (
        {"prompt": "x", "model": "gpt-image-1", "response_format": "b64_json"},
        "response_format",
        "unsupported_parameter",
    ),
    ({"prompt": "x", "model": "dall-e-4"}, "model", "invalid_value"),
    ({"prompt": "x", "model": "chatgpt-image-latest"}, "model", "invalid_value"),
    (
        {"prompt": "x", "model": "dall-e-2", "background": "opaque"},
        "background",
        "unsupported_parameter",
    ),
    (
        {"prompt": "x", "model": "dall-e-3", "moderation": "low"},
        "moderation",
        "unsupported_parameter",
    ),
    (
        {"prompt": "x", "model": "dall-e-3", "output_format": "png"},
        "output_format",
        "unsupported_parameter",
    ),
    (
        {"prompt": "x", "model": "dall-e-2", "output_compression": 50},
        "output_compression",
        "unsupported_parameter",
    ),
    (
        {"prompt": "x", "model": "dall-e-2", "partial_images": 1},
        "partial_images",
        "unsupported_parameter",
    ),
    (
        {"prompt": "x", "model": "gpt-image-1", "output_compression": 50},
        "output_compression",
        "unsupported_parameter",
    ),
    (
        {"prompt": "x", "output_format": "png", "output_compression": 50},
        "output_compression",
        "unsupported_parameter",
    ),
    (
        {"prompt": "x", "background": "transparent", "output_format": "jpeg"},
        "background",
        "invalid_value",
    ),
    (
        {"prompt": "x", "model": "gpt-image-1", "output_format": "jpeg"},
        "output_format",
        "unsupported_value",
    ),
    (
        {"prompt": "x", "output_format": "webp", "output_compression": 80},
        "output_format",
        "unsupported_value",
    ),
]


@pytest.mark.parametrize(("fields", "param", "code"), GENERATION_RULES)
def test_generation_rules(api: ImagesApi, fields: dict[str, Any], param: str, code: str) -> None:
    rejected(lambda: api.create_image(CreateImageRequest(**fields)), param, code)


# Values the model class refuses: built with model_construct, which skips validation but
# records the given fields as set, so to_dict() sends exactly them.
CONSTRUCTED_RULES: list[tuple[dict[str, Any], str, str]] = [
    ({"prompt": "x", "n": 0}, "n", "integer_below_min_value"),
    ({"prompt": "x", "n": 11}, "n", "integer_above_max_value"),
    ({"prompt": "x", "model": "gpt-image-1", "n": 11}, "n", "integer_above_max_value"),
    ({"prompt": "x", "response_format": "png"}, "response_format", "invalid_value"),
    ({"prompt": "x", "model": "dall-e-3", "style": "bold"}, "style", "invalid_value"),
    ({"prompt": "x", "background": "none"}, "background", "invalid_value"),
    ({"prompt": "x", "moderation": "high"}, "moderation", "invalid_value"),
    ({"prompt": "x", "output_format": "gif"}, "output_format", "invalid_value"),
    (
        {"prompt": "x", "output_format": "jpeg", "output_compression": 101},
        "output_compression",
        "integer_above_max_value",
    ),
    (
        {"prompt": "x", "output_format": "jpeg", "output_compression": -1},
        "output_compression",
        "integer_below_min_value",
    ),
    ({"prompt": "x", "partial_images": 4}, "partial_images", "integer_above_max_value"),
    ({"prompt": "x", "partial_images": -1}, "partial_images", "integer_below_min_value"),
]


@pytest.mark.parametrize(("fields", "param", "code"), CONSTRUCTED_RULES)
def test_generation_rules_beyond_the_model_class(
    api: ImagesApi, fields: dict[str, Any], param: str, code: str
) -> None:
    request = CreateImageRequest.model_construct(**fields)
    assert request.model_fields_set == set(fields)
    rejected(lambda: api.create_image(request), param, code)


# Bodies the SDK cannot produce at all: wrong JSON types, unknown or missing members.
RAW_GENERATION_RULES: list[tuple[Any, Optional[str], Optional[str]]] = [
    ({}, "prompt", "missing_required_parameter"),
    ({"prompt": 42}, "prompt", "invalid_type"),
    ({"prompt": "x", "n": "2"}, "n", "invalid_type"),
    ({"prompt": "x", "n": True}, "n", "invalid_type"),
    ({"prompt": "x", "n": 1.5}, "n", "invalid_type"),
    ({"prompt": "x", "model": 3}, "model", "invalid_type"),
    ({"prompt": "x", "user": 7}, "user", "invalid_type"),
    ({"prompt": "x", "size": 256}, "size", "invalid_type"),
    ({"prompt": "x", "stream": "true"}, "stream", "invalid_type"),
    (
        {"prompt": "x", "output_format": "webp", "output_compression": "50"},
        "output_compression",
        "invalid_type",
    ),
    ({"prompt": "x", "input_fidelity": "high"}, "input_fidelity", "unknown_parameter"),
    ({"prompt": "x", "colour": "red"}, "colour", "unknown_parameter"),
    ([], None, "invalid_type"),
]


@pytest.mark.parametrize(("body", "param", "code"), RAW_GENERATION_RULES)
def test_generation_rules_for_bodies_the_sdk_cannot_send(
    api_client: ApiClient, server: ImagesServer, body: Any, param: str, code: str
) -> None:
    rejected(raw_json(api_client, server, body), param, code)


def test_body_encoding_rules(api_client: ApiClient, server: ImagesServer) -> None:
    broken = rejected(
        lambda: raw_call(api_client, server, "/images/generations", b"{not json"), None, None
    )
    assert "could not parse the JSON body" in str(broken)
    rejected(
        lambda: raw_call(api_client, server, "/images/generations", b"prompt=x", "text/plain"),
        None,
        "invalid_content_type",
    )
    rejected(
        lambda: raw_call(api_client, server, "/images/edits", b"x", "text/plain"),
        None,
        "invalid_content_type",
    )
    # A JSON edit is the JSON form of /images/edits (images by reference).
    rejected(
        lambda: raw_call(api_client, server, "/images/edits", b"{}"),
        "images",
        "missing_required_parameter",
    )
    no_boundary = rejected(
        lambda: raw_call(api_client, server, "/images/edits", b"--x--", "multipart/form-data"),
        None,
        None,
    )
    assert "boundary" in str(no_boundary)


def test_the_default_model_follows_the_parameters(api: ImagesApi) -> None:
    dalle = api.create_image(CreateImageRequest(prompt="x", size="256x256"))
    assert dalle.usage is None and dalle.data[0].url is not None
    gpt = api.create_image(CreateImageRequest(prompt="x", size="1536x1024", background="opaque"))
    assert gpt.usage is not None and gpt.size == "1536x1024" and gpt.data[0].b64_json
    by_quality = api.create_image(CreateImageRequest(prompt="x", quality="high"))
    assert by_quality.usage is not None and by_quality.quality == "high"


@pytest.mark.parametrize(
    "model",
    ["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2", "gpt-image-2-2026-04-21"],
)
def test_gpt_generation_through_the_sdk(api: ImagesApi, model: str) -> None:
    response = api.create_image(
        CreateImageRequest(prompt="a fox", model=model, size="1024x1536", quality="low")
    )
    assert (response.size, response.quality, response.output_format, response.background) == (
        "1024x1536",
        "low",
        "png",
        "opaque",
    )
    assert response.usage is not None and response.usage.output_tokens == 408
    usage = response.usage
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    [image] = response.data
    assert image.url is None and image.revised_prompt is None
    assert decode_png(base64.b64decode(image.b64_json or ""))[:2] == (1024, 1536)


def test_gpt_image_2_custom_size_through_the_sdk(api: ImagesApi) -> None:
    response = api.create_image(
        CreateImageRequest(prompt="wide", model="gpt-image-2", size="1536x864")
    )
    assert response.size == "1536x864"
    assert decode_png(base64.b64decode(response.data[0].b64_json or ""))[:2] == (1536, 864)


def test_transparent_background_through_the_sdk(api: ImagesApi) -> None:
    response = api.create_image(
        CreateImageRequest(prompt="glass", model="gpt-image-1", background="transparent")
    )
    assert response.background == "transparent"
    data = base64.b64decode(response.data[0].b64_json or "")
    assert read_png_info(data).has_alpha


# --- edits ---------------------------------------------------------------------------------


def edit_rules() -> list[tuple[dict[str, Any], str, str]]:
    """(keyword arguments of create_image_edit, param, code)."""
    square = png()
    opaque = png(alpha=False)
    return [
        (
            {"image": square, "prompt": "p" * 1001, "model": "dall-e-2"},
            "prompt",
            "string_above_max_length",
        ),
        (
            {"image": opaque, "prompt": "p" * 32001, "model": "gpt-image-1"},
            "prompt",
            "string_above_max_length",
        ),
        ({"image": square, "prompt": ""}, "prompt", "empty_string"),
        ({"image": b"GIF89a\x08\x00\x08\x00", "prompt": "x"}, "image", "invalid_image_format"),
        (
            {"image": jpeg(8, 8), "prompt": "x", "model": "dall-e-2"},
            "image",
            "invalid_image_format",
        ),
        (
            {"image": b"GIF89a\x08\x00\x08\x00", "prompt": "x", "model": "gpt-image-1"},
            "image",
            "invalid_image_format",
        ),
        ({"image": square[:-12], "prompt": "x"}, "image", "invalid_image_format"),
        ({"image": png(16, 8), "prompt": "x", "model": "dall-e-2"}, "image", "image_not_square"),
        (
            {"image": opaque, "prompt": "x", "model": "dall-e-2"},
            "image",
            "image_without_transparency",
        ),
        (
            {"image": square + bytes(4 * 1024 * 1024), "prompt": "x", "model": "dall-e-2"},
            "image",
            "image_too_large",
        ),
        (
            {"image": [square, square], "prompt": "x", "model": "dall-e-2"},
            "image",
            "too_many_images",
        ),
        ({"image": opaque, "prompt": "x", "mask": png(4, 4)}, "mask", "mask_size_mismatch"),
        (
            {"image": [png(16, 8), opaque], "prompt": "x", "model": "gpt-image-1", "mask": square},
            "mask",
            "mask_size_mismatch",
        ),
        (
            {"image": jpeg(32, 16), "prompt": "x", "model": "gpt-image-1", "mask": square},
            "mask",
            "mask_size_mismatch",
        ),
        ({"image": opaque, "prompt": "x", "mask": opaque}, "mask", "mask_without_transparency"),
        ({"image": opaque, "prompt": "x", "mask": jpeg(8, 8)}, "mask", "invalid_image_format"),
        (
            {"image": opaque, "prompt": "x", "mask": square + bytes(4 * 1024 * 1024)},
            "mask",
            "image_too_large",
        ),
        ({"image": square, "prompt": "x", "model": "dall-e-3"}, "model", "invalid_value"),
        ({"image": square, "prompt": "x", "size": "1792x1024"}, "size", "invalid_value"),
        (
            {"image": opaque, "prompt": "x", "model": "gpt-image-1", "size": "512x512"},
            "size",
            "invalid_value",
        ),
        (
            {"image": square, "prompt": "x", "model": "dall-e-2", "quality": "low"},
            "quality",
            "invalid_value",
        ),
        (
            {
                "image": opaque,
                "prompt": "x",
                "model": "chatgpt-image-latest",
                "quality": "standard",
            },
            "quality",
            "invalid_value",
        ),
        (
            {"image": opaque, "prompt": "x", "model": "gpt-image-1", "response_format": "url"},
            "response_format",
            "unsupported_parameter",
        ),
        (
            {"image": opaque, "prompt": "x", "model": "gpt-image-1-mini", "input_fidelity": "high"},
            "input_fidelity",
            "unsupported_parameter",
        ),
        (
            {"image": square, "prompt": "x", "model": "dall-e-2", "background": "auto"},
            "background",
            "unsupported_parameter",
        ),
        (
            {"image": opaque, "prompt": "x", "output_format": "png", "output_compression": 10},
            "output_compression",
            "unsupported_parameter",
        ),
        (
            {"image": opaque, "prompt": "x", "background": "transparent", "output_format": "jpeg"},
            "background",
            "invalid_value",
        ),
        (
            {"image": opaque, "prompt": "x", "output_format": "webp"},
            "output_format",
            "unsupported_value",
        ),
    ]


@pytest.mark.parametrize(
    ("kwargs", "param", "code"),
    edit_rules(),
    ids=[f"{param}-{code}-{i}" for i, (_, param, code) in enumerate(edit_rules())],
)
def test_edit_rules(api: ImagesApi, kwargs: dict[str, Any], param: str, code: str) -> None:
    image, prompt = kwargs.pop("image"), kwargs.pop("prompt")
    rejected(lambda: api.create_image_edit(image, prompt, **kwargs), param, code)


def test_edit_stream_with_dalle_is_rejected(api: ImagesApi) -> None:
    rejected(
        lambda: api.create_image_edit_stream(png(), "x", model="dall-e-2"),
        "stream",
        "unsupported_parameter",
    )


RAW_EDIT_RULES: list[tuple[list[tuple[str, FormField]], str, str]] = [
    ([("prompt", "x")], "image", "missing_required_parameter"),
    ([("image", image_file(png()))], "prompt", "missing_required_parameter"),
    ([("prompt", "x"), ("image", "not a file")], "image", "invalid_type"),
    ([("prompt", "x"), ("image[]", "not a file")], "image", "invalid_type"),
    ([("prompt", image_file(b"x")), ("image", image_file(png()))], "prompt", "invalid_type"),
    ([("prompt", "x"), ("image", image_file(png())), ("n", "many")], "n", "invalid_type"),
    ([("prompt", "x"), ("image", image_file(png())), ("n", "11")], "n", "integer_above_max_value"),
    (
        [("prompt", "x"), ("image", image_file(png())), ("n", "1"), ("n", "2")],
        "n",
        "duplicate_parameter",
    ),
    (
        [("prompt", "x"), ("image", image_file(png())), ("image[]", image_file(png()))],
        "image",
        "duplicate_parameter",
    ),
    (
        [("prompt", "x"), ("model", "gpt-image-1")] + [("image[]", image_file(png()))] * 17,
        "image",
        "too_many_images",
    ),
    (
        [("prompt", "x"), ("image", image_file(png(alpha=False))), ("stream", "yes")],
        "stream",
        "invalid_type",
    ),
    (
        [("prompt", "x"), ("image", image_file(png(alpha=False))), ("partial_images", "4")],
        "partial_images",
        "integer_above_max_value",
    ),
    (
        [("prompt", "x"), ("image", image_file(png(alpha=False))), ("input_fidelity", "max")],
        "input_fidelity",
        "invalid_value",
    ),
    (
        [("prompt", "x"), ("image", image_file(png(alpha=False))), ("moderation", "low")],
        "moderation",
        "unknown_parameter",
    ),
    (
        [("prompt", "x"), ("image", image_file(png(alpha=False))), ("output_compression", "x")],
        "output_compression",
        "invalid_type",
    ),
]


@pytest.mark.parametrize(("fields", "param", "code"), RAW_EDIT_RULES)
def test_edit_rules_for_forms_the_sdk_cannot_send(
    api_client: ApiClient,
    server: ImagesServer,
    fields: list[tuple[str, FormField]],
    param: str,
    code: str,
) -> None:
    rejected(raw_form(api_client, server, "edits", fields), param, code)


def test_multi_image_edit_through_the_sdk(api: ImagesApi, server: ImagesServer) -> None:
    first, second = png(32, 32, alpha=False), png(48, 16)
    response = api.create_image_edit(
        [first, second], "put them together", model="gpt-image-1", size="1536x1024"
    )
    assert response.size == "1536x1024" and response.output_format == "png"
    assert response.usage is not None
    assert response.usage.input_tokens_details.image_tokens == 2 * (65 + 129)
    data = base64.b64decode(response.data[0].b64_json or "")
    assert data.startswith(b"\x89PNG") and decode_png(data)[:2] == (1536, 1024)
    record = server.requests[-1]
    assert [part.data for part in record.file_parts("image[]")] == [first, second]
    assert [part.name for part in record.form if part.filename] == ["image[]", "image[]"]
    assert record.fields["model"] == "gpt-image-1"


def test_gpt_edit_formats_mask_and_chatgpt_image_latest(api: ImagesApi) -> None:
    response = api.create_image_edit(
        [png(64, 32, alpha=False), jpeg(640, 480)],
        "scarf",
        mask=png(64, 32),
        model="chatgpt-image-latest",
        size="auto",
        input_fidelity="high",
        quality="medium",
    )
    assert (response.size, response.quality) == ("1536x1024", "medium")
    from_jpeg = api.create_image_edit(jpeg(200, 300), "scarf", model="gpt-image-1", size="auto")
    assert from_jpeg.size == "1024x1536"


def test_dalle2_edits_keep_working_with_the_model_named(api: ImagesApi) -> None:
    response = api.create_image_edit(
        png(), "hat", mask=png(), model="dall-e-2", size="256x256", response_format="b64_json"
    )
    assert response.usage is None and response.size is None
    assert decode_png(base64.b64decode(response.data[0].b64_json or ""))[:2] == (256, 256)


def test_edits_without_a_model_use_gpt_image_1_5(api: ImagesApi) -> None:
    """The latest contract's default (API 2.0.0 used dall-e-2: see edit_default_model)."""
    response = api.create_image_edit(png(), "hat", mask=png())
    assert response.usage is not None and response.size == "1024x1024"
    with pytest.raises(ApiException) as info:
        api.create_image_edit(png(), "hat", mask=png(), size="256x256")
    assert "gpt-image-1.5" in str(info.value)


def test_edit_default_model_can_be_dalle2_as_in_api_2_0_0() -> None:
    with ImagesServer(edit_default_model="dall-e-2") as old:
        configuration = Configuration(host=old.url, access_token="sk-test")
        with ApiClient(configuration) as client:
            response = ImagesApi(client).create_image_edit(png(), "hat", size="256x256")
    assert response.usage is None and response.data[0].url is not None


# --- variations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "param", "code"),
    [
        ({"image": png(16, 8)}, "image", "image_not_square"),
        ({"image": jpeg(8, 8)}, "image", "invalid_image_format"),
        ({"image": png(), "model": "dall-e-3"}, "model", "invalid_value"),
        ({"image": png(), "model": "gpt-image-1"}, "model", "invalid_value"),
        ({"image": png() + bytes(4 * 1024 * 1024)}, "image", "image_too_large"),
    ],
)
def test_variation_rules(api: ImagesApi, kwargs: dict[str, Any], param: str, code: str) -> None:
    image = kwargs.pop("image")
    rejected(lambda: api.create_image_variation(image, **kwargs), param, code)


@pytest.mark.parametrize(
    ("fields", "param", "code"),
    [
        ([("n", "1")], "image", "missing_required_parameter"),
        ([("image", image_file(png())), ("size", "1024x1792")], "size", "invalid_value"),
        ([("image", image_file(png())), ("n", "0")], "n", "integer_below_min_value"),
        ([("image", image_file(png())), ("prompt", "x")], "prompt", "unknown_parameter"),
        ([("image", image_file(png())), ("mask", image_file(png()))], "mask", "unknown_parameter"),
        ([("image[]", image_file(png()))], "image[]", "unknown_parameter"),
        (
            [("image", image_file(png())), ("response_format", "gif")],
            "response_format",
            "invalid_value",
        ),
    ],
)
def test_variation_rules_for_forms_the_sdk_cannot_send(
    api_client: ApiClient,
    server: ImagesServer,
    fields: list[tuple[str, FormField]],
    param: str,
    code: str,
) -> None:
    rejected(raw_form(api_client, server, "variations", fields), param, code)


# --- authentication, routing, limits, URLs -------------------------------------------------


def test_missing_key_is_unauthorized(server: ImagesServer) -> None:
    with ApiClient(configuration(server, access_token=None)) as client:
        api = ImagesApi(client)
        error = rejected(
            lambda: api.create_image(CreateImageRequest(prompt="x")),
            None,
            None,
            UnauthorizedException,
            401,
        )
    assert "didn't provide an API key" in str(error)


def test_wrong_key_is_unauthorized() -> None:
    with ImagesServer(api_keys={"sk-the-only-good-key-0000"}) as server:
        with ApiClient(configuration(server, access_token="sk-a-wrong-key-1111111")) as client:
            error = rejected(
                lambda: ImagesApi(client).create_image(CreateImageRequest(prompt="x")),
                None,
                "invalid_api_key",
                UnauthorizedException,
                401,
            )
        assert "sk-a-wrong-key-1111111" not in str(error)
        with ApiClient(configuration(server, access_token="sk-the-only-good-key-0000")) as client:
            assert ImagesApi(client).create_image(CreateImageRequest(prompt="x", size="256x256"))


def test_unknown_path_is_not_found(api_client: ApiClient, server: ImagesServer) -> None:
    rejected(
        lambda: raw_call(api_client, server, "/images/generate", b"{}"),
        None,
        "unknown_url",
        NotFoundException,
        404,
    )


def test_wrong_method_and_too_large_body(api_client: ApiClient, server: ImagesServer) -> None:
    wrong = rejected(
        lambda: raw_call(api_client, server, "/images/generations", None, None, "GET"),
        None,
        "method_not_allowed",
        ApiException,
        405,
    )
    assert wrong.headers["Allow"] == "POST"
    with ImagesServer(max_body_size=100) as small, ApiClient(configuration(small)) as client:
        rejected(
            lambda: ImagesApi(client).create_image(CreateImageRequest(prompt="p" * 200)),
            None,
            None,
            ApiException,
            413,
        )


def test_expired_image_url(api: ImagesApi, clock: Clock) -> None:
    response = api.create_image(CreateImageRequest(prompt="x", size="256x256"))
    [image] = response.data
    assert decode_png(image.to_bytes())[:2] == (256, 256)
    clock.now += 3600
    try:
        with pytest.raises(ImageUrlExpiredError):
            image.to_bytes()
    finally:
        clock.now -= 3600


# --- streaming -----------------------------------------------------------------------------


def test_stream_through_the_sdk(api: ImagesApi) -> None:
    request = CreateImageRequest(prompt="a fox", model="gpt-image-1", partial_images=2)
    with api.create_image_stream(request) as stream:
        assert stream.status_code == 200 and stream.request_id
        events = list(stream)
    assert [type(event) for event in events] == [
        ImageGenPartialImageEvent,
        ImageGenPartialImageEvent,
        ImageGenCompletedEvent,
    ]
    partials, completed = events[:2], events[2]
    assert [event.partial_image_index for event in partials] == [0, 1]  # type: ignore[attr-defined]
    assert isinstance(completed, ImageGenCompletedEvent)
    final = base64.b64decode(completed.b64_json)
    assert decode_png(final)[:2] == (1024, 1024)
    assert (completed.size, completed.quality, completed.output_format) == (
        "1024x1024",
        "medium",
        "png",
    )
    assert completed.usage is not None and completed.usage.output_tokens == 1056 + 2 * 100
    for partial in partials:
        assert decode_png(base64.b64decode(partial.b64_json or ""))[:2] == (1024, 1024)


def test_stream_arrives_incrementally(api: ImagesApi, server: ImagesServer) -> None:
    release = server.hold_stream(after_events=1)
    request = CreateImageRequest(prompt="slowly", model="gpt-image-1", partial_images=2)
    watchdog = threading.Timer(10, release.set)  # never hang the suite
    watchdog.start()
    try:
        with api.create_image_stream(request) as stream:
            first = next(stream)
            # The server is still holding the rest: the event came before it was sent.
            assert not release.is_set()
            assert isinstance(first, ImageGenPartialImageEvent)
            assert first.partial_image_index == 0
            release.set()
            rest = list(stream)
    finally:
        watchdog.cancel()
    assert [type(event) for event in rest] == [ImageGenPartialImageEvent, ImageGenCompletedEvent]


def test_edit_stream_through_the_sdk(api: ImagesApi) -> None:
    with api.create_image_edit_stream(
        [png(alpha=False), png(16, 16)], "scarf", model="gpt-image-1", partial_images=1
    ) as stream:
        events = list(stream)
    assert [type(event) for event in events] == [
        ImageEditPartialImageEvent,
        ImageEditCompletedEvent,
    ]
    assert decode_png(base64.b64decode(events[-1].b64_json or ""))[:2] == (1024, 1024)


def test_error_event_mid_stream(api: ImagesApi, server: ImagesServer) -> None:
    server.stream_error(
        code="moderation_blocked", message="Your request was rejected.", after_events=1
    )
    request = CreateImageRequest(prompt="x", model="gpt-image-1", partial_images=2)
    seen = []
    stream = api.create_image_stream(request)  # status and headers are fine: 200
    with pytest.raises(ContentPolicyViolationException) as caught, stream:
        for event in stream:
            seen.append(event)
    assert [type(event) for event in seen] == [ImageGenPartialImageEvent]
    assert caught.value.code == "moderation_blocked" and caught.value.param is None
    assert server.requests[-1].error is not None


def test_streams_keep_the_connection_alive(server: ImagesServer) -> None:
    with ApiClient(configuration(server)) as client:
        api = ImagesApi(client)
        for _ in range(3):
            request = CreateImageRequest(prompt="x", model="gpt-image-1-mini", quality="low")
            with api.create_image_stream(request) as stream:
                assert len(list(stream)) == 1
        assert client.rest_client.connections_opened() == 1


def test_stream_with_dalle_is_rejected(api: ImagesApi) -> None:
    rejected(
        lambda: api.create_image_stream(CreateImageRequest(prompt="x", model="dall-e-3")),
        "stream",
        "unsupported_parameter",
    )


# --- a connection dropped while uploading ----------------------------------------------------


def test_drop_during_upload_counts_as_not_sent_and_is_retried(server: ImagesServer) -> None:
    # 8 MB: more than the kernels can buffer, so the upload is still going when the
    # server resets (see ImagesServer.drop_during_upload); fine for a GPT image model.
    big = png(alpha=False) + bytes(8 * 1024 * 1024)
    server.drop_during_upload()
    with ApiClient(configuration(server)) as client, pytest.raises(ApiConnectionError) as caught:
        ImagesApi(client).create_image_edit(big, "x", model="gpt-image-1", quality="low")
    assert caught.value.request_sent is False
    assert caught.value.retries == 0
    record = server.requests[-1]
    assert record.fault is not None and record.fault.kind == "drop_during_upload"
    assert record.body == b"" and int(record.headers["Content-Length"]) > len(big)

    server.drop_during_upload()
    server.clear_requests()
    retry = openapiopenai.Retry(total=1, backoff_base=0.01)
    with ApiClient(configuration(server, retries=retry)) as client:
        api = ImagesApi(client)
        response = api.create_image_edit_with_http_info(
            big, "x", model="gpt-image-1", quality="low"
        )
    assert response.status_code == 200 and response.retries == 1
    assert [r.fault.kind if r.fault else None for r in server.requests] == [
        "drop_during_upload",
        None,
    ]
    assert server.requests[1].files["image"].data == big
