"""openapiopenai.testing.ImagesServer, spoken to with raw HTTP clients (http.client, urllib3)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional, Union
from urllib.parse import urlsplit

import pytest
import urllib3

from openapiopenai._png import decode_png, encode_png, read_png_info
from openapiopenai.testing import Fault, ImagesServer, mask_api_key
from openapiopenai.testing._images import synthesize
from openapiopenai.testing._multipart import MultipartError, parse_content_type, parse_multipart

REPO = Path(__file__).resolve().parent.parent
KEY = "sk-test-server-0123456789"
FileField = tuple[str, bytes, str]


class Clock:
    """A settable clock for the server."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock) -> Iterator[ImagesServer]:
    with ImagesServer(clock=clock) as running:
        yield running


@pytest.fixture(scope="module")
def pool() -> Iterator[urllib3.PoolManager]:
    with urllib3.PoolManager(retries=False, timeout=10.0) as manager:
        yield manager


class Reply:
    def __init__(self, response: urllib3.BaseHTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.data = response.data

    @property
    def json(self) -> Any:
        return json.loads(self.data)

    @property
    def error(self) -> Mapping[str, Any]:
        body = self.json
        assert set(body) == {"error"}
        assert set(body["error"]) == {"message", "type", "param", "code"}
        assert body["error"]["type"] == "invalid_request_error"
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]
        return body["error"]  # type: ignore[no-any-return]


def post_json(
    pool: urllib3.PoolManager, server: ImagesServer, body: Any, *, key: Optional[str] = KEY
) -> Reply:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return Reply(
        pool.request(
            "POST", server.url + "/images/generations", body=json.dumps(body), headers=headers
        )
    )


Fields = Union[Mapping[str, Union[str, FileField]], Sequence[tuple[str, Union[str, FileField]]]]


def post_form(
    pool: urllib3.PoolManager,
    server: ImagesServer,
    operation: str,
    fields: Fields,
    *,
    key: str = KEY,
) -> Reply:
    """POST a form; a sequence of pairs may repeat a name (``image[]``)."""
    return Reply(
        pool.request(
            "POST",
            f"{server.url}/images/{operation}",
            fields=dict(fields) if isinstance(fields, Mapping) else list(fields),
            headers={"Authorization": f"Bearer {key}"},
        )
    )


def rgba_png(
    width: int, height: int, pixel: bytes = b"\x10\x20\x30\xff", hole: bool = False
) -> bytes:
    """A solid RGBA image; with ``hole`` its left half is fully transparent."""
    row = pixel * width
    if hole:
        row = (pixel[:3] + b"\x00") * (width // 2) + pixel * (width - width // 2)
    return encode_png(width, height, row * height)


def rgb_png(width: int, height: int) -> bytes:
    return encode_png(width, height, b"\x80\x40\x20" * width * height, color_type=2)


def file(data: bytes, name: str = "image.png") -> FileField:
    return (name, data, "image/png")


def jpeg(width: int, height: int) -> bytes:
    """The header of a baseline JPEG (SOI, APP0, SOF0, EOI): enough for the server."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(9)
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def webp(width: int, height: int, chunk: str = "VP8X") -> bytes:
    """The header of a WebP file with a ``VP8X``, ``VP8L`` or ``VP8 `` first chunk."""
    if chunk == "VP8X":
        body = bytes(4) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    elif chunk == "VP8L":
        bits = (width - 1) | (height - 1) << 14
        body = b"\x2f" + bits.to_bytes(4, "little")
    else:
        body = b"\x00\x00\x00\x9d\x01\x2a" + struct.pack("<HH", width, height)
    data = chunk.encode().ljust(4) + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(data)) + b"WEBP" + data


def sse_events(data: bytes) -> list[tuple[str, dict[str, Any]]]:
    """``(event, data)`` of each event of a whole ``text/event-stream`` body."""
    events = []
    for block in data.decode().split("\n\n"):
        if not block:
            continue
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        assert set(lines) == {"event", "data"}, block[:80]
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def image_of(item: Mapping[str, str], pool: urllib3.PoolManager) -> tuple[int, int, bytes]:
    if "b64_json" in item:
        return decode_png(base64.b64decode(item["b64_json"]))
    response = pool.request("GET", item["url"])
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/png"
    return decode_png(response.data)


# --- generations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "size"),
    [
        ("dall-e-2", "256x256"),
        ("dall-e-2", "512x512"),
        ("dall-e-2", "1024x1024"),
        ("dall-e-3", "1024x1024"),
        ("dall-e-3", "1792x1024"),
        ("dall-e-3", "1024x1792"),
    ],
)
def test_generation_returns_png_of_requested_size(
    pool: urllib3.PoolManager, server: ImagesServer, clock: Clock, model: str, size: str
) -> None:
    reply = post_json(
        pool,
        server,
        {"prompt": "a red fox", "model": model, "size": size, "response_format": "b64_json"},
    )
    assert reply.status == 200
    body = reply.json
    assert body["created"] == int(clock.now)
    [item] = body["data"]
    width, height, _ = image_of(item, pool)
    assert f"{width}x{height}" == size
    assert ("revised_prompt" in item) is (model == "dall-e-3")


def test_generation_defaults_to_one_1024_url_image(
    pool: urllib3.PoolManager, server: ImagesServer
) -> None:
    reply = post_json(pool, server, {"prompt": "a lighthouse"})
    [item] = reply.json["data"]
    assert set(item) == {"url"}
    assert image_of(item, pool)[:2] == (1024, 1024)


def test_images_are_deterministic_per_prompt_size_and_index(
    pool: urllib3.PoolManager, server: ImagesServer
) -> None:
    request = {"prompt": "tea", "n": 3, "size": "256x256", "response_format": "b64_json"}
    first = [item["b64_json"] for item in post_json(pool, server, request).json["data"]]
    again = [item["b64_json"] for item in post_json(pool, server, request).json["data"]]
    other = post_json(pool, server, {**request, "prompt": "coffee"}).json["data"][0]["b64_json"]
    assert first == again
    assert len(set(first)) == 3
    assert other != first[0]
    assert decode_png(base64.b64decode(first[1]))[2] == synthesize("tea", 256, 256, 1, alpha=True)


def test_generating_a_large_image_is_fast() -> None:
    from openapiopenai.testing._images import generate_png

    started = time.perf_counter()
    png = generate_png("speed", 1792, 1024, 0)
    assert time.perf_counter() - started < 0.5  # typically ~20 ms
    assert read_png_info(png).width == 1792


def test_response_headers(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    reply = post_json(pool, server, {"prompt": "x", "size": "256x256"})
    assert re.fullmatch(r"req_[0-9a-f]{32}", reply.headers["x-request-id"])
    assert reply.headers["openai-processing-ms"].isdigit()
    assert reply.headers["Content-Type"] == "application/json"
    assert int(reply.headers["Content-Length"]) == len(reply.data)
    assert server.requests[-1].request_id == reply.headers["x-request-id"]


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "prompt"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": 42}, "prompt"),
        ({"prompt": "p" * 1001}, "prompt"),
        ({"prompt": "p" * 4001, "model": "dall-e-3"}, "prompt"),
        ({"prompt": "x", "n": 0}, "n"),
        ({"prompt": "x", "n": 11}, "n"),
        ({"prompt": "x", "n": "2"}, "n"),
        ({"prompt": "x", "n": True}, "n"),
        ({"prompt": "x", "n": 1.5}, "n"),
        ({"prompt": "x", "model": "dall-e-3", "n": 2}, "n"),
        ({"prompt": "x", "size": "1792x1024"}, "size"),
        ({"prompt": "x", "model": "dall-e-3", "size": "256x256"}, "size"),
        ({"prompt": "x", "size": "huge"}, "size"),
        ({"prompt": "x", "quality": "hd"}, "quality"),
        ({"prompt": "x", "model": "dall-e-3", "quality": "ultra"}, "quality"),
        ({"prompt": "x", "style": "vivid"}, "style"),
        ({"prompt": "x", "model": "dall-e-3", "style": "bold"}, "style"),
        ({"prompt": "x", "response_format": "png"}, "response_format"),
        ({"prompt": "x", "model": "dall-e-4"}, "model"),
        ({"prompt": "x", "model": 3}, "model"),
        ({"prompt": "x", "user": 7}, "user"),
        ({"prompt": "x", "model": "dall-e-2", "background": "transparent"}, "background"),
    ],
)
def test_generation_validation(
    pool: urllib3.PoolManager, server: ImagesServer, body: dict[str, Any], param: str
) -> None:
    reply = post_json(pool, server, body)
    assert reply.status == 400
    assert reply.error["param"] == param
    assert server.requests[-1].error == reply.error


def test_valid_edge_values_are_accepted(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    accepted = [
        {"prompt": "p" * 1000, "size": "256x256", "n": 10, "response_format": "b64_json"},
        {"prompt": "x", "size": "256x256", "quality": "standard", "style": None, "user": "u-1"},
        {"prompt": "x", "model": None, "size": None, "n": None, "response_format": None},
        {"prompt": "p" * 4000, "model": "dall-e-3", "quality": "hd", "style": "natural"},
        # The latest spec: quality is nullable and "auto" by default, for every model.
        {"prompt": "x", "model": "dall-e-3", "quality": None},
        {"prompt": "x", "size": "256x256", "quality": "auto"},
    ]
    for body in accepted:
        reply = post_json(pool, server, body)
        assert reply.status == 200, reply.data
    assert len(post_json(pool, server, accepted[0]).json["data"]) == 10


def test_body_problems(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    url = server.url + "/images/generations"
    auth = {"Authorization": f"Bearer {KEY}"}
    broken = Reply(
        pool.request(
            "POST", url, body=b"{not json", headers={**auth, "Content-Type": "application/json"}
        )
    )
    assert broken.status == 400 and "could not parse the JSON body" in broken.error["message"]
    array = Reply(
        pool.request("POST", url, body=b"[]", headers={**auth, "Content-Type": "application/json"})
    )
    assert array.status == 400 and array.error["code"] == "invalid_type"
    form = Reply(pool.request("POST", url, fields={"prompt": "x"}, headers=auth))
    assert form.status == 400 and "expected application/json" in form.error["message"]
    as_json = Reply(
        pool.request(
            "POST",
            server.url + "/images/edits",
            body=b"{}",
            headers={**auth, "Content-Type": "application/json"},
        )
    )
    # JSON is the edit form that references its images: it needs ``images``.
    assert as_json.status == 400 and as_json.error["param"] == "images"
    as_text = Reply(
        pool.request(
            "POST",
            server.url + "/images/edits",
            body=b"x",
            headers={**auth, "Content-Type": "text/plain"},
        )
    )
    assert as_text.status == 400 and "expected multipart/form-data" in as_text.error["message"]


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"prompt": "x"}, "image"),
        ({"image": file(rgba_png(8, 8, hole=True))}, "prompt"),
        ({"prompt": "x", "image": file(b"GIF89a not a png")}, "image"),
        ({"prompt": "x", "image": file(rgba_png(8, 8, hole=True)[:-12])}, "image"),
        ({"prompt": "x", "image": file(rgba_png(16, 8, hole=True)), "model": "dall-e-2"}, "image"),
        ({"prompt": "x", "image": file(rgb_png(8, 8)), "model": "dall-e-2"}, "image"),
        ({"prompt": "x", "image": "not a file"}, "image"),
        (
            {"prompt": "x", "image": file(rgb_png(8, 8)), "mask": file(rgba_png(4, 4, hole=True))},
            "mask",
        ),
        ({"prompt": "x", "image": file(rgb_png(8, 8)), "mask": file(b"junk")}, "mask"),
        ({"prompt": "x", "image": file(rgb_png(8, 8)), "mask": file(rgb_png(8, 8))}, "mask"),
        (
            {"prompt": "p" * 1001, "image": file(rgba_png(8, 8, hole=True)), "model": "dall-e-2"},
            "prompt",
        ),
        ({"prompt": "x", "image": file(rgba_png(8, 8, hole=True)), "model": "dall-e-3"}, "model"),
        ({"prompt": "x", "image": file(rgba_png(8, 8, hole=True)), "size": "1792x1024"}, "size"),
        ({"prompt": "x", "image": file(rgba_png(8, 8, hole=True)), "n": "many"}, "n"),
        ({"prompt": "x", "image": file(rgba_png(8, 8, hole=True)), "n": "11"}, "n"),
        (
            {"prompt": "x", "image": file(rgba_png(8, 8, hole=True)), "response_format": "gif"},
            "response_format",
        ),
        ({"prompt": "x", "image": file(rgba_png(8, 8, hole=True)), "quality": "hd"}, "quality"),
    ],
)
def test_edit_validation(
    pool: urllib3.PoolManager, server: ImagesServer, fields: dict[str, Any], param: str
) -> None:
    reply = post_form(pool, server, "edits", fields)
    assert reply.status == 400, reply.data
    assert reply.error["param"] == param


def test_uploads_must_be_less_than_4mb(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    png = rgb_png(8, 8)
    limit = 4 * 1024 * 1024
    just_under = png + bytes(limit - 1 - len(png))  # trailing bytes after IEND are ignored
    assert post_form(pool, server, "variations", {"image": file(just_under)}).status == 200
    reply = post_form(pool, server, "variations", {"image": file(just_under + b"\x00")})
    assert reply.status == 400
    assert reply.error["param"] == "image" and reply.error["code"] == "image_too_large"


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"n": "1"}, "image"),
        ({"image": file(rgb_png(8, 4))}, "image"),
        ({"image": file(rgb_png(8, 8)), "model": "dall-e-3"}, "model"),
        ({"image": file(rgb_png(8, 8)), "prompt": "x"}, "prompt"),
        ({"image": file(rgb_png(8, 8)), "mask": file(rgb_png(8, 8))}, "mask"),
        ({"image": file(rgb_png(8, 8)), "size": "1024x1792"}, "size"),
        ({"image": file(rgb_png(8, 8)), "n": "0"}, "n"),
    ],
)
def test_variation_validation(
    pool: urllib3.PoolManager, server: ImagesServer, fields: dict[str, Any], param: str
) -> None:
    reply = post_form(pool, server, "variations", fields)
    assert reply.status == 400, reply.data
    assert reply.error["param"] == param


def test_repeated_form_field_is_rejected(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="n"\r\n\r\n1\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="n"\r\n\r\n2\r\n--{boundary}--\r\n'
    ).encode()
    reply = Reply(
        pool.request(
            "POST",
            server.url + "/images/variations",
            body=body,
            headers={
                "Authorization": f"Bearer {KEY}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
    )
    assert reply.status == 400 and reply.error["param"] == "n"


def test_multipart_parser_handles_the_corners() -> None:
    body = (
        b"preamble to ignore\r\n--XyZ \r\n"
        b'Content-Disposition: form-data; name="say \\"hi\\""\r\n\r\n'
        b"line one --XyZ inline\r\n-- dashes\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name=image; filename="a.png"; '
        b"filename*=UTF-8''%C3%A9t%C3%A9.png\r\nContent-Type: image/png\r\n\r\n"
        b"\x89PNG\r\n\r\n--\r\n"
        b"--XyZ--\r\nepilogue"
    )
    kind, params = parse_content_type('multipart/form-data; charset=utf-8; boundary="XyZ"')
    assert (kind, params["boundary"]) == ("multipart/form-data", "XyZ")
    text, image = parse_multipart(body, params["boundary"])
    assert (text.name, text.data, text.filename) == (
        'say "hi"',
        b"line one --XyZ inline\r\n-- dashes",
        None,
    )
    assert (image.name, image.filename, image.content_type) == (
        "image",
        "\u00e9t\u00e9.png",
        "image/png",
    )
    assert image.data == b"\x89PNG\r\n\r\n--"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"no delimiter at all", "does not contain the boundary"),
        (b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue', "truncated"),
        (b"--B\r\nContent-Type: text/plain\r\n\r\nv\r\n--B--", "no Content-Disposition"),
        (b"--B\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--B--", "'attachment'"),
        (b"--B\r\nContent-Disposition: form-data\r\n\r\nv\r\n--B--", "no name"),
        (b"--Bjunk\r\n\r\n", "malformed multipart delimiter"),
    ],
)
def test_multipart_parser_errors(body: bytes, message: str) -> None:
    with pytest.raises(MultipartError, match=message):
        parse_multipart(body, "B")


def test_form_without_boundary_is_400(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    reply = Reply(
        pool.request(
            "POST",
            server.url + "/images/variations",
            body=b"--x--",
            headers={"Authorization": f"Bearer {KEY}", "Content-Type": "multipart/form-data"},
        )
    )
    assert reply.status == 400 and "boundary" in reply.error["message"]


# --- edits and variations ----------------------------------------------------------------


def test_masked_edit_changes_only_masked_pixels(
    pool: urllib3.PoolManager, server: ImagesServer
) -> None:
    size = 256
    pattern = bytes((x * 3 + y) % 256 for y in range(size) for x in range(size))
    source = bytearray(size * size * 4)
    source[0::4], source[1::4], source[2::4] = pattern, pattern[::-1], bytes(size * size)
    source[3::4] = b"\xff" * (size * size)
    mask = bytearray(b"\x00\x00\x00\xff" * size * size)
    for y in range(40, 100):  # a transparent rectangle marks the area to edit
        mask[(y * size + 30) * 4 + 3 : (y * size + 200) * 4 : 4] = bytes(170)
    reply = post_form(
        pool,
        server,
        "edits",
        {
            "prompt": "add a hat",
            "image": file(encode_png(size, size, bytes(source))),
            "mask": file(encode_png(size, size, bytes(mask)), "mask.png"),
            "model": "dall-e-2",
            "size": "256x256",
            "response_format": "b64_json",
        },
    )
    assert reply.status == 200, reply.data
    width, height, out = image_of(reply.json["data"][0], pool)
    assert (width, height) == (size, size)
    generated = synthesize("add a hat", size, size, 0, alpha=True)
    for pixel in range(size * size):
        at = slice(pixel * 4, pixel * 4 + 4)
        expected = generated[at] if mask[pixel * 4 + 3] == 0 else source[at]
        assert out[at] == expected, pixel


def test_alpha_edit_scales_and_changes_only_transparent_pixels(
    pool: urllib3.PoolManager, server: ImagesServer
) -> None:
    image = rgba_png(64, 64, pixel=b"\x01\x02\x03\xff", hole=True)  # left half transparent
    reply = post_form(
        pool,
        server,
        "edits",
        {"prompt": "sky", "image": file(image), "model": "dall-e-2", "response_format": "b64_json"},
    )
    width, height, out = image_of(reply.json["data"][0], pool)
    assert (width, height) == (1024, 1024)  # the default size: the input was scaled up
    generated = synthesize("sky", 1024, 1024, 0, alpha=True)
    for y in (0, 511, 1023):
        row = slice(y * 4096, (y + 1) * 4096)
        assert out[row][: 512 * 4] == generated[row][: 512 * 4]
        assert out[row][512 * 4 :] == b"\x01\x02\x03\xff" * 512


def test_variation_is_derived_from_the_input(
    pool: urllib3.PoolManager, server: ImagesServer
) -> None:
    image = rgba_png(32, 32, pixel=b"\x10\x20\x30\xff")
    fields: dict[str, Union[str, FileField]] = {
        "image": file(image),
        "n": "2",
        "size": "512x512",
        "response_format": "b64_json",
    }
    data = post_form(pool, server, "variations", fields).json["data"]
    first, second = (image_of(item, pool) for item in data)
    assert first[:2] == second[:2] == (512, 512)
    assert first[2] != second[2]
    assert len(set(first[2][i : i + 4] for i in range(0, len(first[2]), 4))) == 1  # still solid
    assert first[2][:4] != b"\x10\x20\x30\xff" and first[2][3] == 255
    again = post_form(pool, server, "variations", fields).json["data"]
    assert [item["b64_json"] for item in again] == [item["b64_json"] for item in data]


# --- the GPT image models (latest contract) ------------------------------------------------

GPT_FIELDS = {"created", "data", "background", "output_format", "quality", "size", "usage"}


@pytest.mark.parametrize(
    ("model", "size", "expected"),
    [
        ("gpt-image-1", "1024x1024", "1024x1024"),
        ("gpt-image-1", "1536x1024", "1536x1024"),
        ("gpt-image-1-mini", "1024x1536", "1024x1536"),
        ("gpt-image-1.5", "auto", "1024x1024"),
        ("gpt-image-1.5", None, "1024x1024"),
        ("gpt-image-2", "1536x864", "1536x864"),
        ("gpt-image-2-2026-04-21", "512x1536", "512x1536"),
    ],
)
def test_gpt_generation_is_base64_with_output_facts_and_usage(
    pool: urllib3.PoolManager,
    server: ImagesServer,
    clock: Clock,
    model: str,
    size: Optional[str],
    expected: str,
) -> None:
    reply = post_json(pool, server, {"prompt": "a red fox", "model": model, "size": size})
    assert reply.status == 200, reply.data
    body = reply.json
    assert set(body) == GPT_FIELDS
    assert (body["created"], body["size"], body["output_format"]) == (
        int(clock.now),
        expected,
        "png",
    )
    assert (body["background"], body["quality"]) == ("opaque", "medium")
    [item] = body["data"]
    assert set(item) == {"b64_json"}
    png = base64.b64decode(item["b64_json"])
    width, height, pixels = decode_png(png)
    assert f"{width}x{height}" == expected
    assert read_png_info(png).color_type == 2  # opaque: RGB
    assert pixels == synthesize("a red fox", width, height, 0, alpha=True)


def test_usage_is_made_up_deterministically(
    pool: urllib3.PoolManager, server: ImagesServer
) -> None:
    body = {"prompt": "abcdefghi", "model": "gpt-image-1", "quality": "high", "n": 2}
    usage = post_json(pool, server, body).json["usage"]
    assert usage == {
        "input_tokens": 3,  # ceil(9 / 4) text tokens
        "input_tokens_details": {"text_tokens": 3, "image_tokens": 0},
        "output_tokens": 2 * 4160,  # high quality 1024x1024, twice
        "output_tokens_details": {"image_tokens": 2 * 4160, "text_tokens": 0},
        "total_tokens": 3 + 2 * 4160,
    }
    assert post_json(pool, server, body).json["usage"] == usage
    low = post_json(pool, server, {**body, "quality": "low", "size": "1536x1024", "n": 1})
    assert low.json["usage"]["output_tokens"] == 408  # 272 scaled by 1.5
    edit = post_form(
        pool,
        server,
        "edits",
        [
            ("prompt", "abcd"),
            ("model", "gpt-image-1"),
            ("image[]", file(rgb_png(64, 64))),
            ("image[]", file(rgb_png(600, 64))),
        ],
    )
    details = edit.json["usage"]["input_tokens_details"]
    assert details == {"text_tokens": 1, "image_tokens": (65 + 129) + (65 + 129 * 2)}


def test_transparent_background(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    reply = post_json(
        pool, server, {"prompt": "glass", "model": "gpt-image-1", "background": "transparent"}
    )
    assert reply.json["background"] == "transparent"
    png = base64.b64decode(reply.json["data"][0]["b64_json"])
    assert read_png_info(png).color_type == 6
    width, _, pixels = decode_png(png)
    assert pixels[3] == 0  # the corner is background
    centre = (512 * width + 512) * 4
    assert pixels[centre + 3] == 255
    webp_too = {"prompt": "x", "model": "gpt-image-1", "background": "transparent"}
    assert post_json(pool, server, {**webp_too, "output_format": "png"}).status == 200


@pytest.mark.parametrize(
    ("body", "gpt"),
    [
        ({"prompt": "x", "size": "256x256"}, False),
        ({"prompt": "x", "size": "256x256", "quality": "standard"}, False),
        ({"prompt": "x", "size": "256x256", "quality": "auto"}, False),
        ({"prompt": "x", "size": "256x256", "output_format": None, "stream": None}, False),
        ({"prompt": "x", "background": "auto"}, True),
        ({"prompt": "x", "moderation": "low"}, True),
        ({"prompt": "x", "output_format": "png"}, True),
        ({"prompt": "x", "stream": False}, True),
        ({"prompt": "x", "partial_images": 0}, True),
        ({"prompt": "x", "quality": "high"}, True),
        ({"prompt": "x", "size": "1536x1024", "quality": "low"}, True),
    ],
)
def test_generations_default_to_dalle2_unless_a_gpt_parameter_is_used(
    pool: urllib3.PoolManager, server: ImagesServer, body: dict[str, Any], gpt: bool
) -> None:
    reply = post_json(pool, server, body)
    assert reply.status == 200, reply.data
    assert ("usage" in reply.json) is gpt  # a GPT image model answered (gpt-image-1.5)
    assert ("b64_json" in reply.json["data"][0]) is gpt


@pytest.mark.parametrize(
    ("fields", "gpt"),
    [
        ([("prompt", "x"), ("image", file(rgba_png(8, 8, hole=True))), ("size", "256x256")], False),
        ([("prompt", "x"), ("image[]", file(rgba_png(8, 8, hole=True))), ("n", "1")], False),
        ([("prompt", "x"), ("image", file(rgb_png(8, 8))), ("input_fidelity", "high")], True),
        ([("prompt", "x"), ("image", file(rgb_png(8, 8))), ("quality", "medium")], True),
        ([("prompt", "x"), ("image[]", file(rgb_png(8, 8))), ("image[]", file(jpeg(8, 8)))], True),
    ],
)
def test_api_2_0_0_edits_default_to_dalle2_unless_a_gpt_parameter_is_used(
    pool: urllib3.PoolManager, clock: Clock, fields: Fields, gpt: bool
) -> None:
    with ImagesServer(clock=clock, edit_default_model="dall-e-2") as old:
        reply = post_form(pool, old, "edits", fields)
    assert reply.status == 200, reply.data
    assert ("usage" in reply.json) is gpt


def test_edits_default_to_gpt_image_1_5(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    fields: Fields = [("prompt", "x"), ("image", file(rgba_png(8, 8, hole=True)))]
    reply = post_form(pool, server, "edits", fields)
    assert reply.status == 200, reply.data
    assert "usage" in reply.json and reply.json["size"] == "1024x1024"


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"prompt": "p" * 32001, "model": "gpt-image-1"}, "prompt", "string_above_max_length"),
        ({"model": "gpt-image-1"}, "prompt", "missing_required_parameter"),
        ({"prompt": "x", "model": "gpt-image-1", "n": 11}, "n", "integer_above_max_value"),
        (
            {"prompt": "x", "model": "gpt-image-1", "response_format": "b64_json"},
            "response_format",
            "unsupported_parameter",
        ),
        ({"prompt": "x", "model": "gpt-image-1", "size": "1792x1024"}, "size", "invalid_value"),
        ({"prompt": "x", "model": "gpt-image-1.5", "size": "1536x864"}, "size", "invalid_value"),
        ({"prompt": "x", "model": "gpt-image-1", "quality": "hd"}, "quality", "invalid_value"),
        (
            {"prompt": "x", "model": "gpt-image-1", "quality": "standard"},
            "quality",
            "invalid_value",
        ),
        (
            {"prompt": "x", "model": "gpt-image-1", "style": "vivid"},
            "style",
            "unsupported_parameter",
        ),
        ({"prompt": "x", "background": "none"}, "background", "invalid_value"),
        (
            {"prompt": "x", "background": "transparent", "output_format": "jpeg"},
            "background",
            "invalid_value",
        ),
        ({"prompt": "x", "moderation": "high"}, "moderation", "invalid_value"),
        ({"prompt": "x", "output_format": "gif"}, "output_format", "invalid_value"),
        ({"prompt": "x", "output_format": "jpeg"}, "output_format", "unsupported_value"),
        ({"prompt": "x", "output_format": "webp"}, "output_format", "unsupported_value"),
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
            {"prompt": "x", "output_format": "jpeg", "output_compression": 101},
            "output_compression",
            "integer_above_max_value",
        ),
        (
            {"prompt": "x", "output_format": "webp", "output_compression": -1},
            "output_compression",
            "integer_below_min_value",
        ),
        (
            {"prompt": "x", "output_format": "webp", "output_compression": "50"},
            "output_compression",
            "invalid_type",
        ),
        ({"prompt": "x", "stream": "true"}, "stream", "invalid_type"),
        ({"prompt": "x", "partial_images": 4}, "partial_images", "integer_above_max_value"),
        ({"prompt": "x", "partial_images": -1}, "partial_images", "integer_below_min_value"),
        ({"prompt": "x", "input_fidelity": "high"}, "input_fidelity", "unknown_parameter"),
        ({"prompt": "x", "model": "chatgpt-image-latest"}, "model", "invalid_value"),
        ({"prompt": "x", "model": "gpt-image-3"}, "model", "invalid_value"),
    ],
)
def test_gpt_generation_validation(
    pool: urllib3.PoolManager,
    server: ImagesServer,
    body: dict[str, Any],
    param: str,
    code: str,
) -> None:
    reply = post_json(pool, server, body)
    assert reply.status == 400, reply.data
    assert (reply.error["param"], reply.error["code"]) == (param, code)


@pytest.mark.parametrize("model", ["dall-e-2", "dall-e-3"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("background", "opaque"),
        ("moderation", "auto"),
        ("output_format", "png"),
        ("output_compression", 80),
        ("stream", True),
        ("stream", False),
        ("partial_images", 1),
    ],
)
def test_gpt_parameters_are_unsupported_by_dalle(
    pool: urllib3.PoolManager, server: ImagesServer, model: str, name: str, value: Any
) -> None:
    reply = post_json(pool, server, {"prompt": "x", "model": model, name: value})
    assert reply.status == 400
    assert (reply.error["param"], reply.error["code"]) == (name, "unsupported_parameter")
    assert model in reply.error["message"]


@pytest.mark.parametrize(
    "size", ["1536x864", "2160x3840", "512x1536", "1536x512", "16x48", "2560x1440"]
)
def test_gpt_image_2_custom_sizes(
    pool: urllib3.PoolManager, server: ImagesServer, size: str
) -> None:
    reply = post_json(pool, server, {"prompt": "x", "model": "gpt-image-2", "size": size})
    assert reply.status == 200, reply.data
    assert reply.json["size"] == size
    width, height, _ = image_of(reply.json["data"][0], pool)
    assert f"{width}x{height}" == size


@pytest.mark.parametrize(
    ("size", "problem"),
    [
        ("1000x1000", "multiples of 16"),
        ("0x512", "multiples of 16"),
        ("1600x512", "aspect ratio"),
        ("512x1600", "aspect ratio"),
        ("4096x2048", "3840x2160"),
        ("3840x2400", "3840x2160"),
        ("1536X864", "WIDTHxHEIGHT"),
        ("big", "WIDTHxHEIGHT"),
    ],
)
def test_gpt_image_2_custom_size_limits(
    pool: urllib3.PoolManager, server: ImagesServer, size: str, problem: str
) -> None:
    reply = post_json(pool, server, {"prompt": "x", "model": "gpt-image-2", "size": size})
    assert reply.status == 400
    assert reply.error["param"] == "size" and problem in reply.error["message"]


def test_gpt_edge_values_are_accepted(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    accepted = [
        {"prompt": "p" * 32000, "model": "gpt-image-1", "quality": "low", "size": "1024x1024"},
        {"prompt": "x", "model": "gpt-image-1-mini", "n": 10, "quality": "low"},
        {"prompt": "x", "output_format": "png", "background": "opaque", "moderation": "low"},
        {"prompt": "x", "model": "gpt-image-1", "output_compression": None, "partial_images": 3},
        {"prompt": "x", "model": "gpt-image-1", "response_format": None, "style": None},
        {"prompt": "x", "model": "gpt-image-1", "stream": False, "quality": "auto"},
    ]
    for body in accepted:
        reply = post_json(pool, server, body)
        assert reply.status == 200, (body, reply.data)
        assert reply.headers["Content-Type"] == "application/json"
    assert len(post_json(pool, server, accepted[1]).json["data"]) == 10


@pytest.mark.parametrize(
    ("fields", "param", "code"),
    [
        (
            [("prompt", "x"), ("model", "dall-e-2")]
            + [("image[]", file(rgba_png(8, 8, hole=True)))] * 2,
            "image",
            "too_many_images",
        ),
        (
            [("prompt", "x"), ("model", "gpt-image-1")] + [("image[]", file(rgb_png(8, 8)))] * 17,
            "image",
            "too_many_images",
        ),
        (
            [("prompt", "x"), ("model", "gpt-image-1"), ("image", file(b"GIF89a\x08\x00\x08\x00"))],
            "image",
            "invalid_image_format",
        ),
        (
            [("prompt", "x"), ("model", "gpt-image-1"), ("image", file(b"\xff\xd8\xff\xe0junk"))],
            "image",
            "invalid_image_format",
        ),
        (
            [
                ("prompt", "x"),
                ("model", "gpt-image-1"),
                ("image[]", file(rgb_png(8, 8))),
                ("image[]", file(b"RIFF\x00\x00\x00\x00WEBPVP8 ")),
            ],
            "image",
            "invalid_image_format",
        ),
        (
            [
                ("prompt", "x"),
                ("model", "gpt-image-1"),
                ("image", file(rgb_png(8, 8))),
                ("mask", file(jpeg(8, 8))),
            ],
            "mask",
            "invalid_image_format",
        ),
        (
            [
                ("prompt", "x"),
                ("model", "gpt-image-1"),
                ("image[]", file(rgb_png(16, 8))),
                ("image[]", file(rgb_png(8, 8))),
                ("mask", file(rgba_png(8, 8, hole=True))),
            ],
            "mask",
            "mask_size_mismatch",
        ),
        (
            [
                ("prompt", "x"),
                ("model", "gpt-image-1"),
                ("image", file(jpeg(32, 16))),
                ("mask", file(rgba_png(16, 16, hole=True))),
            ],
            "mask",
            "mask_size_mismatch",
        ),
        (
            [
                ("prompt", "x"),
                ("model", "gpt-image-1"),
                ("image", file(rgb_png(8, 8))),
                ("mask", file(rgb_png(8, 8))),
            ],
            "mask",
            "mask_without_transparency",
        ),
        (
            [
                ("prompt", "x"),
                ("model", "gpt-image-1-mini"),
                ("image", file(rgb_png(8, 8))),
                ("input_fidelity", "high"),
            ],
            "input_fidelity",
            "unsupported_parameter",
        ),
        (
            [
                ("prompt", "x"),
                ("model", "dall-e-2"),
                ("image", file(rgba_png(8, 8, hole=True))),
                ("input_fidelity", "low"),
            ],
            "input_fidelity",
            "unsupported_parameter",
        ),
        (
            [("prompt", "x"), ("image", file(rgb_png(8, 8))), ("input_fidelity", "medium")],
            "input_fidelity",
            "invalid_value",
        ),
        (
            [("prompt", "x"), ("image", file(rgb_png(8, 8))), ("moderation", "low")],
            "moderation",
            "unknown_parameter",
        ),
        (
            [("prompt", "x"), ("image", file(rgb_png(8, 8))), ("image[]", file(rgb_png(8, 8)))],
            "image",
            "duplicate_parameter",
        ),
        (
            [("prompt", "x"), ("image[]", file(rgb_png(8, 8))), ("image", file(rgb_png(8, 8)))],
            "image",
            "duplicate_parameter",
        ),
        ([("prompt", "x"), ("image[]", "text")], "image", "invalid_type"),
        (
            [("prompt", "x"), ("image[]", file(rgb_png(8, 8))), ("image[]", "text")],
            "image",
            "invalid_type",
        ),
        (
            [("prompt", "x"), ("image", file(rgb_png(8, 8))), ("stream", "maybe")],
            "stream",
            "invalid_type",
        ),
        (
            [("prompt", "x"), ("image", file(rgb_png(8, 8))), ("partial_images", "two")],
            "partial_images",
            "invalid_type",
        ),
        (
            [
                ("prompt", "x"),
                ("model", "gpt-image-1"),
                ("image", file(rgb_png(8, 8))),
                ("response_format", "url"),
            ],
            "response_format",
            "unsupported_parameter",
        ),
        (
            [
                ("prompt", "x"),
                ("model", "chatgpt-image-latest"),
                ("image", file(rgb_png(8, 8))),
                ("quality", "standard"),
            ],
            "quality",
            "invalid_value",
        ),
        (
            [
                ("prompt", "x"),
                ("model", "gpt-image-1"),
                ("image", file(rgb_png(8, 8))),
                ("size", "512x512"),
            ],
            "size",
            "invalid_value",
        ),
        (
            [
                ("prompt", "x"),
                ("model", "dall-e-2"),
                ("image", file(rgba_png(8, 8, hole=True))),
                ("stream", "true"),
            ],
            "stream",
            "unsupported_parameter",
        ),
        (
            [("prompt", "x"), ("image", file(rgb_png(8, 8))), ("output_format", "webp")],
            "output_format",
            "unsupported_value",
        ),
    ],
)
def test_gpt_edit_validation(
    pool: urllib3.PoolManager, server: ImagesServer, fields: Fields, param: str, code: str
) -> None:
    reply = post_form(pool, server, "edits", fields)
    assert reply.status == 400, reply.data
    assert (reply.error["param"], reply.error["code"]) == (param, code)


def test_variations_take_no_image_array(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    reply = post_form(pool, server, "variations", [("image[]", file(rgb_png(8, 8)))])
    assert reply.status == 400
    assert (reply.error["param"], reply.error["code"]) == ("image[]", "unknown_parameter")


@pytest.mark.parametrize(
    ("image", "size"),
    [
        (rgb_png(96, 64), "1536x1024"),
        (rgb_png(64, 96), "1024x1536"),
        (rgb_png(70, 64), "1024x1024"),
        (jpeg(300, 200), "1536x1024"),
        (webp(200, 300), "1024x1536"),
        (webp(200, 300, "VP8L"), "1024x1536"),
        (webp(300, 200, "VP8 "), "1536x1024"),
    ],
)
def test_gpt_edit_takes_any_shape_and_format_and_auto_follows_it(
    pool: urllib3.PoolManager, server: ImagesServer, image: bytes, size: str
) -> None:
    reply = post_form(
        pool,
        server,
        "edits",
        {"prompt": "x", "model": "gpt-image-1", "image": file(image), "size": "auto"},
    )
    assert reply.status == 200, reply.data
    assert reply.json["size"] == size
    width, height, _ = image_of(reply.json["data"][0], pool)
    assert f"{width}x{height}" == size


def test_multi_image_gpt_edit(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    images = [rgb_png(64, 64), jpeg(640, 480), webp(100, 50)] + [rgb_png(8, 8)] * 13
    reply = post_form(
        pool,
        server,
        "edits",
        [("prompt", "collage"), ("model", "gpt-image-1"), ("size", "1024x1536")]
        + [("image[]", file(data, f"in-{i}")) for i, data in enumerate(images)],
    )
    assert reply.status == 200, reply.data
    assert image_of(reply.json["data"][0], pool)[:2] == (1024, 1536)
    record = server.requests[-1]
    assert [part.data for part in record.file_parts("image[]")] == images
    assert [part.filename for part in record.file_parts()] == [f"in-{i}" for i in range(16)]
    assert record.files["image[]"].filename == "in-0"


def test_gpt_edit_pixels(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    size = 64
    source = bytes(range(256)) * (size * size * 4 // 256)
    source_rgba = bytearray(source)
    source_rgba[3::4] = b"\xff" * (size * size)
    image = encode_png(size, size, bytes(source_rgba))
    mask = rgba_png(size, size, hole=True)  # left half transparent: edit there
    common = {"prompt": "p", "model": "gpt-image-1", "size": "1024x1024", "image": file(image)}
    generated = synthesize("p", 1024, 1024, 0, alpha=True)
    scaled = _scale(bytes(source_rgba), size, 1024)

    masked = post_form(pool, server, "edits", {**common, "mask": file(mask, "mask.png")})
    _, _, out = image_of(masked.json["data"][0], pool)
    for x in (0, 100, 511, 512, 700, 1023):
        at = slice((300 * 1024 + x) * 4, (300 * 1024 + x) * 4 + 3)
        assert out[at] == (generated if x < 512 else scaled)[at], x

    blended = post_form(pool, server, "edits", common)
    _, _, out = image_of(blended.json["data"][0], pool)
    for offset in (0, 4 * 1000, 4 * 524_287):
        for channel in range(3):
            i = offset + channel
            assert out[i] == (generated[i] >> 1) + (scaled[i] >> 1)

    from_jpeg = post_form(pool, server, "edits", {**common, "image": file(jpeg(64, 64))})
    assert image_of(from_jpeg.json["data"][0], pool)[2] == generated  # synthesized from the prompt


def _scale(rgba: bytes, size: int, new_size: int) -> bytes:
    from openapiopenai.testing._images import scale_nearest

    return scale_nearest(rgba, size, size, new_size, new_size)


def test_gpt_uploads_up_to_50mb(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    png = rgb_png(8, 8)
    five_mb = png + bytes(5 * 1024 * 1024)  # too big for dall-e-2, fine for GPT models
    fields = {"prompt": "x", "image": file(five_mb)}
    assert post_form(pool, server, "edits", {**fields, "model": "gpt-image-1"}).status == 200
    small = post_form(pool, server, "edits", {**fields, "model": "dall-e-2"})
    assert (small.status, small.error["code"]) == (400, "image_too_large")
    too_big = png + bytes(50 * 1024 * 1024 - len(png))
    reply = post_form(
        pool, server, "edits", {**fields, "model": "gpt-image-1", "image": file(too_big)}
    )
    assert (reply.status, reply.error["param"], reply.error["code"]) == (
        400,
        "image",
        "image_too_large",
    )
    assert "50 MB" in reply.error["message"]


def test_chatgpt_image_latest_edits(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    reply = post_form(
        pool,
        server,
        "edits",
        {"prompt": "x", "model": "chatgpt-image-latest", "image": file(rgb_png(8, 8))},
    )
    assert reply.status == 200 and set(reply.json) == GPT_FIELDS


# --- URLs ----------------------------------------------------------------------------------


def test_image_urls_are_served_then_expire(
    pool: urllib3.PoolManager, server: ImagesServer, clock: Clock
) -> None:
    url = post_json(pool, server, {"prompt": "x", "size": "256x256"}).json["data"][0]["url"]
    parts = urlsplit(url)
    assert url.startswith(server.url + "/files/images/img-") and parts.path.endswith(".png")
    assert "se=" in parts.query and "sig=" in parts.query
    clock.now += 3599
    assert image_of({"url": url}, pool)[:2] == (256, 256)
    clock.now += 1
    expired = pool.request("GET", url)
    assert expired.status == 403
    assert expired.headers["Content-Type"] == "application/xml"
    assert b"<Code>AuthenticationFailed</Code>" in expired.data
    assert b"Signature not valid in the specified time frame" in expired.data


def test_url_ttl_is_configurable(pool: urllib3.PoolManager, clock: Clock) -> None:
    with ImagesServer(clock=clock, url_ttl=10) as server:
        url = post_json(pool, server, {"prompt": "x", "size": "256x256"}).json["data"][0]["url"]
        clock.now += 10
        assert pool.request("GET", url).status == 403


def test_tampered_or_unknown_image_urls(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    url = post_json(pool, server, {"prompt": "x", "size": "256x256"}).json["data"][0]["url"]
    tampered = pool.request("GET", url[:-1] + ("0" if url[-1] != "0" else "1"))
    assert tampered.status == 403 and b"Signature did not match" in tampered.data
    unsigned = pool.request("GET", url.split("?")[0])
    assert unsigned.status == 404 and b"<Code>ResourceNotFound</Code>" in unsigned.data
    head = pool.request("HEAD", url)
    assert head.status == 200 and int(head.headers["Content-Length"]) > 0 and head.data == b""


# --- auth, routing, protocol -------------------------------------------------------------


def test_missing_key_is_401(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    reply = post_json(pool, server, {"prompt": "x"}, key=None)
    assert reply.status == 401
    assert "didn't provide an API key" in reply.error["message"]
    assert post_json(pool, server, {"prompt": "x"}, key="").status == 401


def test_only_configured_keys_are_accepted(pool: urllib3.PoolManager) -> None:
    with ImagesServer(api_keys={"sk-good-key-000000000"}) as server:
        wrong = post_json(
            pool, server, {"prompt": "x", "size": "256x256"}, key="sk-wrong-key-11111111"
        )
        assert wrong.status == 401
        assert wrong.error["code"] == "invalid_api_key"
        assert "sk-wrong-key-11111111" not in wrong.error["message"]
        good = post_json(
            pool, server, {"prompt": "x", "size": "256x256"}, key="sk-good-key-000000000"
        )
        assert good.status == 200


def test_recorded_headers_mask_the_key(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    secret = "sk-proj-SECRETSECRETSECRET-9876"
    post_json(pool, server, {"prompt": "x", "size": "256x256"}, key=secret)
    [record] = server.requests
    assert (
        record.headers["authorization"] == f"Bearer {mask_api_key(secret)}" == "Bearer sk-...9876"
    )
    assert "SECRET" not in repr(record) and all("SECRET" not in v for v in record.headers.values())
    assert record.json == {"prompt": "x", "size": "256x256"}
    assert (record.method, record.path, record.status, record.fault) == (
        "POST",
        "/v1/images/generations",
        200,
        None,
    )


def test_records_form_fields_and_files(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    image = rgb_png(8, 8)
    post_form(pool, server, "variations", {"image": file(image, "cat.png"), "n": "1"})
    [record] = server.requests
    assert record.fields == {"n": "1"}
    assert record.files["image"].filename == "cat.png"
    assert record.files["image"].content_type == "image/png"
    assert record.files["image"].data == image


def test_unknown_path_and_wrong_method(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    for path in ("/v1/images/generate", "/v1/models", "/", "/v1/images/generations/"):
        reply = Reply(
            pool.request("POST", server.origin + path, headers={"Authorization": f"Bearer {KEY}"})
        )
        assert reply.status == 404, path
        assert reply.error["code"] == "unknown_url"
    wrong = Reply(pool.request("GET", server.url + "/images/generations"))
    assert wrong.status == 405
    assert wrong.headers["Allow"] == "POST"
    assert wrong.error["param"] is None


def test_keep_alive_across_errors() -> None:
    with ImagesServer() as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        statuses = []
        for body in (b"{}", b'{"prompt": "x", "size": "256x256"}', b"oops"):
            connection.request(
                "POST",
                "/v1/images/generations",
                body=body,
                headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
            assert response.getheader("Connection") == "keep-alive"
        connection.close()
        assert statuses == [400, 200, 400]


def test_chunked_request_body(server: ImagesServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    body = json.dumps({"prompt": "chunks", "size": "256x256"}).encode()
    connection.request(
        "POST",
        "/v1/images/generations",
        body=iter([body[:5], body[5:]]),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    assert response.status == 200, response.read()
    connection.close()
    assert server.requests[-1].json == {"prompt": "chunks", "size": "256x256"}


def test_too_large_body_is_413(pool: urllib3.PoolManager) -> None:
    with ImagesServer(max_body_size=1000) as server:
        reply = post_json(pool, server, {"prompt": "p" * 2000})
        assert reply.status == 413
        assert reply.headers["Connection"] == "close"
        assert reply.error["param"] is None


def test_fifty_concurrent_requests(server: ImagesServer) -> None:
    def one(index: int) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request(
            "POST",
            "/v1/images/generations",
            body=json.dumps(
                {"prompt": f"p{index}", "size": "256x256", "response_format": "b64_json"}
            ),
            headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        data = json.loads(response.read())
        connection.close()
        assert decode_png(base64.b64decode(data["data"][0]["b64_json"]))[:2] == (256, 256)
        return response.status

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(one, range(50)))
    assert statuses == [200] * 50
    assert sorted(r.json["prompt"] for r in server.requests) == sorted(f"p{i}" for i in range(50))


def test_stop_closes_idle_keep_alive_connections_quickly() -> None:
    server = ImagesServer().start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", "/v1/nothing")
    connection.getresponse().read()
    started = time.perf_counter()
    server.stop()
    assert time.perf_counter() - started < 2
    server.stop()  # idempotent
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()


# --- fault injection ---------------------------------------------------------------------


def raw_post(
    server: ImagesServer, body: Optional[dict[str, Any]] = None, timeout: float = 10
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    connection.request(
        "POST",
        "/v1/images/generations",
        body=json.dumps(body or {"prompt": "x", "size": "256x256"}),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    return connection.getresponse()


def test_respond_with_json_and_headers_then_normal_service(server: ImagesServer) -> None:
    error = {
        "error": {
            "message": "Rate limit",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    }
    server.respond_with(429, error, headers={"Retry-After": "1"})
    limited = raw_post(server)
    assert limited.status == 429
    assert limited.getheader("Retry-After") == "1"
    assert limited.getheader("Content-Type") == "application/json"
    assert json.loads(limited.read()) == error
    assert raw_post(server).status == 200
    first, second = server.requests
    assert first.fault is not None and first.fault.kind == "respond"
    assert (first.status, first.error) == (429, error["error"])
    assert first.json == {"prompt": "x", "size": "256x256"}  # the request is recorded in full
    assert second.fault is None


def test_respond_with_html_502(server: ImagesServer) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    server.respond_with(502, page, headers={"Content-Type": "text/html"})
    response = raw_post(server)
    assert (response.status, response.getheader("Content-Type")) == (502, "text/html")
    assert response.read().decode() == page
    assert server.requests[0].error is None


def test_faults_are_consumed_in_order_then_normal_service_resumes(server: ImagesServer) -> None:
    server.respond_with(500, times=2)
    server.respond_with(503, b"")
    assert [fault.status for fault in server.pending_faults] == [500, 500, 503]
    statuses = [raw_post(server).status for _ in range(4)]
    assert statuses == [500, 500, 503, 200]
    assert [r.fault.kind if r.fault else None for r in server.requests] == ["respond"] * 3 + [None]
    assert server.pending_faults == ()


def test_faults_apply_to_any_path(server: ImagesServer, pool: urllib3.PoolManager) -> None:
    server.respond_with(500)
    assert pool.request("GET", server.origin + "/anything").status == 500


def test_reset_faults(server: ImagesServer) -> None:
    server.respond_with(500, times=3)
    server.drop_connection()
    server.reset_faults()
    assert server.pending_faults == ()
    assert raw_post(server).status == 200


def test_delay_then_normal(server: ImagesServer) -> None:
    server.delay(0.3)
    started = time.perf_counter()
    response = raw_post(server)
    assert response.status == 200 and time.perf_counter() - started >= 0.3
    fault = server.requests[0].fault
    assert fault is not None and (fault.kind, fault.delay) == ("delay", 0.3)


def test_delay_then_another_fault(server: ImagesServer) -> None:
    server.delay(0.2, then=Fault.respond(500, {"error": "late"}))
    started = time.perf_counter()
    response = raw_post(server)
    assert response.status == 500 and time.perf_counter() - started >= 0.2


def test_delay_past_client_timeout_still_counts_the_attempt(server: ImagesServer) -> None:
    server.delay(5)
    with pytest.raises(socket.timeout):
        raw_post(server, timeout=0.2)
    assert len(server.requests) == 1 and server.requests[0].status == 200
    started = time.perf_counter()
    server.stop()  # cuts the pending delay short
    assert time.perf_counter() - started < 2


def test_drop_connection(server: ImagesServer) -> None:
    server.drop_connection()
    with pytest.raises(http.client.RemoteDisconnected):
        raw_post(server)
    record = server.requests[0]
    assert record.fault is not None and record.fault.kind == "drop_connection"
    assert (record.status, record.request_id) == (None, None)
    assert raw_post(server).status == 200


def test_drop_connection_with_reset(server: ImagesServer) -> None:
    server.drop_connection(reset=True)
    with pytest.raises(ConnectionResetError):
        raw_post(server)


def test_drop_mid_body(server: ImagesServer) -> None:
    server.drop_mid_body()
    response = raw_post(server)
    assert response.status == 200  # the headers arrived...
    with pytest.raises(ConnectionResetError):
        response.read()  # ...but the body is cut by a reset
    assert server.requests[0].fault == Fault.drop_mid_body()


def test_truncate_body(server: ImagesServer) -> None:
    server.truncate_body()
    response = raw_post(server)
    assert response.status == 200
    length = int(response.getheader("Content-Length") or 0)
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert len(caught.value.partial) == length // 2
    assert caught.value.expected == length - length // 2


def test_truncate_a_given_body(server: ImagesServer) -> None:
    server.truncate_body({"error": {"message": "boom"}}, status=500, keep=7)
    response = raw_post(server)
    assert response.status == 500
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert caught.value.partial == b'{"error'


def test_urllib3_sees_the_faults_as_protocol_errors(server: ImagesServer) -> None:
    server.drop_connection()
    server.truncate_body()
    with urllib3.PoolManager(retries=False) as pool:
        for _ in range(2):
            with pytest.raises(urllib3.exceptions.ProtocolError):
                pool.request("POST", server.url + "/images/generations", body=b"{}")
    assert [r.fault.kind for r in server.requests if r.fault] == [
        "drop_connection",
        "truncate_body",
    ]


def test_drop_during_upload_fails_the_send(server: ImagesServer) -> None:
    server.respond_with(503)
    server.drop_during_upload()
    assert raw_post(server).status == 503  # faults stay in order
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    # More than the kernels buffer (the client's 4 MiB send buffer and the server's receive
    # buffer, with Linux defaults): the send cannot complete before the reset arrives.
    body = b"{" + b" " * (8 * 1024 * 1024) + b"}"
    with pytest.raises((BrokenPipeError, ConnectionResetError)):
        connection.request(  # the send itself fails: the server never read the body
            "POST",
            "/v1/images/generations",
            body=body,
            headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        )
    connection.close()
    record = server.requests[1]
    assert record.fault == Fault.drop_during_upload()
    assert (record.status, record.body, record.request_id) == (None, b"", None)
    assert record.headers["Content-Length"] == str(len(body))
    assert raw_post(server).status == 200


def test_drop_during_upload_comes_before_the_body_checks() -> None:
    with ImagesServer(max_body_size=10) as server:
        server.drop_during_upload()
        with pytest.raises((ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)):
            raw_post(server)  # too large a body, but the fault acts before reading it
        assert raw_post(server).status == 413
        assert [r.fault.kind if r.fault else None for r in server.requests] == [
            "drop_during_upload",
            None,
        ]


# --- streaming ---------------------------------------------------------------------------

STREAM_FIELDS = {"type", "b64_json", "created_at", "size", "quality", "background", "output_format"}


def stream_post(
    server: ImagesServer,
    body: dict[str, Any],
    connection: Optional[http.client.HTTPConnection] = None,
) -> http.client.HTTPResponse:
    connection = connection or http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request(
        "POST",
        "/v1/images/generations",
        body=json.dumps(body),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    return connection.getresponse()


def test_streamed_generation(server: ImagesServer, clock: Clock) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    request = {"prompt": "fox", "model": "gpt-image-1", "stream": True, "partial_images": 2}
    response = stream_post(server, {**request, "quality": "low", "size": "1024x1536"}, connection)
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.getheader("Content-Length") is None
    assert response.getheader("Connection") == "keep-alive"
    events = sse_events(response.read())
    assert [name for name, _ in events] == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    final = decode_png(base64.b64decode(events[-1][1]["b64_json"]))
    assert final[2] == synthesize("fox", 1024, 1536, 0, alpha=True)
    for index, (name, data) in enumerate(events):
        assert data["type"] == name
        assert set(data) == STREAM_FIELDS | (
            {"usage"} if name.endswith("completed") else {"partial_image_index"}
        )
        assert (data["created_at"], data["size"], data["quality"]) == (
            int(clock.now),
            "1024x1536",
            "low",
        )
        assert (data["background"], data["output_format"]) == ("opaque", "png")
        image = decode_png(base64.b64decode(data["b64_json"]))
        assert image[:2] == (1024, 1536)
        if name.endswith("partial_image"):
            assert data["partial_image_index"] == index
            assert image[2] != final[2]  # a coarser preview
    assert events[-1][1]["usage"]["output_tokens"] == 408 + 2 * 100
    # The chunked body ended cleanly: the connection serves the next request.
    again = stream_post(server, {"prompt": "x", "size": "256x256"}, connection)
    assert again.status == 200 and json.loads(again.read())["data"]
    connection.close()
    assert server.requests[0].status == 200 and server.requests[0].error is None


def test_streamed_edit_without_partial_images_and_several_images(
    pool: urllib3.PoolManager, server: ImagesServer
) -> None:
    reply = post_form(
        pool,
        server,
        "edits",
        {"prompt": "x", "image": file(rgb_png(8, 8)), "stream": "true", "n": "2"},
    )
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/event-stream")
    events = sse_events(reply.data)
    assert [name for name, _ in events] == ["image_edit.completed"] * 2
    first, second = (data["b64_json"] for _, data in events)
    assert first != second
    form_false = post_form(
        pool, server, "edits", {"prompt": "x", "image": file(rgb_png(8, 8)), "stream": "false"}
    )
    assert form_false.headers["Content-Type"] == "application/json"


def test_stream_interval_paces_the_events() -> None:
    with ImagesServer(stream_interval=0.15) as server:
        request = {"prompt": "x", "model": "gpt-image-1-mini", "stream": True, "partial_images": 2}
        started = time.perf_counter()
        data = stream_post(server, request).read()
        elapsed = time.perf_counter() - started
    assert len(sse_events(data)) == 3
    assert elapsed >= 0.3  # two pauses between three events (see hold_stream for the order)


def test_hold_stream_sends_the_first_events_then_waits(server: ImagesServer) -> None:
    release = server.hold_stream(after_events=1)
    assert server.pending_faults[0].kind == "hold_stream"
    request = {"prompt": "x", "model": "gpt-image-1", "stream": True, "partial_images": 3}
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        body = json.dumps(request).encode()
        sock.sendall(
            b"POST /v1/images/generations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {KEY}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        received = b""
        while b"partial_image_index" not in received:
            received += sock.recv(1 << 20)
        sock.settimeout(0.3)
        with pytest.raises(socket.timeout):  # held: nothing more arrives
            while True:
                chunk = sock.recv(1 << 20)
                assert chunk, "the server closed the stream"
                received += chunk
        assert received.count(b"event: ") == 1
        release.set()
        sock.settimeout(10)
        while not received.endswith(b"\r\n0\r\n\r\n"):
            received += sock.recv(1 << 20)
    assert received.count(b"event: ") == 4


def test_hold_stream_ends_when_the_server_stops() -> None:
    server = ImagesServer().start()
    server.hold_stream(after_events=0)
    response = stream_post(server, {"prompt": "x", "model": "gpt-image-1", "stream": True})
    assert response.status == 200
    started = time.perf_counter()
    server.stop()
    with pytest.raises(http.client.IncompleteRead):
        response.read()
    assert time.perf_counter() - started < 2


def test_hold_stream_ends_when_the_client_leaves(server: ImagesServer) -> None:
    release = server.hold_stream(after_events=1)
    response = stream_post(
        server, {"prompt": "x", "model": "gpt-image-1", "stream": True, "partial_images": 1}
    )
    assert response.fp is not None and b"event: " in response.fp.readline() + response.fp.readline()
    response.close()  # the client gives up while the server holds the stream
    httpd = server._httpd
    assert httpd is not None
    deadline = time.monotonic() + 5
    while httpd._connections and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not httpd._connections  # the handler noticed and returned
    assert not release.is_set()


def test_stream_error_event(server: ImagesServer) -> None:
    server.stream_error(code="moderation_blocked", message="Your request was rejected.")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    request = {"prompt": "x", "model": "gpt-image-1", "stream": True, "partial_images": 2}
    response = stream_post(server, request, connection)
    assert response.status == 200
    data = response.read()
    error = {
        "type": "invalid_request_error",
        "code": "moderation_blocked",
        "message": "Your request was rejected.",
        "param": None,
    }
    assert data.endswith(
        b"\n\nevent: error\ndata: "
        + json.dumps({"type": "error", "error": error}).encode()
        + b"\n\n"
    )
    assert [name for name, _ in sse_events(data)] == ["image_generation.partial_image", "error"]
    assert server.requests[0].error == error and server.requests[0].status == 200
    assert stream_post(server, {"prompt": "x", "size": "256x256"}, connection).status == 200
    connection.close()


def test_stream_error_with_no_event_first_and_faults_on_non_streams(server: ImagesServer) -> None:
    server.stream_error(after_events=0, type="server_error", code=None, times=2)
    assert raw_post(server).status == 200  # not a stream: served as usual
    assert server.requests[0].error is None
    events = sse_events(stream_post(server, {"prompt": "x", "stream": True}).read())
    assert events == [
        (
            "error",
            {
                "type": "error",
                "error": {
                    "type": "server_error",
                    "code": None,
                    "message": "The server had an error while processing your request.",
                    "param": None,
                },
            },
        )
    ]


@pytest.mark.parametrize("fault", ["drop_mid_body", "truncate_body"])
def test_streams_cut_by_faults(server: ImagesServer, fault: str) -> None:
    getattr(server, fault)()
    request = {"prompt": "x", "model": "gpt-image-1", "stream": True, "partial_images": 3}
    with urllib3.PoolManager(retries=False) as pool:
        response = pool.request(
            "POST",
            server.url + "/images/generations",
            body=json.dumps(request),
            headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
            preload_content=False,
        )
        assert response.status == 200
        received = b""
        with pytest.raises(urllib3.exceptions.ProtocolError):
            for chunk in response.stream(1 << 16):
                received += chunk
    assert received.count(b"event: ") == 2  # half of the four events


def test_stream_validation(pool: urllib3.PoolManager, server: ImagesServer) -> None:
    reply = post_json(pool, server, {"prompt": "x", "model": "dall-e-3", "stream": True})
    assert reply.status == 400
    assert reply.headers["Content-Type"] == "application/json"
    assert (reply.error["param"], reply.error["code"]) == ("stream", "unsupported_parameter")


# --- CLI and pytest plugin -------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def test_cli_serve(pool: urllib3.PoolManager) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "openapiopenai.testing",
            "serve",
            "--port",
            "0",
            "--stream-interval",
            "0.01",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    timer = threading.Timer(20, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/v1)", line)
        assert match, line
        reply = Reply(
            pool.request(
                "POST",
                match.group(1) + "/images/generations",
                body=json.dumps({"prompt": "cli", "size": "256x256"}),
                headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
            )
        )
        assert reply.status == 200
        process.terminate()
        assert process.wait(timeout=10) == 0
    finally:
        timer.cancel()
        process.kill()
        process.wait()


def test_pytest_plugin_fixtures(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            """
            import openapiopenai.testing.pytest_plugin as plugin

            def pytest_configure(config):
                # Registered through the pytest11 entry point once the package is installed.
                if not config.pluginmanager.is_registered(plugin):
                    config.pluginmanager.register(plugin, "openapiopenai-testing")
            """
        )
    )
    (tmp_path / "test_uses_fixtures.py").write_text(
        textwrap.dedent(
            """
            import json, urllib.request

            def test_server(images_server):
                request = urllib.request.Request(
                    images_server.url + "/images/generations",
                    data=json.dumps({"prompt": "x", "size": "256x256"}).encode(),
                    headers={"Authorization": "Bearer k", "Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request) as response:
                    assert response.status == 200
                assert len(images_server.requests) == 1

            def test_api(images_api, images_server):
                from openapiopenai import ImagesApi
                from openapiopenai.testing.pytest_plugin import TEST_API_KEY
                assert isinstance(images_api, ImagesApi)
                configuration = images_api.api_client.configuration
                assert configuration.host == images_server.url
                assert configuration.access_token == TEST_API_KEY
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        timeout=60,
    )
    assert "2 passed" in result.stdout, result.stdout + result.stderr


def test_plugin_import_is_cheap() -> None:
    code = (
        "import sys; import openapiopenai.testing.pytest_plugin; "
        "heavy = {'pool.server', 'openapiopenai.testing._server', 'pydantic', 'urllib3'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=True
    ).stdout
    assert output.strip() == "[]"


def test_an_internal_error_is_a_500_in_the_api_shape(
    server: ImagesServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(server._service, "handle", broken)
    response = raw_post(server)
    assert response.status == 500
    assert json.loads(response.read())["error"]["type"] == "server_error"
