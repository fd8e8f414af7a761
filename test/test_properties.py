"""Property tests over every parameter of the three operations.

For any combination of arguments, valid or not: either the request reaches the server
and carries exactly what was given, or ``ApiValueError`` / ``ApiTypeError`` is raised
and the server received nothing.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

import openapiopenai
from openapiopenai import (
    ApiTypeError,
    ApiValueError,
    CreateImageEditRequestModel,
    CreateImageRequestModel,
    ImagesApi,
)
from openapiopenai.models._model_name import unwrap_model_name

from conftest import API_KEY, make_png


def examples(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


OK = {"created": 1, "data": []}


def junk() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(-3, 3), st.floats(allow_nan=False), st.booleans(), st.text(max_size=5)
    )


def maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """None (not set) often, a valid-looking value usually, junk sometimes."""
    return st.one_of(st.none(), values, junk())


MODELS = st.sampled_from(
    [
        "dall-e-2",
        "dall-e-3",
        "gpt-image-1",
        "gpt-image-1-mini",
        "gpt-image-1.5",
        "gpt-image-2",
        "chatgpt-image-latest",
        "future-model",
    ]
)
SIZES = st.one_of(
    st.sampled_from(
        [
            "256x256",
            "512x512",
            "1024x1024",
            "1792x1024",
            "1024x1792",
            "1536x1024",
            "1024x1536",
            "auto",
        ]
    ),
    st.builds(lambda w, h: f"{w}x{h}", st.integers(1, 4000), st.integers(1, 4000)),
)
PROMPTS = st.one_of(
    st.text(min_size=1, max_size=50),
    st.integers(1000, 1001).map(lambda n: "x" * n),
    st.integers(3999, 4001).map(lambda n: "y" * n),
)


@pytest.fixture
def api(httpserver: HTTPServer, client_for: Callable[..., openapiopenai.ApiClient]) -> ImagesApi:
    for path in ("/v1/images/generations", "/v1/images/edits", "/v1/images/variations"):
        httpserver.expect_request(path).respond_with_json(OK)
    return ImagesApi(client_for(httpserver.url_for("/v1"), retries=0))


def outcome(httpserver: HTTPServer, call: Callable[[], Any]) -> Any:
    """The request the server got, or ``None`` after a clean pre-flight rejection."""
    httpserver.clear_log()
    try:
        call()
    except (ApiValueError, ApiTypeError) as e:
        assert str(e).split(":")[0], "the message must name the parameter"
        assert httpserver.log == [], f"rejected ({e}) yet sent"
        return None
    assert len(httpserver.log) == 1
    return httpserver.log[0][0]


def expected(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in values.items():
        v = unwrap_model_name(v) if k == "model" else v
        if v is not None:
            out[k] = v
    return out


@examples(400)
@given(
    prompt=st.one_of(PROMPTS, junk()),
    model=maybe(st.one_of(MODELS, st.builds(CreateImageRequestModel, MODELS))),
    n=maybe(st.integers(0, 11)),
    quality=maybe(st.sampled_from(["standard", "hd", "low", "medium", "high", "auto", "ultra"])),
    response_format=maybe(st.sampled_from(["url", "b64_json", "png"])),
    output_format=maybe(st.sampled_from(["png", "jpeg", "webp", "gif"])),
    output_compression=maybe(st.integers(-1, 101)),
    partial_images=maybe(st.integers(-1, 4)),
    size=maybe(SIZES),
    moderation=maybe(st.sampled_from(["low", "auto", "off"])),
    background=maybe(st.sampled_from(["transparent", "opaque", "auto", "clear"])),
    style=maybe(st.sampled_from(["vivid", "natural", "noir"])),
    user=maybe(st.text(max_size=10)),
)
def test_generation_property(api: ImagesApi, httpserver: HTTPServer, **values: Any) -> None:
    req = outcome(httpserver, lambda: api.create_image(values))
    if req is not None:
        assert json.loads(req.get_data()) == expected(values)


PNG = make_png(32, 32)
OPAQUE = make_png(32, 32, alpha=False)
WIDE = make_png(32, 16)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
IMAGES = st.sampled_from([PNG, OPAQUE, WIDE, JPEG, b"garbage"])


def form_of(req: Any) -> tuple[dict[str, str], dict[str, list[bytes]]]:
    files: dict[str, list[bytes]] = {}
    for name, f in req.files.items(multi=True):
        files.setdefault(name, []).append(f.read())
    return dict(req.form.items()), files


def as_form(values: dict[str, Any]) -> dict[str, str]:
    return {
        k: ("true" if v is True else "false" if v is False else str(v))
        for k, v in expected(values).items()
    }


@examples(400)
@given(
    image=st.one_of(IMAGES, st.lists(IMAGES, min_size=1, max_size=3), junk()),
    prompt=st.one_of(PROMPTS, junk()),
    mask=st.one_of(st.none(), st.sampled_from([PNG, WIDE, b"nope"])),
    model=maybe(st.one_of(MODELS, st.builds(CreateImageEditRequestModel, MODELS))),
    n=maybe(st.integers(0, 11)),
    size=maybe(SIZES),
    response_format=maybe(st.sampled_from(["url", "b64_json"])),
    user=maybe(st.text(max_size=10)),
    background=maybe(st.sampled_from(["transparent", "opaque", "auto"])),
    input_fidelity=maybe(st.sampled_from(["high", "low", "max"])),
    output_format=maybe(st.sampled_from(["png", "jpeg", "webp"])),
    output_compression=maybe(st.integers(-1, 101)),
    quality=maybe(st.sampled_from(["standard", "low", "medium", "high", "auto", "hd"])),
    partial_images=maybe(st.integers(-1, 4)),
)
def test_edit_property(
    api: ImagesApi, httpserver: HTTPServer, image: Any, mask: Any, **values: Any
) -> None:
    req = outcome(httpserver, lambda: api.create_image_edit(image, mask=mask, **values))
    if req is None:
        return
    fields, files = form_of(req)
    assert fields == as_form(values)
    if isinstance(image, list):
        assert files.pop("image[]") == image
    else:
        assert files.pop("image") == [image]
    assert files == ({} if mask is None else {"mask": [mask]})


@examples(300)
@given(
    image=st.one_of(IMAGES, junk()),
    model=maybe(st.one_of(MODELS, st.builds(CreateImageEditRequestModel, MODELS))),
    n=maybe(st.integers(0, 11)),
    response_format=maybe(st.sampled_from(["url", "b64_json", "png"])),
    size=maybe(SIZES),
    user=maybe(st.text(max_size=10)),
)
def test_variation_property(
    api: ImagesApi, httpserver: HTTPServer, image: Any, **values: Any
) -> None:
    req = outcome(httpserver, lambda: api.create_image_variation(image, **values))
    if req is None:
        return
    fields, files = form_of(req)
    assert fields == as_form(values)
    assert files == {"image": [image]}


def test_the_property_tests_exercise_both_outcomes(api: ImagesApi, httpserver: HTTPServer) -> None:
    """Guard against generators that only ever produce one kind of input."""
    sent = outcome(httpserver, lambda: api.create_image({"prompt": "p", "n": 2}))
    rejected = outcome(httpserver, lambda: api.create_image({"prompt": "p", "n": 0}))
    assert sent is not None and rejected is None
    assert API_KEY in sent.headers["Authorization"]
