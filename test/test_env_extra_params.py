"""``_extra_body`` / ``_extra_query``: parameters the SDK does not know yet, on the wire."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import openapiopenai
from openapiopenai import ApiTypeError, ApiValueError, CreateImageRequest
from openapiopenai.testing import ImagesServer

OK = {"created": 1, "data": [{"url": "https://example.com/a.png"}]}

Client = Callable[..., openapiopenai.ApiClient]


@pytest.fixture
def api(httpserver: HTTPServer, client_for: Client) -> openapiopenai.ImagesApi:
    return openapiopenai.ImagesApi(client_for(httpserver.url_for("/v1")))


@pytest.fixture
def seen(httpserver: HTTPServer) -> list[Request]:
    """Every request pytest-httpserver received, answered with a small ImagesResponse."""
    requests: list[Request] = []

    def handler(request: Request) -> Response:
        request.get_data()  # read it now: the body is gone once the response is sent
        requests.append(request)
        return Response(json.dumps(OK), content_type="application/json")

    httpserver.expect_request("/v1/images/generations").respond_with_handler(handler)
    httpserver.expect_request("/v1/images/variations").respond_with_handler(handler)
    httpserver.expect_request("/v1/images/edits").respond_with_handler(handler)
    return requests


def test_extra_body_is_merged_into_the_json_and_overrides_a_field(
    api: openapiopenai.ImagesApi, seen: list[Request]
) -> None:
    api.create_image(
        CreateImageRequest(prompt="otter", size="256x256", quality="standard"),
        _extra_body={"new_knob": {"level": 3, "tags": ["a", "é"]}, "quality": "hd"},
    )
    body = json.loads(seen[0].get_data())
    assert body == {
        "prompt": "otter",
        "size": "256x256",
        "quality": "hd",
        "new_knob": {"level": 3, "tags": ["a", "é"]},
    }
    assert seen[0].headers["Content-Length"] == str(len(seen[0].get_data()))


def test_extra_body_adds_form_fields_to_a_multipart_body(
    api: openapiopenai.ImagesApi, seen: list[Request], png: bytes
) -> None:
    api.create_image_variation(
        png, n=2, _extra_body={"new_knob": True, "strength": 0.5, "n": 3, "note": 'a"b'}
    )
    request = seen[0]
    assert request.form.to_dict() == {
        "n": "3",
        "new_knob": "true",
        "strength": "0.5",
        "note": 'a"b',
    }
    assert request.files["image"].read() == png
    assert request.headers["Content-Length"] == str(len(request.get_data()))


def test_extra_query_is_appended_percent_encoded(
    api: openapiopenai.ImagesApi, seen: list[Request]
) -> None:
    api.create_image(
        CreateImageRequest(prompt="otter"),
        _extra_query={"beta": True, "a b": "x&y=z/é", "tag": ["1", 2]},
    )
    raw = seen[0].query_string.decode("ascii")
    assert raw == "beta=true&a%20b=x%26y%3Dz/%C3%A9&tag=1&tag=2"  # "/" may stay in a query
    assert seen[0].args.getlist("tag") == ["1", "2"]


def test_extra_query_follows_the_azure_api_version(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/openai/deployments/d/images/generations").respond_with_json(OK)
    configuration = openapiopenai.Configuration.for_azure(
        endpoint=httpserver.url_for("/"), deployment="d", api_version="2025-04-01", api_key="k"
    )
    with openapiopenai.ApiClient(configuration) as client:
        openapiopenai.ImagesApi(client).create_image(
            CreateImageRequest(prompt="otter"), _extra_query={"x": "1"}
        )
    (request, _), *_ = httpserver.log
    assert request.query_string == b"api-version=2025-04-01&x=1"


def test_a_known_field_set_through_extra_body_reaches_the_local_server(
    client_for: Client,
) -> None:
    with ImagesServer() as server:
        api = openapiopenai.ImagesApi(client_for(server.url))
        api.create_image(CreateImageRequest(prompt="otter"), _extra_body={"size": "512x512"})
        assert server.requests[0].json == {"prompt": "otter", "size": "512x512"}


def test_unknown_keys_in_the_request_model_are_still_refused(
    api: openapiopenai.ImagesApi, seen: list[Request]
) -> None:
    with pytest.raises(ApiTypeError, match="new_knob: is not a parameter"):
        api.create_image({"prompt": "otter", "new_knob": 1})
    with pytest.raises(Exception, match="new_knob"):
        CreateImageRequest(prompt="otter", new_knob=1)  # type: ignore[call-arg]
    with pytest.raises(ApiTypeError, match=r"_extra_bdy.*did you mean _extra_body"):
        api.create_image({"prompt": "otter"}, _extra_bdy={"x": 1})  # type: ignore[call-arg]
    assert seen == []


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"_extra_body": ["x"]}, ApiTypeError, "_extra_body: expected a mapping"),
        ({"_extra_body": {1: "x"}}, ApiTypeError, "names must be strings"),
        ({"_extra_body": {"a\r\nb": 1}}, ApiValueError, "CR, LF or NUL"),
        ({"_extra_body": {"": 1}}, ApiValueError, "not a name"),
        ({"_extra_body": {"x": object()}}, ApiTypeError, "_extra_body: x: JSON cannot carry"),
        ({"_extra_body": {"x": {"y": [float("nan")]}}}, ApiValueError, r"x\.y\[0\]: JSON"),
        ({"_extra_body": {"x": {1: 2}}}, ApiTypeError, "object keys must be strings"),
        ({"_extra_body": {"x": "\ud800"}}, ApiValueError, "lone surrogate"),
        ({"_extra_body": {"stream": True}}, ApiValueError, "_stream call style"),
        ({"_extra_query": {"x": None}}, ApiTypeError, "x must be a string, number or boolean"),
        ({"_extra_query": {"x": {"y": 1}}}, ApiTypeError, "x must be a string, number"),
        ({"_extra_query": {"x": float("inf")}}, ApiValueError, "finite"),
    ],
)
def test_what_the_wire_cannot_carry_fails_before_sending(
    api: openapiopenai.ImagesApi,
    seen: list[Request],
    options: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        api.create_image({"prompt": "otter"}, **options)
    assert seen == []


def test_form_fields_must_be_scalars_and_files_stay_parameters(
    api: openapiopenai.ImagesApi, seen: list[Request], png: bytes
) -> None:
    with pytest.raises(ApiTypeError, match="_extra_body: x must be a string, number or boolean"):
        api.create_image_variation(png, _extra_body={"x": [1, 2]})
    with pytest.raises(ApiValueError, match="image is a file"):
        api.create_image_edit([png, png], "hat", _extra_body={"image": "x"})
    with pytest.raises(ApiValueError, match="mask is a file"):
        api.create_image_edit(png, "hat", mask=png, _extra_body={"mask": "x"})
    assert seen == []
    api.create_image_edit(png, "hat", mask=png, _extra_body={"ma": "x", "image_": "y"})
    assert seen[0].form.to_dict()["ma"] == "x"


def test_a_secret_in_an_extra_value_is_not_in_the_error(api: openapiopenai.ImagesApi) -> None:
    class Token:
        def __repr__(self) -> str:
            return "sk-secret-0123456789"

    with pytest.raises(ApiTypeError) as info:
        api.create_image({"prompt": "otter"}, _extra_body={"auth": Token()})
    assert "sk-secret" not in str(info.value)
