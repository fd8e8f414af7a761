"""Contract: Prism with request validation on (``--errors``) accepts every request shape of
FilesApi and BatchApi (batch/files spec) and every JSON edit shape (latest images spec)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import openapiopenai
from openapiopenai import (
    BatchApi,
    BatchRequestInput,
    CreateBatchRequest,
    CreateImageRequest,
    EditImageBodyJsonParam,
    FilesApi,
    ImageRefParam,
    ImagesApi,
    ImagesResponse,
)
from openapiopenai._request import ApiRequest

from _prism import run_prism
from conftest import API_KEY, SHARED, make_png

SPEC_BATCH_FILES = SHARED / "spec" / "openai-batch-files-latest.yaml"
SPEC_LATEST = SHARED / "spec" / "openai-images-latest.yaml"


def _client(url: str) -> openapiopenai.ApiClient:
    configuration = openapiopenai.Configuration(
        host=url, access_token=API_KEY, retries=0, timeout=(5.0, 30.0)
    )
    return openapiopenai.ApiClient(configuration)


@pytest.fixture(scope="module")
def prism_batch() -> Iterator[openapiopenai.ApiClient]:
    with run_prism(SPEC_BATCH_FILES) as url, _client(url) as client:
        yield client


@pytest.fixture(scope="module")
def prism_images() -> Iterator[ImagesApi]:
    with run_prism(SPEC_LATEST) as url, _client(url) as client:
        yield ImagesApi(client)


def test_every_upload_shape(prism_batch: openapiopenai.ApiClient, tmp_path: Path) -> None:
    files = FilesApi(prism_batch)
    line = BatchRequestInput.for_request("r1", CreateImageRequest(prompt="otter"))
    path = tmp_path / "input.jsonl"
    path.write_bytes(line.to_jsonl())
    for purpose in ("assistants", "batch", "fine-tune", "vision", "user_data", "evals"):
        assert files.create_file(path, purpose).id
    with open(path, "rb") as f:
        assert files.create_file(f, "batch", {"anchor": "created_at", "seconds": 3600}).id
    assert files.create_file(("notes.txt", b"hello"), "user_data").id


def test_every_list_query_and_path(prism_batch: openapiopenai.ApiClient) -> None:
    files = FilesApi(prism_batch)
    assert files.list_files() is not None
    assert files.list_files(purpose="batch", limit=10, order="asc", after="file-abc") is not None
    assert files.retrieve_file("file-abc123").id
    assert files.delete_file("file-abc123").id
    raw = files.download_file_without_preload_content("file-abc123")
    assert raw.status == 200, raw.read()
    raw.close()
    batches = BatchApi(prism_batch)
    assert batches.list_batches() is not None
    assert batches.list_batches(after="batch_abc", limit=100) is not None
    assert batches.retrieve_batch("batch_abc123").id
    assert batches.cancel_batch("batch_abc123").id


@pytest.mark.parametrize("endpoint", ["/v1/images/generations", "/v1/images/edits"])
def test_every_batch_create_shape(prism_batch: openapiopenai.ApiClient, endpoint: str) -> None:
    batches = BatchApi(prism_batch)
    minimal = CreateBatchRequest(
        input_file_id="file-abc",
        endpoint=endpoint,
        completion_window="24h",  # type: ignore[arg-type]
    )
    assert batches.create_batch(minimal).id
    full = {
        "input_file_id": "file-abc",
        "endpoint": endpoint,
        "completion_window": "24h",
        "metadata": {"job": "nightly", "owner": "me"},
        "output_expires_after": {"anchor": "created_at", "seconds": 7200},
    }
    assert batches.create_batch(full).id


def test_prism_rejects_a_wrong_batch_body(prism_batch: openapiopenai.ApiClient) -> None:
    """The contract check can fail: a body the spec forbids gets a 422."""
    bad = CreateBatchRequest.model_construct(
        input_file_id="f", endpoint="/v1/x", completion_window="1h"
    )
    bad.__pydantic_fields_set__ = {"input_file_id", "endpoint", "completion_window"}
    prism_batch.configuration.client_side_validation = False
    try:
        with pytest.raises(openapiopenai.UnprocessableEntityException):
            BatchApi(prism_batch).create_batch(bad)
    finally:
        prism_batch.configuration.client_side_validation = True


PNG = make_png(64, 64)


def test_every_json_edit_shape(prism_images: ImagesApi) -> None:
    by_url = ImageRefParam(image_url="https://example.com/otter.png")
    by_id = ImageRefParam(file_id="file-abc123")
    by_data = ImageRefParam.from_file(PNG)
    api = prism_images
    assert api.create_image_edit(by_url, "Add a beret").created is not None
    assert api.create_image_edit([by_id], "Add a beret", mask=by_id).created is not None
    assert api.create_image_edit([by_data] * 16, "p", model="gpt-image-1").created is not None
    assert (
        api.create_image_edit(
            [by_url, by_id, by_data],
            "Add a beret",
            mask=by_data,
            model="gpt-image-1.5",
            n=2,
            size="1536x1024",
            user="u1",
            background="transparent",
            input_fidelity="high",
            output_format="webp",
            output_compression=80,
            quality="high",
        ).created
        is not None
    )
    raw = api.create_image_edit_without_preload_content(
        by_id, "p", stream=True, partial_images=2, _headers={"Accept": "application/json"}
    )
    assert raw.status == 200, raw.read()
    raw.close()


def test_prism_rejects_a_wrong_json_edit(prism_images: ImagesApi) -> None:
    """The JSON edit check can fail: 17 images (maxItems 16) get a 422."""
    ref = ImageRefParam(file_id="file-abc123")
    prism_images.api_client.configuration.client_side_validation = False
    body = EditImageBodyJsonParam.model_construct(images=[ref] * 17, prompt="p")
    body.__pydantic_fields_set__ = {"images", "prompt"}
    request = ApiRequest("create_image_edit", "POST", "/images/edits", ImagesResponse, json=body)
    try:
        with pytest.raises(openapiopenai.UnprocessableEntityException):
            prism_images.api_client.call(request)
    finally:
        prism_images.api_client.configuration.client_side_validation = True
