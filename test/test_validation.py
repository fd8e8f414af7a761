"""Pre-flight checks: bad input fails before anything is sent, naming the parameter."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer

import openapiopenai
from openapiopenai import ApiTypeError, ApiValueError, CreateImageRequest, ImagesApi

from conftest import make_png

OK = {"created": 1, "data": []}


@pytest.fixture
def api(httpserver: HTTPServer, client_for: Callable[..., openapiopenai.ApiClient]) -> ImagesApi:
    for path in ("/v1/images/generations", "/v1/images/edits", "/v1/images/variations"):
        httpserver.expect_request(path).respond_with_json(OK)
    return ImagesApi(client_for(httpserver.url_for("/v1"), retries=0))


def rejects(httpserver: HTTPServer, call: Callable[[], Any], param: str, cls: type = ApiValueError):
    with pytest.raises(cls) as info:
        call()
    assert str(info.value).startswith(f"{param}:"), str(info.value)
    assert httpserver.log == [], "a rejected request must not be sent"
    return info.value


# -- generation ------------------------------------------------------------------

GENERATION_REJECTS = [
    ({"prompt": "x" * 1001}, "prompt"),
    ({"prompt": "x" * 1001, "model": "dall-e-2"}, "prompt"),
    ({"prompt": "x" * 4001, "model": "dall-e-3"}, "prompt"),
    ({"prompt": "x" * 32001, "model": "gpt-image-1"}, "prompt"),
    ({"prompt": "p", "model": "dall-e-3", "n": 2}, "n"),
    ({"prompt": "p", "model": "dall-e-2", "size": "1792x1024"}, "size"),
    ({"prompt": "p", "model": "dall-e-3", "size": "256x256"}, "size"),
    ({"prompt": "p", "model": "gpt-image-1", "size": "1792x1024"}, "size"),
    ({"prompt": "p", "model": "gpt-image-2", "size": "1000x1000"}, "size"),
    ({"prompt": "p", "model": "gpt-image-2", "size": "4000x1008"}, "size"),
    ({"prompt": "p", "model": "gpt-image-2", "size": "3200x800"}, "size"),
    ({"prompt": "p", "model": "gpt-image-2", "size": "big"}, "size"),
    ({"prompt": "p", "model": "dall-e-2", "quality": "hd"}, "quality"),
    ({"prompt": "p", "model": "dall-e-3", "quality": "high"}, "quality"),
    ({"prompt": "p", "model": "gpt-image-1", "quality": "hd"}, "quality"),
    ({"prompt": "p", "model": "dall-e-2", "style": "natural"}, "style"),
    ({"prompt": "p", "model": "gpt-image-1", "style": "vivid"}, "style"),
    ({"prompt": "p", "model": "gpt-image-1", "response_format": "url"}, "response_format"),
    ({"prompt": "p", "model": "dall-e-3", "background": "transparent"}, "background"),
    ({"prompt": "p", "model": "dall-e-2", "output_format": "webp"}, "output_format"),
    ({"prompt": "p", "model": "dall-e-2", "stream": True}, "stream"),
    ({"prompt": "p", "model": "gpt-image-1", "output_compression": 50}, "output_compression"),
    (
        {
            "prompt": "p",
            "model": "gpt-image-1",
            "background": "transparent",
            "output_format": "jpeg",
        },
        "background",
    ),
]


@pytest.mark.parametrize(("fields", "param"), GENERATION_REJECTS)
def test_generation_rules(
    fields: dict[str, Any], param: str, api: ImagesApi, httpserver: HTTPServer
) -> None:
    rejects(httpserver, lambda: api.create_image(CreateImageRequest(**fields)), param)


GENERATION_ACCEPTS = [
    {"prompt": "x" * 1000},
    {"prompt": "x" * 4000, "model": "dall-e-3", "quality": "hd", "style": "natural"},
    {
        "prompt": "p",
        "model": "gpt-image-1",
        "quality": "high",
        "background": "transparent",
        "output_format": "webp",
        "output_compression": 80,
        "moderation": "low",
    },
    {"prompt": "p", "model": "gpt-image-2", "size": "1536x864"},
    {"prompt": "p", "model": "gpt-image-2", "size": "3840x2160"},
    {
        "prompt": "x" * 50000,
        "model": "a-model-from-next-year",
        "size": "9999x9999",
        "quality": "hd",
    },
    {"prompt": "p", "quality": "low", "output_format": "jpeg"},
]


@pytest.mark.parametrize("fields", GENERATION_ACCEPTS)
def test_generations_the_rules_allow_are_sent(
    fields: dict[str, Any], api: ImagesApi, httpserver: HTTPServer
) -> None:
    api.create_image(CreateImageRequest(**fields))
    assert len(httpserver.log) == 1


def test_client_side_validation_off_sends_anyway(
    httpserver: HTTPServer, client_for: Callable[..., openapiopenai.ApiClient]
) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json(OK)
    api = ImagesApi(client_for(httpserver.url_for("/v1"), retries=0, client_side_validation=False))
    api.create_image(CreateImageRequest(prompt="p", model="dall-e-3", n=5))
    assert len(httpserver.log) == 1


def test_wrong_request_type_is_a_type_error(api: ImagesApi, httpserver: HTTPServer) -> None:
    rejects(httpserver, lambda: api.create_image("a prompt"), "create_image_request", ApiTypeError)


def test_dict_requests_name_the_bad_field(api: ImagesApi, httpserver: HTTPServer) -> None:
    rejects(httpserver, lambda: api.create_image({"prompt": "p", "n": 11}), "n")
    rejects(httpserver, lambda: api.create_image({"prompt": "p", "n": "2"}), "n", ApiTypeError)
    rejects(httpserver, lambda: api.create_image({"n": 1}), "prompt")


# -- multipart scalar fields ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "param", "cls"),
    [
        ({"n": 0}, "n", ApiValueError),
        ({"n": 11}, "n", ApiValueError),
        ({"n": "3"}, "n", ApiTypeError),
        ({"n": 2.0}, "n", ApiTypeError),
        ({"response_format": "png"}, "response_format", ApiValueError),
        ({"size": "2048x2048"}, "size", ApiValueError),
        ({"user": 5}, "user", ApiTypeError),
        ({"model": 3}, "model", ApiTypeError),
    ],
)
def test_variation_fields(
    kwargs: dict[str, Any],
    param: str,
    cls: type,
    api: ImagesApi,
    httpserver: HTTPServer,
    png: bytes,
) -> None:
    rejects(httpserver, lambda: api.create_image_variation(png, **kwargs), param, cls)


def test_edit_prompt_must_be_text(api: ImagesApi, httpserver: HTTPServer, png: bytes) -> None:
    rejects(httpserver, lambda: api.create_image_edit(png, 42), "prompt", ApiTypeError)  # type: ignore[arg-type]


def test_image_of_the_wrong_type(api: ImagesApi, httpserver: HTTPServer) -> None:
    rejects(httpserver, lambda: api.create_image_variation(12345), "image", ApiTypeError)  # type: ignore[arg-type]
    rejects(httpserver, lambda: api.create_image_variation(None), "image", ApiTypeError)  # type: ignore[arg-type]


# -- PNG rules -----------------------------------------------------------------------------


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def padded_png(total: int) -> bytes:
    """A valid square PNG padded with an ancillary chunk to exactly ``total`` bytes."""
    base = make_png(8, 8)
    iend = base[-12:]
    pad = total - len(base) - 12
    return base[:-12] + chunk(b"tEXt", b"c\x00" + b"x" * (pad - 2)) + iend


FOUR_MB = 4 * 1024 * 1024

PNG_CORPUS = {
    "truncated": (lambda png: png[: len(png) // 2], "image"),
    "wrong signature": (lambda png: b"\x89PNX" + png[4:], "image"),
    "jpeg bytes": (lambda png: b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image"),
    "not square": (lambda png: make_png(64, 32), "image"),
    "4 MB + 1 byte": (lambda png: padded_png(FOUR_MB + 1), "image"),
    "exactly 4 MB": (lambda png: padded_png(FOUR_MB), "image"),
    "bad IHDR crc": (lambda png: png[:29] + bytes([png[29] ^ 0xFF]) + png[30:], "image"),
    "no IEND": (lambda png: png[:-12], "image"),
    "empty": (lambda png: b"", "image"),
}


@pytest.mark.parametrize("case", sorted(PNG_CORPUS))
def test_malformed_pngs_are_rejected_for_variations(
    case: str, api: ImagesApi, httpserver: HTTPServer, png: bytes
) -> None:
    make, param = PNG_CORPUS[case]
    rejects(httpserver, lambda: api.create_image_variation(make(png)), param)


@pytest.mark.parametrize("case", sorted(PNG_CORPUS))
def test_malformed_pngs_are_rejected_for_dalle2_edits(
    case: str, api: ImagesApi, httpserver: HTTPServer, png: bytes
) -> None:
    make, param = PNG_CORPUS[case]
    rejects(httpserver, lambda: api.create_image_edit(make(png), "p", model="dall-e-2"), param)


def test_a_png_just_under_4_mb_is_sent(api: ImagesApi, httpserver: HTTPServer) -> None:
    api.create_image_variation(padded_png(FOUR_MB - 1))
    assert len(httpserver.log) == 1


def test_mask_must_match_the_image_size(api: ImagesApi, httpserver: HTTPServer, png: bytes) -> None:
    err = rejects(
        httpserver,
        lambda: api.create_image_edit(png, "p", mask=make_png(32, 32), model="dall-e-2"),
        "mask",
    )
    assert "64x64" in str(err) and "32x32" in str(err)


def test_mask_must_be_a_png(api: ImagesApi, httpserver: HTTPServer, png: bytes) -> None:
    rejects(
        httpserver,
        lambda: api.create_image_edit(png, "p", mask=b"not a png", model="dall-e-2"),
        "mask",
    )


@pytest.mark.parametrize("model", ["dall-e-2", "gpt-image-1"])
def test_mask_must_have_an_alpha_channel(
    api: ImagesApi, httpserver: HTTPServer, png: bytes, model: str
) -> None:
    # The API refuses it (mask_without_transparency): a common mistake, caught for free.
    opaque = make_png(64, 64, alpha=False)
    err = rejects(
        httpserver, lambda: api.create_image_edit(png, "p", mask=opaque, model=model), "mask"
    )
    assert "must have an alpha channel" in str(err)


def test_image_without_alpha_needs_a_mask(api: ImagesApi, httpserver: HTTPServer) -> None:
    opaque = make_png(32, 32, alpha=False)
    err = rejects(httpserver, lambda: api.create_image_edit(opaque, "p", model="dall-e-2"), "image")
    assert "transparency" in str(err)
    api.create_image_edit(opaque, "p", mask=make_png(32, 32), model="dall-e-2")
    assert len(httpserver.log) == 1


def test_trns_counts_as_transparency(api: ImagesApi, httpserver: HTTPServer) -> None:
    rgb = make_png(16, 16, alpha=False)
    idat = rgb.index(b"IDAT") - 4
    with_trns = rgb[:idat] + chunk(b"tRNS", b"\x00\x00\x00\x00\x00\x00") + rgb[idat:]
    api.create_image_edit(with_trns, "p", model="dall-e-2")
    assert len(httpserver.log) == 1


def test_file_objects_are_checked_and_rewound(
    api: ImagesApi, httpserver: HTTPServer, png: bytes
) -> None:
    stream = io.BytesIO(png)
    api.create_image_variation(stream)
    _, files = httpserver.log[-1][0].form, httpserver.log[-1][0].files
    assert files["image"].read() == png


# -- GPT image models --------------------------------------------------------------------


def test_gpt_edits_take_up_to_16_images_of_png_jpeg_or_webp(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 100
    webp = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 100
    wide = make_png(64, 32)
    api.create_image_edit([wide, jpeg, webp], "combine", model="gpt-image-1")
    req = httpserver.log[-1][0]
    names = [(f.filename, f.content_type) for f in req.files.getlist("image[]")]
    assert names == [
        ("image-0.png", "image/png"),
        ("image-1.jpg", "image/jpeg"),
        ("image-2.webp", "image/webp"),
    ]


def test_too_many_images(api: ImagesApi, httpserver: HTTPServer, png: bytes) -> None:
    rejects(
        httpserver, lambda: api.create_image_edit([png] * 17, "p", model="gpt-image-1"), "image"
    )
    rejects(httpserver, lambda: api.create_image_edit([png, png], "p", model="dall-e-2"), "image")
    rejects(httpserver, lambda: api.create_image_edit([], "p"), "image")


def test_gpt_edit_rejects_gif(api: ImagesApi, httpserver: HTTPServer) -> None:
    gif = b"GIF89a" + b"\x00" * 50
    rejects(httpserver, lambda: api.create_image_edit(gif, "p", model="gpt-image-1"), "image")


def test_input_fidelity_is_not_for_mini(api: ImagesApi, httpserver: HTTPServer, png: bytes) -> None:
    rejects(
        httpserver,
        lambda: api.create_image_edit(png, "p", model="gpt-image-1-mini", input_fidelity="high"),
        "input_fidelity",
    )


def test_unknown_models_get_only_the_specs_rules(api: ImagesApi, httpserver: HTTPServer) -> None:
    wide = make_png(64, 32, alpha=False)
    api.create_image_edit(wide, "x" * 40000, model="gpt-image-9", size="4096x4096")
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("prompt", ["", "   ", "\n"])
def test_an_empty_prompt_is_refused(
    api: ImagesApi, httpserver: HTTPServer, png: bytes, prompt: str
) -> None:
    rejects(httpserver, lambda: api.create_image({"prompt": prompt}), "prompt")
    rejects(httpserver, lambda: api.create_image_edit(png, prompt), "prompt")
