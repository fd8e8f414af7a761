"""openapiopenai.testing.ImagesServer, spoken to with raw HTTP clients (http.client, urllib3)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional, Union
from urllib.parse import urlsplit

import pytest
import urllib3

from openapiopenai._png import decode_png, encode_png, read_png_info
from openapiopenai.testing import Fault, ImagesServer, mask_api_key
from openapiopenai.testing._images import synthesize

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


def post_form(
    pool: urllib3.PoolManager,
    server: ImagesServer,
    operation: str,
    fields: Mapping[str, Union[str, FileField]],
    *,
    key: str = KEY,
) -> Reply:
    return Reply(
        pool.request(
            "POST",
            f"{server.url}/images/{operation}",
            fields=dict(fields),
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
        ({"prompt": "x", "model": "dall-e-3", "quality": None}, "quality"),
        ({"prompt": "x", "style": "vivid"}, "style"),
        ({"prompt": "x", "model": "dall-e-3", "style": "bold"}, "style"),
        ({"prompt": "x", "response_format": "png"}, "response_format"),
        ({"prompt": "x", "model": "dall-e-4"}, "model"),
        ({"prompt": "x", "model": 3}, "model"),
        ({"prompt": "x", "user": 7}, "user"),
        ({"prompt": "x", "background": "transparent"}, "background"),
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
    assert as_json.status == 400 and "expected multipart/form-data" in as_json.error["message"]


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"prompt": "x"}, "image"),
        ({"image": file(rgba_png(8, 8, hole=True))}, "prompt"),
        ({"prompt": "x", "image": file(b"GIF89a not a png")}, "image"),
        ({"prompt": "x", "image": file(rgba_png(8, 8, hole=True)[:-12])}, "image"),
        ({"prompt": "x", "image": file(rgba_png(16, 8, hole=True))}, "image"),
        ({"prompt": "x", "image": file(rgb_png(8, 8))}, "image"),
        ({"prompt": "x", "image": "not a file"}, "image"),
        (
            {"prompt": "x", "image": file(rgb_png(8, 8)), "mask": file(rgba_png(4, 4, hole=True))},
            "mask",
        ),
        ({"prompt": "x", "image": file(rgb_png(8, 8)), "mask": file(b"junk")}, "mask"),
        ({"prompt": "x", "image": file(rgb_png(8, 8)), "mask": file(rgb_png(8, 8))}, "mask"),
        ({"prompt": "p" * 1001, "image": file(rgba_png(8, 8, hole=True))}, "prompt"),
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
        {"prompt": "sky", "image": file(image), "response_format": "b64_json"},
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


# --- CLI and pytest plugin -------------------------------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def test_cli_serve(pool: urllib3.PoolManager) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "openapiopenai.testing", "serve", "--port", "0", "--quiet"],
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
