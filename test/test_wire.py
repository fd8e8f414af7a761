"""What goes on the wire: bodies, multipart parts, headers and per-call options."""

from __future__ import annotations

import io
import json
import math
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import openapiopenai
from openapiopenai import CreateImageEditRequestModel, CreateImageRequest, ImagesApi
from openapiopenai.exceptions import ApiTimeoutError, ApiValueError

from conftest import API_KEY

OK = {"created": 1700000000, "data": [{"url": "https://example.test/a.png"}]}


@pytest.fixture
def api(httpserver: HTTPServer, client_for: Callable[..., openapiopenai.ApiClient]) -> ImagesApi:
    for path in ("/v1/images/generations", "/v1/images/edits", "/v1/images/variations"):
        httpserver.expect_request(path, method="POST").respond_with_json(OK)
    return ImagesApi(client_for(httpserver.url_for("/v1"), retries=0))


def last_request(httpserver: HTTPServer) -> Request:
    assert httpserver.log, "the server received nothing"
    return httpserver.log[-1][0]


def test_generation_sends_only_the_fields_set(api: ImagesApi, httpserver: HTTPServer) -> None:
    api.create_image(CreateImageRequest(prompt="A cute baby sea otter", n=2))
    req = last_request(httpserver)
    assert json.loads(req.get_data()) == {"prompt": "A cute baby sea otter", "n": 2}
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["Accept"] == "application/json"


def test_generation_with_every_field(api: ImagesApi, httpserver: HTTPServer) -> None:
    body = {
        "prompt": "p",
        "model": "dall-e-3",
        "n": 1,
        "quality": "hd",
        "response_format": "b64_json",
        "size": "1792x1024",
        "style": "natural",
        "user": "user-1234",
    }
    api.create_image(CreateImageRequest(**body))
    assert json.loads(last_request(httpserver).get_data()) == body


def test_empty_model_wrapper_is_not_sent(api: ImagesApi, httpserver: HTTPServer) -> None:
    api.create_image(CreateImageRequest(prompt="p", model=openapiopenai.CreateImageRequestModel()))
    assert json.loads(last_request(httpserver).get_data()) == {"prompt": "p"}


def test_model_wrapper_with_a_name_is_sent_as_a_string(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    api.create_image(
        CreateImageRequest(prompt="p", model=openapiopenai.CreateImageRequestModel("dall-e-3"))
    )
    assert json.loads(last_request(httpserver).get_data())["model"] == "dall-e-3"


def test_a_dict_is_accepted_as_the_generation_request(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    api.create_image({"prompt": "p", "size": "512x512"})
    assert json.loads(last_request(httpserver).get_data()) == {"prompt": "p", "size": "512x512"}


def test_authorization_and_user_agent(api: ImagesApi, httpserver: HTTPServer) -> None:
    api.create_image(CreateImageRequest(prompt="p"))
    req = last_request(httpserver)
    assert req.headers["Authorization"] == f"Bearer {API_KEY}"
    major, minor = sys.version_info[:2]
    assert req.headers["User-Agent"] == (
        f"openapiopenai/{openapiopenai.__version__} python/{major}.{minor}"
    )


def test_per_call_headers_are_sent_and_the_callers_dict_is_untouched(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    extra = {"X-Trace": "abc", "OpenAI-Organization": "org-1"}
    api.create_image(CreateImageRequest(prompt="p"), _headers=extra)
    req = last_request(httpserver)
    assert req.headers["X-Trace"] == "abc"
    assert req.headers["OpenAI-Organization"] == "org-1"
    assert extra == {"X-Trace": "abc", "OpenAI-Organization": "org-1"}


def test_default_header_from_the_client_constructor(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json(OK)
    config = openapiopenai.Configuration(host=httpserver.url_for("/v1"), access_token=API_KEY)
    with openapiopenai.ApiClient(config, header_name="X-Team", header_value="imaging") as client:
        ImagesApi(client).create_image(CreateImageRequest(prompt="p"))
    assert last_request(httpserver).headers["X-Team"] == "imaging"


def test_request_auth_replaces_the_configured_key(api: ImagesApi, httpserver: HTTPServer) -> None:
    auth = {"in": "header", "type": "bearer", "key": "Authorization", "value": "Bearer other"}
    api.create_image(CreateImageRequest(prompt="p"), _request_auth=auth)
    assert last_request(httpserver).headers["Authorization"] == "Bearer other"


def test_header_values_with_line_breaks_are_rejected_before_sending(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    with pytest.raises(ApiValueError, match="X-Bad"):
        api.create_image(CreateImageRequest(prompt="p"), _headers={"X-Bad": "a\r\nInjected: 1"})
    assert httpserver.log == []


def test_request_timeout_as_a_float_limits_the_read(
    httpserver: HTTPServer, client_for: Callable[..., openapiopenai.ApiClient]
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response(json.dumps(OK), content_type="application/json")

    httpserver.expect_request("/v1/images/generations").respond_with_handler(slow)
    api = ImagesApi(client_for(httpserver.url_for("/v1"), retries=0))
    started = time.monotonic()
    with pytest.raises(ApiTimeoutError) as info:
        api.create_image(CreateImageRequest(prompt="p"), _request_timeout=0.2)
    assert info.value.phase == "read"
    assert time.monotonic() - started < 0.9
    # And a (connect, read) pair with room to spare succeeds.
    assert api.create_image(CreateImageRequest(prompt="p"), _request_timeout=(1.0, 5.0)).created


@pytest.mark.parametrize("bad", [0, -1, "5", (1.0,), (1.0, 2.0, 3.0), (1.0, "x")])
def test_bad_request_timeouts_are_rejected_before_sending(
    api: ImagesApi, httpserver: HTTPServer, bad: Any
) -> None:
    with pytest.raises(ApiValueError, match="_request_timeout"):
        api.create_image(CreateImageRequest(prompt="p"), _request_timeout=bad)
    assert httpserver.log == []


# -- multipart -------------------------------------------------------------------


def parts(req: Request) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    fields = {k: v for k, v in req.form.items()}
    files = {k: (f.filename or "", f.content_type or "", f.read()) for k, f in req.files.items()}
    return fields, files


def test_edit_multipart_fields_and_files(
    api: ImagesApi, httpserver: HTTPServer, png: bytes, mask_png: bytes
) -> None:
    api.create_image_edit(
        png,
        "Add a hat",
        mask=mask_png,
        model="dall-e-2",
        n=2,
        size="512x512",
        response_format="b64_json",
        user="user-1",
    )
    req = last_request(httpserver)
    assert req.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    fields, files = parts(req)
    assert fields == {
        "prompt": "Add a hat",
        "model": "dall-e-2",
        "n": "2",
        "size": "512x512",
        "response_format": "b64_json",
        "user": "user-1",
    }
    assert files == {
        "image": ("image.png", "image/png", png),
        "mask": ("mask.png", "image/png", mask_png),
    }
    assert int(req.headers["Content-Length"]) == len(req.get_data())


def test_edit_unset_optional_fields_are_not_sent(
    api: ImagesApi, httpserver: HTTPServer, png: bytes
) -> None:
    api.create_image_edit(png, "p", model=CreateImageEditRequestModel())
    fields, files = parts(last_request(httpserver))
    assert fields == {"prompt": "p"}
    assert set(files) == {"image"}


def test_variation_fields(api: ImagesApi, httpserver: HTTPServer, png: bytes) -> None:
    api.create_image_variation(png, n=3, response_format="url", size="256x256", user="u")
    fields, files = parts(last_request(httpserver))
    assert fields == {"n": "3", "response_format": "url", "size": "256x256", "user": "u"}
    assert files["image"] == ("image.png", "image/png", png)


@pytest.mark.parametrize(
    "kind",
    ["bytes", "bytearray", "memoryview", "str_path", "pathlib", "file", "tuple2", "tuple3"],
)
def test_every_input_kind_goes_out_as_a_png_part(
    kind: str, api: ImagesApi, httpserver: HTTPServer, png: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "otter.png"
    path.write_bytes(png)
    expected_name = "otter.png"
    value: Any
    if kind == "bytes":
        value, expected_name = png, "image.png"
    elif kind == "bytearray":
        value, expected_name = bytearray(png), "image.png"
    elif kind == "memoryview":
        value, expected_name = memoryview(png), "image.png"
    elif kind == "str_path":
        value = str(path)
    elif kind == "pathlib":
        value = path
    elif kind == "file":
        value = path.open("rb")
    elif kind == "tuple2":
        value = ("otter.png", png)
    else:
        value = ("otter.png", io.BytesIO(png), "image/png")
    api.create_image_variation(value)
    _, files = parts(last_request(httpserver))
    assert files["image"] == (expected_name, "image/png", png)
    if kind == "file":
        value.close()


def test_a_png_named_without_extension_gets_png(
    api: ImagesApi, httpserver: HTTPServer, png: bytes
) -> None:
    api.create_image_variation(("upload", png))
    _, files = parts(last_request(httpserver))
    assert files["image"][:2] == ("upload.png", "image/png")


def test_a_file_object_is_sent_from_its_current_position(
    api: ImagesApi, httpserver: HTTPServer, png: bytes
) -> None:
    stream = io.BytesIO(b"JUNK" + png)
    stream.seek(4)
    api.create_image_variation(stream)
    _, files = parts(last_request(httpserver))
    assert files["image"][2] == png


def test_text_mode_files_are_a_type_error(
    api: ImagesApi, httpserver: HTTPServer, tmp_path: Path
) -> None:
    path = tmp_path / "x.png"
    path.write_text("not binary")
    with path.open("r") as f, pytest.raises(openapiopenai.ApiTypeError, match="image"):
        api.create_image_variation(f)
    assert httpserver.log == []


def test_missing_paths_are_a_value_error_naming_the_parameter(
    api: ImagesApi, httpserver: HTTPServer, png: bytes, tmp_path: Path
) -> None:
    with pytest.raises(ApiValueError, match="mask: no such file"):
        api.create_image_edit(png, "p", mask=str(tmp_path / "nope.png"))
    assert httpserver.log == []


def test_a_path_with_a_nul_is_a_value_error_naming_the_parameter(
    api: ImagesApi, httpserver: HTTPServer, png: bytes
) -> None:
    # os.stat would raise a bare ValueError ("embedded null byte"); found by hypothesis.
    with pytest.raises(ApiValueError, match="image: a path cannot contain NUL"):
        api.create_image_variation("otter\x00.png")
    with pytest.raises(ApiValueError, match=r"image\[1\]: a path cannot contain NUL"):
        api.create_image_edit([png, "b\x00"], "p", model="gpt-image-1")
    assert httpserver.log == []


def test_non_ascii_and_quote_filenames_are_escaped(
    api: ImagesApi, httpserver: HTTPServer, png: bytes
) -> None:
    api.create_image_variation(('ot"ter\r\nX: y.png', png))
    raw = last_request(httpserver).get_data()
    assert b'filename="ot%22ter%0D%0AX: y.png"' in raw


def test_a_file_name_undecodable_on_disk_is_sent_with_replacement_characters(
    api: ImagesApi, httpserver: HTTPServer, png: bytes, tmp_path: Path
) -> None:
    if sys.platform == "win32" or sys.platform == "darwin":
        pytest.skip("only POSIX file systems other than APFS keep undecodable names")
    raw_path = bytes(tmp_path) + b"/ot\xffter.png"
    with open(raw_path, "wb") as f:
        f.write(png)
    api.create_image_variation(os.fsdecode(raw_path))  # "ot\udcffter.png"
    assert 'filename="ot\ufffdter.png"'.encode() in last_request(httpserver).get_data()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda api, png: api.create_image({"prompt": "a\ud800"}), "prompt: the text has a lone"),
        (
            lambda api, png: api.create_image(CreateImageRequest(prompt="p", user="\udcff")),
            "user: the text has a lone surrogate (U+DCFF, at position 0)",
        ),
        (
            lambda api, png: api.create_image(
                CreateImageRequest(prompt="p", model="gpt-image-\ud801")
            ),
            "model: the text has a lone surrogate",
        ),
        (lambda api, png: api.create_image_edit(png, "a\ud800"), "prompt: the text has a lone"),
        (lambda api, png: api.create_image_variation(png, user="u\ud800"), "user: the text"),
        (
            lambda api, png: api.create_image_variation(("ot\ud800.png", png)),
            "image: the file name has a lone surrogate",
        ),
        (
            lambda api, png: api.create_image_variation(("otter.png", png, "image/\ud800")),
            "image: the content type has a lone surrogate",
        ),
    ],
)
def test_text_utf8_cannot_carry_is_a_value_error_naming_the_parameter(
    api: ImagesApi, httpserver: HTTPServer, png: bytes, call: Any, message: str
) -> None:
    # Lone surrogates (from os.fsdecode of undecodable bytes, or bad text) used to escape
    # as a bare UnicodeEncodeError or PydanticSerializationError from the encoders.
    with pytest.raises(ApiValueError, match=re.escape(message)):
        call(api, png)
    assert httpserver.log == []


def test_header_text_latin1_cannot_carry_is_a_value_error_that_hides_the_value(
    httpserver: HTTPServer, client_for: Callable[..., openapiopenai.ApiClient]
) -> None:
    api = ImagesApi(client_for(httpserver.url_for("/v1")))
    with pytest.raises(ApiValueError, match="header X-Team: the value has a character outside"):
        api.create_image({"prompt": "p"}, _headers={"X-Team": "caf\u00e9 \u20ac"})
    secret = "sk-live-\u20ac0123456789abcdef"
    keyed = ImagesApi(client_for(httpserver.url_for("/v1"), access_token=secret))
    with pytest.raises(ApiValueError, match="header Authorization: the value has") as caught:
        keyed.create_image({"prompt": "p"})
    assert secret not in str(caught.value) and "0123456789" not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert httpserver.log == []


@pytest.mark.parametrize("bad", [1, -1, True, "0"])
def test_host_index_other_than_the_specs_server_is_rejected_before_sending(
    api: ImagesApi, httpserver: HTTPServer, bad: Any
) -> None:
    with pytest.raises(ApiValueError, match="_host_index"):
        api.create_image(CreateImageRequest(prompt="p"), _host_index=bad)
    assert httpserver.log == []
    api.create_image(CreateImageRequest(prompt="p"), _host_index=0)
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda api, png: api.create_image({"prompt": "p"}, _request_timout=1),
            "_request_timout: is not a parameter of create_image; did you mean _request_timeout?",
        ),
        (
            lambda api, png: api.create_image_edit(png, "p", maks=png),
            "maks: is not a parameter of create_image_edit",
        ),
        (
            lambda api, png: api.create_image_variation_with_http_info(png, prompt="p"),
            "prompt: is not a parameter of create_image_variation",
        ),
        (
            lambda api, png: api.create_image({"prompt": "p"}, _headers=["X-A: b"]),
            "_headers: expected a mapping of names to values, got list",
        ),
        (
            lambda api, png: api.create_image({"prompt": "p"}, _content_type=5),
            "_content_type: expected a media type string, got int",
        ),
        (
            lambda api, png: api.create_image({"prompt": "p"}, _request_auth={"in": "header"}),
            "_request_auth: needs a string 'key'",
        ),
        (
            lambda api, png: api.create_image(
                {"prompt": "p"}, _request_auth={"in": "cookie", "key": "k", "value": "v"}
            ),
            "_request_auth: 'in' must be 'header' or 'query', got 'cookie'",
        ),
        (
            lambda api, png: api.create_image(
                {"prompt": "p"}, _request_auth={"in": "query", "key": "k", "value": "\ud800sk-x"}
            ),
            "_request_auth: the value has characters UTF-8 cannot encode",
        ),
        (
            lambda api, png: api.create_image(
                {"prompt": "p"}, _request_auth={"in": "header", "key": "X Key", "value": "v"}
            ),
            "header 'X Key': not a valid header name",
        ),
    ],
)
def test_unknown_keywords_and_misshapen_options_are_refused_before_sending(
    api: ImagesApi, httpserver: HTTPServer, png: bytes, call: Any, message: str
) -> None:
    # Every operation takes **options: a misspelt keyword used to be dropped silently,
    # sending (and billing) an edit without the mask the caller meant to give.
    with pytest.raises((openapiopenai.ApiTypeError, ApiValueError), match=re.escape(message)):
        call(api, png)
    assert httpserver.log == []


def test_odd_uploads_and_a_sloppy_size_are_refused_before_sending(
    api: ImagesApi, httpserver: HTTPServer, png: bytes, tmp_path: Path
) -> None:
    with pytest.raises(ApiValueError, match="image: the content type must not contain CR, LF"):
        api.create_image_variation(("a.png", png, "image/png\r\nX-Injected: yes"))
    path = tmp_path / "otter.png"
    path.write_bytes(png)
    with path.open("rb") as f:
        pass
    with pytest.raises(ApiValueError, match="image: the file object is closed"):
        api.create_image_edit(f, "p")
    closed = io.BytesIO(png)
    closed.close()
    with pytest.raises(ApiValueError, match="mask: the file object is closed"):
        api.create_image_edit(png, "p", mask=closed)
    with pytest.raises(ApiValueError, match="size: '1024x1024\\\\n' for gpt-image-2"):
        api.create_image({"prompt": "p", "model": "gpt-image-2", "size": "1024x1024\n"})
    assert httpserver.log == []


def test_assert_hostname_is_a_tls_setting_that_plain_http_ignores(
    httpserver: HTTPServer, client_for: Callable[..., openapiopenai.ApiClient]
) -> None:
    # urllib3 handed it to HTTPConnection, which refused it on every plain-http call.
    httpserver.expect_request("/v1/images/generations").respond_with_json(OK)
    api = ImagesApi(client_for(httpserver.url_for("/v1"), assert_hostname=False))
    assert api.create_image({"prompt": "p"}).data[0].url == "https://example.test/a.png"


@pytest.mark.parametrize("timeout", [math.inf, (1.0, math.inf), 10**400])
def test_an_infinite_timeout_means_no_limit(
    api: ImagesApi, httpserver: HTTPServer, timeout: Any
) -> None:
    # The socket layer cannot take inf (OverflowError): it is sent as "no limit".
    assert api.create_image({"prompt": "p"}, _request_timeout=timeout).created == 1700000000
    assert len(httpserver.log) == 1
    expected_connect = 1.0 if isinstance(timeout, tuple) else None
    translated = openapiopenai.rest.to_urllib3_timeout(timeout)
    assert (translated.connect_timeout, translated.read_timeout) == (expected_connect, None)


def test_a_finite_timeout_beyond_the_socket_layer_is_refused(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    with pytest.raises(ApiValueError, match="_request_timeout: at most 1000000000 seconds"):
        api.create_image({"prompt": "p"}, _request_timeout=1e30)
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"": "x"}, "header '': not a valid header name"),
        ({"X:Y": "x"}, "header 'X:Y': not a valid header name"),
        ({"X Team": "x"}, "header 'X Team': not a valid header name"),  # a space ended the
        ({"X-Équipe": "x"}, "header 'X-Équipe': not a valid header name"),  # header block
        ({"Content-Length": "5"}, "_headers: Content-Length is set by the client"),
        ({"transfer-encoding": "chunked"}, "_headers: transfer-encoding is set by the client"),
    ],
)
def test_header_names_must_be_tokens_and_framing_is_the_clients(
    api: ImagesApi, httpserver: HTTPServer, headers: dict[str, str], message: str
) -> None:
    with pytest.raises(ApiValueError, match=re.escape(message)):
        api.create_image({"prompt": "p"}, _headers=headers)
    with pytest.raises(ApiValueError, match="not a valid header name"):
        api.api_client.set_default_header("X Team", "x")
    assert httpserver.log == []


@pytest.mark.parametrize("value", [None, b"team-a", ["a"], True])
def test_a_header_value_that_is_not_text_is_refused(
    api: ImagesApi, httpserver: HTTPServer, value: object
) -> None:
    # str() used to send "None", "b'team-a'" or "['a']" as the value.
    with pytest.raises(openapiopenai.ApiTypeError, match="header X-Team: the value must be"):
        api.create_image({"prompt": "p"}, _headers={"X-Team": value})
    assert httpserver.log == []


class _FailingFile(io.BytesIO):
    """A file object whose reads fail, like a file on a disk that went away."""

    def read(self, size: Optional[int] = -1) -> bytes:
        raise OSError(5, "Input/output error")


def test_a_file_object_that_cannot_be_read_is_a_value_error_naming_it(
    api: ImagesApi, httpserver: HTTPServer, png: bytes
) -> None:
    with pytest.raises(ApiValueError, match=r"^image: could not be read: \[Errno 5\]"):
        api.create_image_variation(_FailingFile(png))
    with pytest.raises(ApiValueError, match=r"^mask: could not be read: \[Errno 5\]"):
        api.create_image_edit(png, "p", mask=_FailingFile(png))
    assert httpserver.log == []
