"""Contract: Prism, serving the spec with request validation on, accepts every request shape.

Each operation is called with the fewest and with every parameter, against the 2.0.0
spec the generated client came from and against today's spec.  Prism answers 422 (an
``UnprocessableEntityException``) for anything the spec does not allow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import openapiopenai
from openapiopenai import (
    CreateImageEditRequestModel,
    CreateImageRequest,
    CreateImageRequestModel,
    ImagesApi,
    ImagesResponse,
)

from _prism import run_prism
from conftest import API_KEY, SPEC_LATEST, SPEC_V2, make_png


def api_for(base_url: str) -> Iterator[ImagesApi]:
    configuration = openapiopenai.Configuration(
        host=base_url, access_token=API_KEY, retries=0, timeout=(5.0, 30.0)
    )
    with openapiopenai.ApiClient(configuration) as client:
        yield ImagesApi(client)


@pytest.fixture(scope="module")
def v2() -> Iterator[ImagesApi]:
    with run_prism(SPEC_V2) as url:
        yield from api_for(url)


@pytest.fixture(scope="module")
def latest() -> Iterator[ImagesApi]:
    with run_prism(SPEC_LATEST) as url:
        yield from api_for(url)


PNG = make_png(256, 256)
MASK = make_png(256, 256)

GENERATIONS_V2: list[dict[str, Any]] = [
    {"prompt": "A cute baby sea otter"},
    {
        "prompt": "A cute baby sea otter",
        "model": CreateImageRequestModel("dall-e-3"),
        "n": 1,
        "quality": "hd",
        "response_format": "b64_json",
        "size": "1792x1024",
        "style": "natural",
        "user": "user-1234",
    },
    {"prompt": "p", "model": "dall-e-2", "n": 10, "size": "256x256", "response_format": "url"},
]

GENERATIONS_LATEST: list[dict[str, Any]] = [
    *GENERATIONS_V2,
    {
        "prompt": "A cute baby sea otter",
        "model": "gpt-image-1",
        "n": 2,
        "quality": "high",
        "output_format": "webp",
        "output_compression": 80,
        "size": "1536x1024",
        "moderation": "low",
        "background": "transparent",
        "partial_images": 2,
        "user": "user-1234",
    },
    {"prompt": "p", "model": "gpt-image-2", "size": "1536x864"},
    {"prompt": "p", "model": "gpt-image-1-mini", "size": "auto", "quality": "auto"},
]


@pytest.mark.parametrize("fields", GENERATIONS_V2, ids=range(len(GENERATIONS_V2)))
def test_v2_generation_shapes_are_accepted(v2: ImagesApi, fields: dict[str, Any]) -> None:
    assert isinstance(v2.create_image(CreateImageRequest(**fields)), ImagesResponse)


@pytest.mark.parametrize("fields", GENERATIONS_LATEST, ids=range(len(GENERATIONS_LATEST)))
def test_latest_generation_shapes_are_accepted(latest: ImagesApi, fields: dict[str, Any]) -> None:
    resp = latest.create_image(CreateImageRequest(**fields))
    assert isinstance(resp, ImagesResponse)
    assert resp.usage is not None  # today's responses carry usage; the model parses it


def test_v2_edit_minimal(v2: ImagesApi) -> None:
    assert v2.create_image_edit(PNG, "Add a beret").created is not None


def test_v2_edit_every_parameter(v2: ImagesApi) -> None:
    resp = v2.create_image_edit(
        PNG,
        "Add a beret",
        mask=MASK,
        model=CreateImageEditRequestModel("dall-e-2"),
        n=2,
        size="512x512",
        response_format="b64_json",
        user="user-1234",
    )
    assert isinstance(resp, ImagesResponse)


def test_v2_edit_with_an_empty_model_wrapper(v2: ImagesApi) -> None:
    assert isinstance(
        v2.create_image_edit(PNG, "p", model=CreateImageEditRequestModel()), ImagesResponse
    )


def test_v2_variation_minimal_and_every_parameter(v2: ImagesApi) -> None:
    assert isinstance(v2.create_image_variation(PNG), ImagesResponse)
    resp = v2.create_image_variation(
        PNG, model="dall-e-2", n=3, response_format="url", size="1024x1024", user="user-1234"
    )
    assert isinstance(resp, ImagesResponse)


def test_latest_edit_every_parameter_with_several_images(latest: ImagesApi) -> None:
    resp = latest.create_image_edit(
        [PNG, make_png(128, 64), PNG],
        "Put them in a gift basket",
        mask=MASK,
        model="gpt-image-1",
        n=2,
        size="1024x1536",
        user="user-1234",
        background="opaque",
        input_fidelity="high",
        output_format="jpeg",
        output_compression=70,
        quality="medium",
        partial_images=1,
    )
    assert isinstance(resp, ImagesResponse)


def test_latest_edit_and_variation_minimal(latest: ImagesApi) -> None:
    assert isinstance(latest.create_image_edit(PNG, "p"), ImagesResponse)
    assert isinstance(
        latest.create_image_edit(PNG, "p", model="dall-e-2", mask=MASK), ImagesResponse
    )
    assert isinstance(latest.create_image_variation(PNG, n=1), ImagesResponse)


def test_latest_stream_request_shapes_are_accepted(latest: ImagesApi) -> None:
    # Prism cannot mock an event stream, so ask it for JSON: it still validates the body.
    as_json = {"Accept": "application/json"}
    gen = CreateImageRequest(prompt="p", model="gpt-image-1", stream=True, partial_images=3)
    raw = latest.create_image_without_preload_content(gen, _headers=as_json)
    assert raw.status == 200, raw.read()
    raw.close()
    raw = latest.create_image_edit_without_preload_content(
        PNG, "p", model="gpt-image-1", stream=True, partial_images=2, _headers=as_json
    )
    assert raw.status == 200, raw.read()
    raw.close()


def test_prism_rejects_what_the_spec_forbids(v2: ImagesApi) -> None:
    """The contract check can fail: a body the spec forbids gets a 422."""
    bad = CreateImageRequest.model_construct(prompt="p", n=11)
    bad.__pydantic_fields_set__ = {"prompt", "n"}
    off = ImagesApi(
        openapiopenai.ApiClient(
            openapiopenai.Configuration(
                host=v2.api_client.configuration.host,
                access_token=API_KEY,
                retries=0,
                client_side_validation=False,
            )
        )
    )
    with pytest.raises(openapiopenai.UnprocessableEntityException) as info:
        off.create_image(bad)
    assert info.value.status == 422
