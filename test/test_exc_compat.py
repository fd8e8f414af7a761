"""Exceptions built and used as code written against the generated client does.

The expected values are what openapi-generator 7.26's ``exceptions.py`` gives for the same
calls (constructors, ``path_to_item`` rendering, ``from_response`` raising the mapped
class, ``body`` as text, ``headers`` ``None`` without a response).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator

import pytest
import urllib3

import openapiopenai
from openapiopenai import exceptions
from openapiopenai.exceptions import (
    ApiAttributeError,
    ApiException,
    ApiKeyError,
    ApiTypeError,
    ApiValueError,
    OpenApiException,
    render_path,
)
from openapiopenai.testing import ImagesServer, openai_error

from conftest import free_port


@pytest.fixture(scope="module")
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as running:
        yield running


def real_response(server: ImagesServer, status: int, body: object) -> urllib3.BaseHTTPResponse:
    """A response as the generated client's rest layer has it: read, from a socket."""
    server.respond_with(status, body, headers={"x-request-id": f"req_{status}"})  # type: ignore[arg-type]
    with urllib3.PoolManager() as pool:
        return pool.request("POST", server.url + "/images/generations", body=b"{}")


def test_input_errors_take_the_generated_constructors() -> None:
    e = ApiTypeError("Invalid type", ["data", 0, "url"], (str, int), True)
    assert str(e) == "Invalid type at ['data'][0]['url']"
    assert (e.path_to_item, e.valid_classes, e.key_type) == (["data", 0, "url"], (str, int), True)
    assert isinstance(e, TypeError) and isinstance(e, OpenApiException)
    assert str(ApiTypeError("no path")) == "no path"
    assert ApiTypeError("m").path_to_item is None and ApiTypeError("m").args == ("m",)
    assert str(ApiValueError("bad", ["a", 0])) == "bad at ['a'][0]"
    assert str(ApiAttributeError("x", [1])) == "x at [1]"
    # KeyError's str() is the repr of its argument, in the generated client too.
    assert str(ApiKeyError("k", ["a"])) == "\"k at ['a']\""
    assert str(ApiKeyError("k")) == "'k'"
    for cls, base in (
        (ApiValueError, ValueError),
        (ApiAttributeError, AttributeError),
        (ApiKeyError, KeyError),
    ):
        assert list(inspect.signature(cls).parameters) == ["msg", "path_to_item"]
        error = cls("m", path_to_item=["x"])
        assert isinstance(error, base) and error.path_to_item == ["x"]
    assert list(inspect.signature(ApiTypeError).parameters) == [
        "msg",
        "path_to_item",
        "valid_classes",
        "key_type",
    ]
    assert render_path(["a", 0, "b", 12]) == "['a'][0]['b'][12]"
    assert issubclass(ApiException, OpenApiException)


def test_api_exception_signature_is_the_generated_one() -> None:
    params = inspect.signature(ApiException).parameters
    assert list(params)[:5] == ["status", "reason", "http_resp", "body", "data"]
    assert [params[n].kind for n in ("status", "reason", "http_resp")] == [
        inspect.Parameter.POSITIONAL_OR_KEYWORD
    ] * 3
    assert params["body"].kind is params["data"].kind is inspect.Parameter.KEYWORD_ONLY
    assert all(params[n].default is None for n in ("status", "reason", "http_resp", "body"))


def test_hand_built_exception_with_a_text_body() -> None:
    e = ApiException(status=400, reason="Bad Request", body='{"error": "x"}')
    assert e.body == '{"error": "x"}' and e.raw_body == b'{"error": "x"}'
    assert e.headers is None and e.request_id is None and e.data is None
    assert str(e) == '400 Bad Request: {"error": "x"}'
    positional = ApiException(404, "Not Found")
    assert (positional.status, positional.reason, positional.body) == (404, "Not Found", None)
    assert positional.headers is None
    assert str(ApiException()) == "ApiException"


def test_http_resp_fills_status_reason_headers_and_text_body(server: ImagesServer) -> None:
    body = openai_error("Bad size.", param="size", code="invalid_size")
    response = real_response(server, 400, body)
    e = ApiException(http_resp=response)
    assert (e.status, e.reason) == (400, "Bad Request")
    assert isinstance(e.body, str) and json.loads(e.body) == body
    assert e.raw_body == response.data
    assert e.headers is response.headers and e.headers["X-Request-ID"] == "req_400"
    assert e.request_id == "req_400"
    assert "\n" not in str(e) and str(e).endswith("[request id: req_400]")
    # Explicit arguments win over the response, as generated.
    e = ApiException(499, "Mine", http_resp=response, body="given")
    assert (e.status, e.reason, e.body, e.raw_body) == (499, "Mine", "given", b"given")
    # A response built by hand, as tests of generated clients build them.
    built = urllib3.HTTPResponse(body=b"\xffnot utf-8", status=502, reason="Bad Gateway")
    e = ApiException(http_resp=built)
    assert (e.status, e.raw_body, e.body) == (502, b"\xffnot utf-8", "\ufffdnot utf-8")
    assert e.headers is not None and dict(e.headers) == {}


@pytest.mark.parametrize(
    "status, name",
    [
        (400, "BadRequestException"),
        (401, "UnauthorizedException"),
        (403, "ForbiddenException"),
        (404, "NotFoundException"),
        (409, "ConflictException"),
        (422, "UnprocessableEntityException"),
        (500, "ServiceException"),
        (503, "ServiceException"),
        (418, "ApiException"),
    ],
)
def test_from_response_raises_the_mapped_class(
    server: ImagesServer, status: int, name: str
) -> None:
    response = real_response(server, status, openai_error("nope"))
    text = response.data.decode()
    with pytest.raises(ApiException) as info:
        ApiException.from_response(http_resp=response, body=text, data=None)
    assert type(info.value) is getattr(exceptions, name)
    assert info.value.status == status and info.value.body == text
    assert info.value.request_id == f"req_{status}"
    # The generated idiom `raise ApiException.from_response(...)` raises the same.
    with pytest.raises(getattr(exceptions, name)):
        raise ApiException.from_response(http_resp=response, body=text, data=None)


def test_status_errors_from_calls_carry_a_text_body(server: ImagesServer) -> None:
    config = openapiopenai.Configuration(host=server.url, access_token="sk-x", retries=0)
    with openapiopenai.ApiClient(config) as client:
        server.respond_with(500, "upstream <b>failed</b>", headers={"x-request-id": "req_t"})
        with pytest.raises(openapiopenai.ServiceException) as info:
            openapiopenai.ImagesApi(client).create_image({"prompt": "p"})
    assert info.value.body == "upstream <b>failed</b>"
    assert info.value.raw_body == b"upstream <b>failed</b>"
    assert str(info.value) == (
        "500 Internal Server Error: upstream <b>failed</b> [request id: req_t]"
    )


def test_transport_errors_have_no_headers() -> None:
    config = openapiopenai.Configuration(host=f"http://127.0.0.1:{free_port()}/v1", retries=0)
    with (
        openapiopenai.ApiClient(config) as client,
        pytest.raises(openapiopenai.ApiConnectionError) as info,
    ):
        openapiopenai.ImagesApi(client).create_image({"prompt": "p"})
    e = info.value
    assert (e.status, e.headers, e.body, e.raw_body, e.request_id) == (None, None, None, None, None)
    assert e.request_sent is False
