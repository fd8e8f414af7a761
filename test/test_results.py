"""Image.to_bytes() and .save(), ImagesResponse.save(): decode or download, safely."""

from __future__ import annotations

import base64
import copy
import logging
import pickle
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from openapiopenai import (
    ApiClient,
    ApiResponseValidationError,
    ApiTimeoutError,
    ApiTypeError,
    ApiValueError,
    CreateImageRequest,
    Image,
    ImageDownloadError,
    ImagesApi,
    ImagesResponse,
    ImageUrlExpiredError,
)
from openapiopenai._png import read_png_info
from openapiopenai.testing import Fault, ImagesServer, mask_api_key

from conftest import API_KEY, make_png

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


class Clock:
    """A settable clock for the server (URL expiry without sleeping)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock) -> Iterator[ImagesServer]:
    with ImagesServer(url_ttl=3600, clock=clock) as running:
        yield running


@pytest.fixture
def client(server: ImagesServer, client_for: Callable[..., ApiClient]) -> ApiClient:
    return client_for(server.url, retries=0)


@pytest.fixture
def default_client() -> Iterator[Callable[[ApiClient], None]]:
    """Make a client the default for one test."""
    previous = ApiClient._default
    yield ApiClient.set_default
    ApiClient.set_default(previous)


def generate(
    client: ApiClient, n: int = 1, size: str = "256x256", **fields: object
) -> ImagesResponse:
    request = CreateImageRequest(prompt="a sea otter", n=n, size=size, **fields)  # type: ignore[arg-type]
    return ImagesApi(client).create_image(request)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- to_bytes ------------------------------------------------------------------------------


def test_to_bytes_decodes_b64_json(png: bytes) -> None:
    assert Image(b64_json=b64(png)).to_bytes() == png


def test_to_bytes_downloads_a_url_image(client: ApiClient) -> None:
    response = generate(client, size="512x512")
    data = response.data[0].to_bytes()
    info = read_png_info(data)
    assert (info.width, info.height) == (512, 512)


def test_download_reuses_the_pooled_connection_of_the_client_that_made_the_call(
    client: ApiClient, server: ImagesServer
) -> None:
    response = generate(client, n=2)
    for image in response.data:
        image.to_bytes()
    assert [r.method for r in server.requests] == ["POST", "GET", "GET"]
    assert client.rest_client.connections_opened() == 1


def test_unbound_image_downloads_through_the_default_client(
    client: ApiClient, default_client: Callable[[ApiClient], None]
) -> None:
    url = generate(client).data[0].url
    client.user_agent = "the-default-client"
    default_client(client)
    image = Image.from_json(f'{{"url": "{url}"}}')
    assert image is not None
    assert read_png_info(image.to_bytes()).width == 256


def test_explicit_client_argument_is_used_for_the_download(
    client: ApiClient, server: ImagesServer, client_for: Callable[..., ApiClient]
) -> None:
    image = generate(client).data[0]
    other = client_for(server.url)
    other.user_agent = "explicitly-passed"
    image.to_bytes(client=other)
    assert server.requests[-1].headers["User-Agent"] == "explicitly-passed"


def test_the_api_key_goes_with_a_download_from_the_api_host(
    client: ApiClient, server: ImagesServer
) -> None:
    generate(client).data[0].to_bytes()
    download = server.requests[-1]
    assert download.method == "GET"
    assert download.headers["Authorization"] == f"Bearer {mask_api_key(API_KEY)}"


def test_the_api_key_never_goes_to_another_host(
    httpserver: HTTPServer, client_for: Callable[..., ApiClient], png: bytes
) -> None:
    httpserver.expect_request("/cdn/img.png").respond_with_data(png, content_type="image/png")
    api_client = client_for("http://127.0.0.1:9/v1", organization="org-secret")
    api_client.set_default_header("X-Custom-Secret", "do-not-leak")
    image = Image(url=httpserver.url_for("/cdn/img.png") + "?sig=abc")
    assert image.to_bytes(client=api_client) == png
    sent = httpserver.log[-1][0].headers
    assert "Authorization" not in sent
    assert "OpenAI-Organization" not in sent
    assert "X-Custom-Secret" not in sent
    assert sent["Accept"] == "image/*"


def test_a_redirect_to_another_host_drops_the_api_key(
    httpserver: HTTPServer, client_for: Callable[..., ApiClient], png: bytes
) -> None:
    with ImagesServer() as cdn:
        # The "API host" redirects the download to a different origin (the CDN's port).
        api_client = client_for(httpserver.url_for("/v1"))
        cdn_url = generate(client_for(cdn.url)).data[0].url
        assert cdn_url is not None
        httpserver.expect_request("/v1/files/moved.png").respond_with_data(
            b"", status=302, headers={"Location": cdn_url}
        )
        image = Image(url=httpserver.url_for("/v1/files/moved.png"))
        data = image.to_bytes(client=api_client)
        assert read_png_info(data).width == 256
        assert "Authorization" in httpserver.log[-1][0].headers  # same origin as the API
        assert "Authorization" not in cdn.requests[-1].headers


# --- failures ------------------------------------------------------------------------------


def test_an_expired_url_raises_image_url_expired_error(client: ApiClient, clock: Clock) -> None:
    image = generate(client).data[0]
    clock.now += 3601
    with pytest.raises(ImageUrlExpiredError) as caught:
        image.to_bytes()
    error = caught.value
    assert error.status == 403
    assert isinstance(error, ImageDownloadError)
    assert "expired" in str(error) and "b64_json" in str(error)
    assert "Signature not valid" in str(error)  # the CDN's own reason, from its XML body
    assert "sig=" not in str(error)  # the signed query string stays out of messages


def test_a_url_the_cdn_does_not_know_raises_image_url_expired_error(
    client: ApiClient,
) -> None:
    url = generate(client).data[0].url
    assert url is not None
    with pytest.raises(ImageUrlExpiredError) as caught:
        Image(url=url.split("?")[0]).to_bytes(client=client)
    assert caught.value.status == 404


def test_a_server_error_from_the_cdn_raises_image_download_error_without_retrying(
    server: ImagesServer, client_for: Callable[..., ApiClient]
) -> None:
    api_client = client_for(server.url, retries=3)
    image = generate(api_client).data[0]
    server.respond_with(503, "busy")
    with pytest.raises(ImageDownloadError) as caught:
        image.to_bytes()
    assert caught.value.status == 503
    assert not isinstance(caught.value, ImageUrlExpiredError)
    assert len(server.requests) == 2  # the generation and one download attempt


def test_a_download_times_out_with_the_given_timeout(
    client: ApiClient, server: ImagesServer
) -> None:
    image = generate(client).data[0]
    server.delay(2.0)
    started = time.monotonic()
    with pytest.raises(ApiTimeoutError):
        image.to_bytes(timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_a_declared_length_over_the_cap_is_refused_before_reading(
    client: ApiClient,
) -> None:
    image = generate(client).data[0]
    with pytest.raises(ImageDownloadError, match="larger than the 100 bytes cap"):
        image.to_bytes(max_bytes=100)


def test_an_endless_body_is_abandoned_at_the_cap(
    httpserver: HTTPServer, client_for: Callable[..., ApiClient], png: bytes
) -> None:
    produced = [0]
    chunk = b"\0" * 65536

    def endless(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield png
            for _ in range(4096):  # up to 256 MB, with no Content-Length
                produced[0] += len(chunk)
                yield chunk

        return Response(body(), content_type="image/png")

    httpserver.expect_request("/big.png").respond_with_handler(endless)
    api_client = client_for("http://127.0.0.1:9/v1")
    with pytest.raises(ImageDownloadError, match="larger than the 1048576 bytes cap"):
        Image(url=httpserver.url_for("/big.png")).to_bytes(client=api_client, max_bytes=1 << 20)
    assert produced[0] < 64 << 20  # far from all of it was sent: the read stopped at the cap


def test_a_body_that_is_not_an_image_is_refused(
    httpserver: HTTPServer, client_for: Callable[..., ApiClient]
) -> None:
    httpserver.expect_request("/login").respond_with_data(
        "<html>sign in</html>", content_type="text/html"
    )
    api_client = client_for("http://127.0.0.1:9/v1")
    with pytest.raises(ImageDownloadError, match="expected an image, got text/html"):
        Image(url=httpserver.url_for("/login")).to_bytes(client=api_client)


def test_octet_stream_is_accepted_when_the_bytes_are_an_image(
    httpserver: HTTPServer, client_for: Callable[..., ApiClient], png: bytes
) -> None:
    httpserver.expect_request("/blob").respond_with_data(
        png, content_type="application/octet-stream"
    )
    api_client = client_for("http://127.0.0.1:9/v1")
    assert Image(url=httpserver.url_for("/blob")).to_bytes(client=api_client) == png


def test_a_url_that_is_not_http_is_refused_before_anything_is_sent(png: bytes) -> None:
    with pytest.raises(ApiValueError, match="absolute http"):
        Image(url="file:///etc/passwd").to_bytes(client=ApiClient())


def test_invalid_base64_raises_a_response_validation_error() -> None:
    with pytest.raises(ApiResponseValidationError, match="b64_json: not valid base64"):
        Image(b64_json="not base64!").to_bytes()


def test_an_image_with_neither_field_has_nothing_to_read() -> None:
    with pytest.raises(ApiValueError, match="neither b64_json nor url"):
        Image(revised_prompt="x").to_bytes()


def test_downloads_are_logged_without_the_signed_query_string(
    client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    image = generate(client).data[0]
    with caplog.at_level(logging.DEBUG, logger="openapiopenai"):
        image.to_bytes()
    lines = [r.getMessage() for r in caplog.records if "image download" in r.getMessage()]
    assert len(lines) == 1
    assert "/v1/files/images/" in lines[0] and " 200 " in lines[0]
    assert "sig=" not in lines[0] and "se=" not in lines[0]


# --- Image.save ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "written"),
    [
        (make_png(8, 8), "otter", "otter.png"),
        (JPEG, "otter", "otter.jpg"),
        (WEBP, "otter", "otter.webp"),
        (JPEG, "otter.png", "otter.jpg"),  # a wrong image suffix is corrected
        (JPEG, "otter.jpeg", "otter.jpeg"),  # a right one is kept as spelled
        (make_png(8, 8), "otter.v2", "otter.v2.png"),  # not an image suffix: appended
    ],
)
def test_save_names_the_file_after_the_real_format(
    tmp_path: Path, data: bytes, name: str, written: str
) -> None:
    path = Image(b64_json=b64(data)).save(tmp_path / name)
    assert path == tmp_path / written
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == [written]


def test_save_creates_missing_parent_directories(tmp_path: Path, png: bytes) -> None:
    path = Image(b64_json=b64(png)).save(tmp_path / "a" / "b" / "otter")
    assert path.read_bytes() == png


def test_save_refuses_a_directory_as_the_file(tmp_path: Path, png: bytes) -> None:
    with pytest.raises(ApiValueError, match="is a directory"):
        Image(b64_json=b64(png)).save(tmp_path)


def test_save_refuses_a_path_with_a_nul(tmp_path: Path, png: bytes) -> None:
    with pytest.raises(ApiValueError, match="path: a path cannot contain NUL"):
        Image(b64_json=b64(png)).save(tmp_path / "ot\x00ter.png")
    response = ImagesResponse(created=1, data=[Image(b64_json=b64(png))])
    with pytest.raises(ApiValueError, match="directory: a path cannot contain NUL"):
        response.save(tmp_path / "d\x00ir")
    assert list(tmp_path.iterdir()) == []


def test_save_downloads_a_url_image(client: ApiClient, tmp_path: Path) -> None:
    path = generate(client).data[0].save(tmp_path / "otter")
    assert path.name == "otter.png"
    assert read_png_info(path.read_bytes()).width == 256


# --- ImagesResponse.save -------------------------------------------------------------------


def test_response_save_writes_every_image_and_returns_the_paths(
    client: ApiClient, tmp_path: Path
) -> None:
    paths = generate(client, n=3).save(tmp_path / "out", prefix="otter")
    assert paths == [tmp_path / "out" / f"otter-{i}.png" for i in range(3)]
    assert all(read_png_info(p.read_bytes()).width == 256 for p in paths)


def test_response_save_numbers_past_existing_files_instead_of_replacing_them(
    client: ApiClient, tmp_path: Path
) -> None:
    first = generate(client, n=2, response_format="b64_json").save(tmp_path)
    first_bytes = [p.read_bytes() for p in first]
    second = generate(client, n=2, response_format="b64_json").save(tmp_path)
    assert [p.name for p in first] == ["image-0.png", "image-1.png"]
    assert [p.name for p in second] == ["image-2.png", "image-3.png"]
    assert [p.read_bytes() for p in first] == first_bytes


def test_response_save_with_overwrite_replaces_the_same_names(
    client: ApiClient, tmp_path: Path
) -> None:
    generate(client, n=2).save(tmp_path)
    again = generate(client, n=2, size="512x512").save(tmp_path, overwrite=True)
    assert [p.name for p in again] == ["image-0.png", "image-1.png"]
    assert read_png_info(again[0].read_bytes()).width == 512
    assert len(list(tmp_path.iterdir())) == 2


def test_response_save_writes_nothing_when_a_download_fails(
    client: ApiClient, server: ImagesServer, tmp_path: Path
) -> None:
    response = generate(client, n=2)
    server.enqueue(Fault.normal())  # the first download succeeds
    server.respond_with(404, "gone")  # the second fails
    with pytest.raises(ImageUrlExpiredError):
        response.save(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_response_save_refuses_a_prefix_with_a_path_separator(tmp_path: Path, png: bytes) -> None:
    response = ImagesResponse(created=1, data=[Image(b64_json=b64(png))])
    with pytest.raises(ApiValueError, match="path separator"):
        response.save(tmp_path, prefix="../escape")
    assert list(tmp_path.iterdir()) == []


# --- the binding to the client -------------------------------------------------------------


def test_the_client_binding_is_not_part_of_the_value(client: ApiClient) -> None:
    response = generate(client, n=2)
    unbound = ImagesResponse.from_json(response.to_json())
    assert response == unbound
    assert pickle.loads(pickle.dumps(response)) == response
    copied = copy.deepcopy(response)
    assert copied == response
    assert copied.data[0].to_bytes() == response.data[0].to_bytes()  # the copy stays bound


def test_a_shared_client_downloads_from_many_threads(client: ApiClient) -> None:
    response = generate(client, n=8)
    results: list[bytes] = []
    lock = threading.Lock()

    def fetch(image: Image) -> None:
        data = image.to_bytes()
        with lock:
            results.append(data)

    threads = [threading.Thread(target=fetch, args=(image,)) for image in response.data]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and all(read_png_info(d).width == 256 for d in results)


def test_save_refuses_a_file_as_the_directory_before_downloading(
    tmp_path: Path, png: bytes
) -> None:
    existing = tmp_path / "out.png"
    existing.write_bytes(b"keep me")
    response = ImagesResponse(created=1, data=[Image(url="http://127.0.0.1:9/never")])
    with pytest.raises(ApiValueError, match="is a file, not a directory"):
        response.save(existing)  # the URL is never fetched: nothing listens on port 9
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(ApiTypeError, match="path: expected a path"):
        Image(b64_json=b64(png)).save(None)  # type: ignore[arg-type]


def test_overwrite_must_be_a_bool(tmp_path: Path, png: bytes) -> None:
    response = ImagesResponse(created=1, data=[Image(b64_json=b64(png))])
    with pytest.raises(ApiTypeError, match="overwrite: expected True or False, got 'no'"):
        response.save(tmp_path, overwrite="no")  # type: ignore[arg-type]  # "no" is truthy
    assert list(tmp_path.iterdir()) == []
