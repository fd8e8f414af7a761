"""Every exception crosses process boundaries: pickle and copy keep type and attributes."""

from __future__ import annotations

import concurrent.futures
import copy
import inspect
import json
import multiprocessing
import pickle
from collections.abc import Iterator
from typing import Any

import _exc_workers
import pytest
import urllib3

from openapiopenai import exceptions
from openapiopenai.models.error_response import ErrorResponse
from openapiopenai.testing import ImagesServer, openai_error

from conftest import API_KEY

ERROR_BODY = openai_error("Bad size.", param="size", code="invalid_size")


def _http_response(status: int) -> urllib3.BaseHTTPResponse:
    """A real response from the local server, answering ``status`` with an error body."""
    with ImagesServer() as server:
        server.respond_with(status, ERROR_BODY, headers={"x-request-id": "req_pickled"})
        with urllib3.PoolManager() as pool:
            return pool.request("POST", server.url + "/images/generations", body=b"{}")


def _instances() -> Iterator[exceptions.OpenApiException]:
    """One instance, with every attribute set, of each class in ``exceptions.__all__``."""
    response = _http_response(400)
    data = ErrorResponse.model_validate(ERROR_BODY)
    classes = [getattr(exceptions, name) for name in exceptions.__all__]
    classes = [c for c in classes if inspect.isclass(c) and issubclass(c, BaseException)]
    assert len(classes) >= 20
    for cls in classes:
        if issubclass(cls, exceptions.ApiTimeoutError):
            yield cls("timed out", phase="read", request_sent=True, retries=2)
        elif issubclass(cls, exceptions.ApiTransportError):
            yield cls("connection lost", request_sent=True, retries=1)
        elif issubclass(cls, exceptions.ApiException):
            yield cls(http_resp=response, body=response.data, data=data, retries=3)
            yield cls(status=418, reason="teapot", body="a text body")
        elif issubclass(cls, exceptions.ApiTypeError):
            yield cls("wrong type", ["data", 0, "url"], (str,), True)
        elif cls is exceptions.OpenApiException:
            yield cls("base")
        else:
            yield cls("bad value", ["data", 1])


ATTRIBUTES = (
    "args",
    "status",
    "reason",
    "body",
    "raw_body",
    "data",
    "error",
    "code",
    "param",
    "request_id",
    "request_sent",
    "phase",
    "retries",
    "transient",
    "path_to_item",
    "valid_classes",
    "key_type",
)


def _facts(error: BaseException) -> dict[str, Any]:
    facts: dict[str, Any] = {"type": type(error), "str": str(error)}
    for name in ATTRIBUTES:
        if hasattr(error, name):
            facts[name] = getattr(error, name)
    headers = getattr(error, "headers", None)
    facts["headers"] = None if headers is None else sorted(headers.items())
    return facts


@pytest.mark.parametrize("error", list(_instances()), ids=lambda e: type(e).__name__)
def test_every_exception_round_trips_through_pickle_and_copy(
    error: exceptions.OpenApiException,
) -> None:
    before = _facts(error)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert _facts(pickle.loads(pickle.dumps(error, protocol))) == before
    assert _facts(copy.copy(error)) == before
    assert _facts(copy.deepcopy(error)) == before
    if isinstance(error, exceptions.ApiException) and error.status == 400:
        assert json.loads(before["body"]) == ERROR_BODY
        assert before["raw_body"] == before["body"].encode()
        assert before["request_id"] == "req_pickled" and before["code"] == "invalid_size"


def test_a_process_pool_gets_every_result_and_error_back() -> None:
    kinds = list(_exc_workers.EXPECTED)
    assert len(kinds) == 20
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context) as pool:
        futures = {kind: pool.submit(_exc_workers.run, kind) for kind in kinds}
        outcomes = {kind: (f.exception(timeout=120), f) for kind, f in futures.items()}
    for kind, (error, future) in outcomes.items():
        expected_class, attributes = _exc_workers.EXPECTED[kind]
        assert not isinstance(error, concurrent.futures.process.BrokenProcessPool), kind
        if expected_class is None:
            assert error is None and future.result() == 2, kind
            continue
        assert type(error).__name__ == expected_class, (kind, error)
        assert type(error) is getattr(exceptions, expected_class)
        for name, value in attributes.items():
            assert getattr(error, name) == value, (kind, name)
        assert str(error)
        key = _exc_workers.API_KEY
        assert key not in str(error) and key.encode() not in pickle.dumps(error), kind
        if kind.isdigit() and kind != "401":  # the server echoed the key in these
            assert isinstance(error.body, str) and "[redacted]" in error.body, kind


def test_a_pickle_never_holds_the_api_key(client_for: Any) -> None:
    with ImagesServer() as server:
        api = _exc_workers.openapiopenai.ImagesApi(client_for(server.url, retries=0))
        server.respond_with(400, openai_error(f"key {API_KEY} is bad", code="x"))
        with pytest.raises(exceptions.BadRequestException) as info:
            api.create_image({"prompt": "p", "size": "256x256"})
    data = pickle.dumps(info.value)
    assert API_KEY.encode() not in data
    restored = pickle.loads(data)
    assert restored.error.message == "key [redacted] is bad"
    assert restored.raw_body is not None and b"[redacted]" in restored.raw_body
