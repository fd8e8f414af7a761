"""Error statuses map to the generated client's exception classes, with readable text."""

from __future__ import annotations

import json
from typing import Callable

import pytest
from pytest_httpserver import HTTPServer

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi
from openapiopenai import exceptions as exc

from conftest import API_KEY


def openai_error(message: str, *, code: str | None = None, param: str | None = None) -> dict:
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": param,
            "code": code,
        }
    }


@pytest.fixture
def api(httpserver: HTTPServer, client_for: Callable[..., openapiopenai.ApiClient]) -> ImagesApi:
    return ImagesApi(client_for(httpserver.url_for("/v1"), retries=0))


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, exc.BadRequestException),
        (401, exc.UnauthorizedException),
        (403, exc.ForbiddenException),
        (404, exc.NotFoundException),
        (409, exc.ConflictException),
        (422, exc.UnprocessableEntityException),
        (429, exc.RateLimitException),
        (418, exc.ApiException),
        (500, exc.ServiceException),
        (503, exc.ServiceException),
        (599, exc.ServiceException),
    ],
)
def test_each_status_maps_to_its_class(
    status: int, cls: type[exc.ApiException], api: ImagesApi, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json(
        openai_error("Something is off.", code="some_code", param="size"),
        status=status,
        headers={"x-request-id": "req_abc123"},
    )
    with pytest.raises(exc.ApiException) as info:
        api.create_image(CreateImageRequest(prompt="p"))
    err = info.value
    assert type(err) is cls
    assert err.status == status
    assert err.request_id == "req_abc123"
    assert err.error is not None
    assert (err.error.message, err.error.type, err.error.param, err.error.code) == (
        "Something is off.",
        "invalid_request_error",
        "size",
        "some_code",
    )
    assert err.param == "size" and err.code == "some_code"
    assert isinstance(err.body, str) and json.loads(err.body) == openai_error(
        "Something is off.", code="some_code", param="size"
    )
    text = str(err)
    assert "\n" not in text
    assert str(status) in text
    assert "Something is off." in text
    assert "req_abc123" in text
    assert "some_code" in text


def test_rate_limit_is_also_an_api_exception() -> None:
    assert issubclass(exc.RateLimitException, exc.ApiException)
    assert issubclass(exc.ContentPolicyViolationException, exc.BadRequestException)


@pytest.mark.parametrize("code", ["content_policy_violation", "moderation_blocked"])
def test_safety_rejections_get_their_own_class(
    code: str, api: ImagesApi, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json(
        openai_error("Your request was rejected by the safety system.", code=code), status=400
    )
    with pytest.raises(exc.ContentPolicyViolationException) as info:
        api.create_image(CreateImageRequest(prompt="p"))
    assert isinstance(info.value, exc.BadRequestException)
    assert info.value.code == code


def test_html_502_is_a_service_exception_with_a_short_excerpt(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    html = "<html><head><title>502 Bad Gateway</title></head><body>" + "x" * 5000 + "</body>"
    httpserver.expect_request("/v1/images/generations").respond_with_data(
        html, status=502, content_type="text/html"
    )
    with pytest.raises(exc.ServiceException) as info:
        api.create_image(CreateImageRequest(prompt="p"))
    err = info.value
    assert err.error is None
    assert err.body == html and err.raw_body == html.encode()
    text = str(err)
    assert text.startswith("502")
    assert "502 Bad Gateway" in text
    assert len(text) < 300 and "\n" not in text


def test_str_does_not_dump_headers(api: ImagesApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json(
        openai_error("bad"), status=400, headers={"X-Internal": "do-not-show"}
    )
    with pytest.raises(exc.BadRequestException) as info:
        api.create_image(CreateImageRequest(prompt="p"))
    assert "do-not-show" not in str(info.value)
    assert info.value.headers["X-Internal"] == "do-not-show"


def test_a_200_with_a_non_json_body_is_a_clear_api_exception(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_data(
        "<html>maintenance</html>", status=200, content_type="text/html"
    )
    with pytest.raises(exc.ApiResponseValidationError) as info:
        api.create_image(CreateImageRequest(prompt="p"))
    assert isinstance(info.value, exc.ApiException)
    text = str(info.value)
    assert "not a valid ImagesResponse" in text and "text/html" in text
    assert "\n" not in text


def test_a_200_with_the_wrong_json_shape_is_a_clear_api_exception(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json({"data": "nope"})
    with pytest.raises(exc.ApiResponseValidationError, match="ImagesResponse"):
        api.create_image(CreateImageRequest(prompt="p"))


def test_error_body_echoing_the_key_is_redacted(api: ImagesApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json(
        openai_error(f"Incorrect API key provided: {API_KEY}."), status=401
    )
    with pytest.raises(exc.UnauthorizedException) as info:
        api.create_image(CreateImageRequest(prompt="p"))
    assert API_KEY not in str(info.value)
    assert API_KEY not in (info.value.body or "")
    assert API_KEY.encode() not in (info.value.raw_body or b"")
    assert API_KEY not in repr(info.value.error)


def test_connection_refused_is_an_api_connection_error(
    client_for: Callable[..., openapiopenai.ApiClient],
) -> None:
    from conftest import free_port

    api = ImagesApi(client_for(f"http://127.0.0.1:{free_port()}/v1", retries=0))
    with pytest.raises(exc.ApiConnectionError) as info:
        api.create_image(CreateImageRequest(prompt="p"))
    assert info.value.request_sent is False
    assert isinstance(info.value, exc.ApiException)
    assert info.value.__cause__ is not None
    assert "could not connect" in str(info.value)


def test_without_preload_content_returns_the_raw_response_for_any_status(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json(
        openai_error("nope"), status=400
    )
    raw = api.create_image_without_preload_content(CreateImageRequest(prompt="p"))
    assert raw.status == 400
    assert json.loads(raw.read())["error"]["message"] == "nope"
    raw.close()


def test_with_http_info_returns_status_headers_and_raw_bytes(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    body = {"created": 5, "data": [{"b64_json": "aGk="}]}
    httpserver.expect_request("/v1/images/generations").respond_with_json(
        body, headers={"x-request-id": "req_1"}
    )
    resp = api.create_image_with_http_info(CreateImageRequest(prompt="p"))
    assert resp.status_code == 200
    assert resp.headers is not None and resp.headers["x-request-id"] == "req_1"
    assert resp.request_id == "req_1"
    assert json.loads(resp.raw_data) == body
    assert resp.data.data[0].b64_json == "aGk="
    assert resp.retries == 0


def test_per_call_credentials_echoed_in_an_error_are_redacted(
    api: ImagesApi, httpserver: HTTPServer
) -> None:
    per_call = "sk-per-call-credential-77777"
    httpserver.expect_request("/v1/images/generations").respond_with_json(
        openai_error(f"Incorrect API key provided: {per_call}."), status=401
    )
    auth = {"in": "header", "key": "Authorization", "value": f"Bearer {per_call}"}
    with pytest.raises(exc.UnauthorizedException) as info:
        api.create_image(CreateImageRequest(prompt="p"), _request_auth=auth)
    assert per_call not in str(info.value)
    with pytest.raises(exc.UnauthorizedException) as info:
        api.create_image(CreateImageRequest(prompt="p"), _headers={"api-key": per_call})
    assert per_call not in str(info.value)
    assert per_call not in (info.value.body or "")
    assert per_call.encode() not in (info.value.raw_body or b"")


def test_invalid_body_message_has_no_pydantic_link(api: ImagesApi, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json({"data": "nope"})
    with pytest.raises(exc.ApiResponseValidationError) as info:
        api.create_image(CreateImageRequest(prompt="p"))
    assert "errors.pydantic.dev" not in str(info.value)
