"""The models: spec field names, enums, ranges, defaults, and the generated helpers."""

from __future__ import annotations

import json

import pydantic
import pytest

from openapiopenai import (
    CreateImageEditRequestModel,
    CreateImageRequest,
    CreateImageRequestModel,
    Error,
    ErrorResponse,
    Image,
    ImagesResponse,
)


def test_create_image_request_defaults_are_the_specs_but_only_set_fields_are_sent() -> None:
    req = CreateImageRequest(prompt="otter")
    assert (req.n, req.quality, req.response_format, req.size, req.style) == (
        1,
        "standard",
        "url",
        "1024x1024",
        "vivid",
    )
    assert req.model is None
    assert req.to_dict() == {"prompt": "otter"}
    assert json.loads(req.to_json()) == {"prompt": "otter"}


def test_round_trip_through_dict_and_json() -> None:
    req = CreateImageRequest(prompt="p", model="dall-e-3", size="1024x1792", style="natural")
    assert CreateImageRequest.from_dict(req.to_dict()) == req
    assert CreateImageRequest.from_json(req.to_json()) == req
    assert CreateImageRequest.from_dict(None) is None


@pytest.mark.parametrize(
    "field_value",
    [
        {"n": 0},
        {"n": 11},
        {"n": "2"},
        {"n": True},
        {"size": 640},
        {"output_compression": 101},
        {"partial_images": 4},
        {"stream": "yes"},
        {"background": "clear"},
        {"moderation": "none"},
        {"quality": "ultra"},
        {"style": "pastel"},
        {"response_format": "png"},
        {"prompt": 5},
        {"unknown_field": 1},
    ],
)
def test_request_models_enforce_the_spec(field_value: dict[str, object]) -> None:
    values = {"prompt": "p", **field_value}
    with pytest.raises(pydantic.ValidationError):
        CreateImageRequest(**values)  # type: ignore[arg-type]


def test_prompt_is_required() -> None:
    with pytest.raises(pydantic.ValidationError, match="prompt"):
        CreateImageRequest()  # type: ignore[call-arg]


def test_model_accepts_wrapper_string_or_nothing() -> None:
    assert CreateImageRequest(prompt="p", model=CreateImageRequestModel("dall-e-3")).model == (
        "dall-e-3"
    )
    assert CreateImageRequest(prompt="p", model="my-new-model").model == "my-new-model"
    assert CreateImageRequest(prompt="p", model=CreateImageRequestModel()).model is None
    assert "model" not in CreateImageRequest(prompt="p", model=CreateImageRequestModel()).to_dict()


def test_model_wrappers_behave_like_the_generated_ones() -> None:
    wrapper = CreateImageEditRequestModel("dall-e-2")
    assert wrapper.actual_instance == "dall-e-2"
    assert wrapper.to_json() == '"dall-e-2"'
    assert CreateImageEditRequestModel.from_json('"dall-e-2"') == wrapper
    assert CreateImageEditRequestModel(actual_instance="x") == "x"
    assert CreateImageEditRequestModel().actual_instance is None
    with pytest.raises(TypeError):
        CreateImageEditRequestModel(3)


def test_images_response_parses_and_keeps_unknown_fields() -> None:
    body = {
        "created": 1700000000,
        "data": [{"url": "https://x/1.png", "revised_prompt": "an otter", "seed": 7}],
        "brand_new_field": {"a": 1},
    }
    resp = ImagesResponse.from_json(json.dumps(body))
    assert resp is not None
    assert resp.created == 1700000000
    assert isinstance(resp.data[0], Image)
    assert resp.data[0].url == "https://x/1.png"
    assert resp.data[0].revised_prompt == "an otter"
    assert resp.to_dict() == body


def test_images_response_from_bytes() -> None:
    resp = ImagesResponse.model_validate_json(b'{"created": 1, "data": [{"b64_json": "aGk="}]}')
    assert resp.data[0].b64_json == "aGk="


def test_error_response_shape() -> None:
    err = ErrorResponse.from_dict(
        {"error": {"message": "m", "type": "invalid_request_error", "param": None, "code": None}}
    )
    assert err is not None
    assert isinstance(err.error, Error)
    assert err.error.param is None and err.error.code is None
    assert "invalid_request_error" in err.to_str()
