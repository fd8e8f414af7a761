"""``ApiResponse`` as the generated client has it: a pydantic model with its fields."""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Iterator

import pytest
import urllib3
from pydantic import BaseModel, ValidationError

import openapiopenai
from openapiopenai.api_response import ApiResponse
from openapiopenai.models.images_response import ImagesResponse
from openapiopenai.testing import ImagesServer


@pytest.fixture(scope="module")
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as running:
        yield running


def test_fields_order_and_kinds_are_the_generated_ones() -> None:
    assert issubclass(ApiResponse, BaseModel)
    assert ApiResponse.model_config.get("arbitrary_types_allowed") is True
    assert list(ApiResponse.model_fields)[:4] == ["status_code", "headers", "data", "raw_data"]
    params = inspect.signature(ApiResponse).parameters
    assert list(params)[:4] == ["status_code", "headers", "data", "raw_data"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
    assert params["headers"].default is None
    with pytest.raises(TypeError):
        ApiResponse(200, None, None, b"")  # type: ignore[misc]


def test_built_by_hand_it_validates_as_generated() -> None:
    response = ApiResponse(status_code=200, data={"created": 1}, raw_data=b"{}")
    assert response.headers is None and response.request_id is None and response.retries == 0
    assert response.model_dump() == {
        "status_code": 200,
        "headers": None,
        "data": {"created": 1},
        "raw_data": b"{}",
    }
    for bad in (
        {"status_code": "200", "data": 1, "raw_data": b""},
        {"status_code": 200, "data": 1, "raw_data": "text"},
        {"status_code": 200, "raw_data": b""},
        {"status_code": 200, "data": 1},
    ):
        with pytest.raises(ValidationError):
            ApiResponse(**bad)


def test_subscripted_it_validates_data_as_the_model() -> None:
    typed = ApiResponse[ImagesResponse]
    response = typed(status_code=200, data={"created": 1, "data": []}, raw_data=b"")
    assert isinstance(response.data, ImagesResponse) and response.data.created == 1
    with pytest.raises(ValidationError):
        typed(status_code=200, data={"data": "not a list"}, raw_data=b"")


def test_with_http_info_returns_one(server: ImagesServer) -> None:
    config = openapiopenai.Configuration(host=server.url, access_token="sk-x", retries=1)
    with openapiopenai.ApiClient(config) as client:
        server.respond_with(503, {"error": {"message": "busy"}}, headers={"Retry-After": "0"})
        response = openapiopenai.ImagesApi(client).create_image_with_http_info(
            {"prompt": "p", "size": "256x256", "response_format": "b64_json"}
        )
    assert isinstance(response, ApiResponse) and isinstance(response.data, ImagesResponse)
    assert response.status_code == 200 and response.retries == 1
    assert response.request_id == server.requests[-1].request_id
    assert isinstance(response.headers, urllib3.HTTPHeaderDict)  # case-insensitive
    assert response.headers["CONTENT-TYPE"].startswith("application/json")
    dumped = response.model_dump()
    assert list(dumped) == ["status_code", "headers", "data", "raw_data"]
    assert type(dumped["headers"]) is dict and dumped["raw_data"] == response.raw_data
    assert dumped["data"]["created"] == response.data.created
    assert response == response.model_copy()
    rebuilt = ApiResponse(
        status_code=200,
        headers=response.headers,
        data=response.data,
        raw_data=response.raw_data,
        retries=1,
    )
    assert response == rebuilt and response.model_fields_set == rebuilt.model_fields_set
    assert repr(response) == repr(rebuilt)
    restored = pickle.loads(pickle.dumps(response))
    assert (restored.status_code, restored.retries) == (200, 1)
    assert restored.raw_data == response.raw_data and restored.data == response.data
