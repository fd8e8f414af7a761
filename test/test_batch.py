"""``openapiopenai.batch``: concurrent requests on a bounded pool, results in input order."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

from openapiopenai import (
    ApiClient,
    ApiTypeError,
    ApiValueError,
    CreateImageRequest,
    ImagesApi,
    ImagesResponse,
    ServiceException,
)
from openapiopenai._png import read_png_info
from openapiopenai.batch import BatchResult, ImagesBatch, fan_out
from openapiopenai.testing import ImagesServer

DELAY = 0.5


@pytest.fixture
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as running:
        yield running


@pytest.fixture
def client(server: ImagesServer, client_for: Callable[..., ApiClient]) -> ApiClient:
    return client_for(server.url, retries=0)


def request(prompt: str = "a sea otter", **fields: object) -> CreateImageRequest:
    fields.setdefault("size", "256x256")
    return CreateImageRequest(prompt=prompt, response_format="b64_json", **fields)  # type: ignore[arg-type]


def width_of(response: ImagesResponse) -> int:
    return read_png_info(base64.b64decode(response.data[0].b64_json or "")).width


def test_results_come_back_in_input_order(client: ApiClient) -> None:
    sizes = ["1024x1024", "256x256", "512x512", "256x256"]

    def slowest_first(api: ImagesApi, size: str) -> ImagesResponse:
        time.sleep({"1024x1024": 0.3, "512x512": 0.15}.get(size, 0.0))
        return api.create_image(request(size=size))

    finished: list[int] = []
    results = ImagesBatch(client, max_workers=4).map(
        slowest_first, sizes, on_result=lambda r: finished.append(r.index)
    )
    assert finished[-1] == 0  # the first item finished last...
    assert [r.index for r in results] == [0, 1, 2, 3]  # ...and is still first
    assert [r.item for r in results] == sizes
    assert [width_of(r.unwrap()) for r in results] == [1024, 256, 512, 256]


def test_a_failed_item_carries_its_error_and_the_others_succeed(client: ApiClient) -> None:
    requests = [request(), {"prompt": "otter", "model": "dall-e-3", "n": 2}, request()]
    results = ImagesBatch(client).create_images(requests)
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, ApiValueError)
    assert results[1].value is None
    assert [e.index for e in results.errors] == [1]
    assert len(results.values) == 2 and not results.ok


def test_a_server_error_is_kept_per_item(server: ImagesServer, client: ApiClient) -> None:
    server.respond_with(500, {"error": {"message": "boom", "type": "server_error"}})
    results = ImagesBatch(client, max_workers=1).create_images([request(), request()])
    assert isinstance(results[0].error, ServiceException)
    assert results[1].ok


def test_unwrap_raises_the_first_error(client: ApiClient) -> None:
    items = [request(), {"prompt": "otter", "n": 11}, {"prompt": "otter", "size": "7x7"}]
    results = ImagesBatch(client).create_images(items)
    with pytest.raises(ApiValueError) as caught:
        results.unwrap()
    assert caught.value is results[1].error


def test_generate_fans_dall_e_3_out_to_one_image_per_call(
    server: ImagesServer, client: ApiClient
) -> None:
    dall_e_3 = request(model="dall-e-3", size="1024x1024", quality="standard")
    results = ImagesBatch(client, max_workers=8).generate(dall_e_3, n=8)
    assert results.ok and len(results) == 8
    assert len(results.images) == 8
    assert [r.json["n"] for r in server.requests] == [1] * 8
    assert all(r.json["model"] == "dall-e-3" for r in server.requests)


def test_fan_out_splits_n_within_each_models_per_call_limit() -> None:
    assert [r.n for r in fan_out(request(model="dall-e-3"), 3)] == [1, 1, 1]
    assert [r.n for r in fan_out(request(), 23)] == [10, 10, 3]
    assert [r.n for r in fan_out({"prompt": "otter", "model": "some-new-model"}, 12)] == [10, 2]
    with pytest.raises(ApiValueError, match="n: must be an int from 1 to 10000, got 0"):
        fan_out(request(), 0)


def test_requests_run_concurrently(server: ImagesServer, client: ApiClient) -> None:
    server.delay(DELAY, times=8)
    started = time.monotonic()
    results = ImagesBatch(client, max_workers=8).create_images([request()] * 8)
    elapsed = time.monotonic() - started
    assert results.ok
    assert elapsed < 8 * DELAY / 2  # one after another would take 4 s


def test_max_workers_bounds_the_requests_in_flight(server: ImagesServer, client: ApiClient) -> None:
    server.delay(DELAY, times=8)
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def counted(api: ImagesApi, item: CreateImageRequest) -> ImagesResponse:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            return api.create_image(item)
        finally:
            with lock:
                in_flight -= 1

    started = time.monotonic()
    results = ImagesBatch(client, max_workers=2).map(counted, [request()] * 8)
    elapsed = time.monotonic() - started
    assert results.ok
    assert peak == 2
    assert elapsed >= 4 * DELAY  # four rounds of two
    # The server saw them arrive in pairs: a third request only after one of two ended.
    arrivals = sorted(r.received_at for r in server.requests)
    assert all(later - earlier >= DELAY * 0.9 for earlier, later in zip(arrivals, arrivals[2:]))


def test_the_batch_saves_every_image_in_input_order(client: ApiClient, tmp_path: Path) -> None:
    sizes = ["256x256", "512x512", "256x256"]
    results = ImagesBatch(client).create_images([request(size=s) for s in sizes])
    paths = results.save(tmp_path, prefix="otter")
    assert [p.name for p in paths] == ["otter-0.png", "otter-1.png", "otter-2.png"]
    assert [read_png_info(p.read_bytes()).width for p in paths] == [256, 512, 256]


def test_an_empty_batch_makes_no_call(server: ImagesServer, client: ApiClient) -> None:
    results = ImagesBatch(client).create_images([])
    assert len(results) == 0 and results.ok
    assert server.requests == []


def test_max_workers_must_be_positive(client: ApiClient) -> None:
    with pytest.raises(ApiValueError, match="max_workers"):
        ImagesBatch(client, max_workers=0)


def test_a_result_is_a_value_or_an_error() -> None:
    ok: BatchResult[int] = BatchResult(0, "item", 42, None, 0.1)
    failed: BatchResult[int] = BatchResult(1, "item", None, ValueError("no"), 0.1)
    assert ok.ok and ok.unwrap() == 42
    assert not failed.ok
    with pytest.raises(ValueError, match="no"):
        failed.unwrap()


@pytest.mark.parametrize("requests", [{"prompt": "one otter"}, "otters", None, 5])
def test_one_request_instead_of_a_list_is_refused_before_sending(
    server: ImagesServer, client: ApiClient, requests: object
) -> None:
    # A dict or a string is iterable: it used to become "0 ok, N failed" of its keys.
    with pytest.raises(ApiTypeError, match=r"^requests: expected a list"):
        ImagesBatch(ImagesApi(client)).create_images(requests)  # type: ignore[arg-type]
    with pytest.raises(ApiTypeError, match=r"^items: expected a list"):
        ImagesBatch(ImagesApi(client)).map(lambda api, item: item, requests)  # type: ignore[arg-type]
    assert server.requests == []


def test_fan_out_refuses_an_absurd_number_of_images() -> None:
    with pytest.raises(ApiValueError, match="n: must be an int from 1 to 10000"):
        fan_out(request(), 10**9)  # used to build a billion request copies
