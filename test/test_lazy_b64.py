"""Large responses keep their base64 strings as spans of the body until they are read.

The promise: a response parsed this way is indistinguishable from one parsed whole —
attribute reads, dumps, ``==``, copies, pickles, reprs — while ``to_bytes()``/``save()``
decode straight from the body and a caller who never reads ``b64_json`` never pays for it.
"""

from __future__ import annotations

import base64
import copy
import json
import pickle
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pytest_httpserver import HTTPServer

from openapiopenai import (
    ApiClient,
    ApiResponseValidationError,
    CreateImageRequest,
    Image,
    ImagesApi,
    ImagesResponse,
)
from openapiopenai import _lazy_text as lazy_text
from openapiopenai._lazy_text import LazyText, split_long_strings

from conftest import make_png


def b64_of(size: int, seed: int = 0) -> str:
    return base64.b64encode(random.Random(seed).randbytes(size)).decode("ascii")


def body_of(doc: dict[str, Any], **dumps: Any) -> bytes:
    return json.dumps(doc, **dumps).encode("utf-8")


def held(image: Image) -> object:
    """``b64_json`` as the image holds it, without reading the attribute."""
    return image.__dict__.get("b64_json")


@pytest.fixture
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut strings of 8 bytes or more out of any body, so small examples take the path."""
    monkeypatch.setattr(lazy_text, "MIN_BODY", 0)
    monkeypatch.setattr(lazy_text, "MIN_STRING", 8)


# --- through the client, at full size ------------------------------------------------------


@pytest.fixture
def big_response(
    httpserver: HTTPServer, client_for: Callable[..., ApiClient]
) -> Iterator[tuple[ImagesResponse, list[bytes]]]:
    pngs = [make_png(120 + i, 100) + random.Random(i).randbytes(100_000) for i in range(3)]
    doc = {
        "created": 1_700_000_000,
        "data": [
            {"b64_json": base64.b64encode(p).decode(), "revised_prompt": f"otter {i}"}
            for i, p in enumerate(pngs)
        ],
        "usage": {
            "input_tokens": 5,
            "output_tokens": 7,
            "total_tokens": 12,
            "input_tokens_details": {"image_tokens": 0, "text_tokens": 5},
        },
    }
    httpserver.expect_request("/v1/images/generations").respond_with_data(
        body_of(doc), content_type="application/json"
    )
    api = ImagesApi(client_for(httpserver.url_for("/v1")))
    response = api.create_image(CreateImageRequest(prompt="otter", n=3, response_format="b64_json"))
    yield response, pngs


def test_large_response_holds_spans_until_read(
    big_response: tuple[ImagesResponse, list[bytes]],
) -> None:
    response, pngs = big_response
    assert [type(held(image)) for image in response.data] == [LazyText] * 3
    assert [image.revised_prompt for image in response.data] == ["otter 0", "otter 1", "otter 2"]
    assert response.usage is not None and response.usage.total_tokens == 12

    first = response.data[0].b64_json
    assert type(first) is str and first == base64.b64encode(pngs[0]).decode()
    assert held(response.data[0]) is first  # read once, then kept as a plain str
    assert type(held(response.data[1])) is LazyText  # the others are still unread


def test_to_bytes_and_save_decode_the_span_without_building_the_string(
    big_response: tuple[ImagesResponse, list[bytes]], tmp_path: Path
) -> None:
    response, pngs = big_response
    assert [image.to_bytes() for image in response.data] == pngs
    paths = response.save(tmp_path)
    assert [p.read_bytes() for p in paths] == pngs
    assert [p.suffix for p in paths] == [".png"] * 3
    assert response.data[0]._repr_png_() == pngs[0]  # Jupyter shows it the same way
    assert response.data[1]._repr_html_() is None  # a PNG: left to _repr_png_
    assert [type(held(image)) for image in response.data] == [LazyText] * 3


def test_a_lazy_response_behaves_like_a_parsed_one(
    big_response: tuple[ImagesResponse, list[bytes]],
) -> None:
    response, _ = big_response
    eager = ImagesResponse.model_validate_json(response.to_json())
    assert all(type(held(image)) is str for image in eager.data)

    assert response == eager and eager == response
    assert response.model_dump() == eager.model_dump()
    assert response.to_dict() == eager.to_dict()
    assert json.loads(response.model_dump_json()) == json.loads(eager.model_dump_json())
    assert dict(response.data[1]) == dict(eager.data[1])
    assert repr(response) == repr(eager)
    assert "…' (" in repr(response.data[2])
    assert pickle.loads(pickle.dumps(response)) == eager
    assert type(held(pickle.loads(pickle.dumps(response)).data[0])) is str
    assert copy.deepcopy(response) == eager
    assert response.model_copy() == eager
    # none of that read an attribute, so the spans are still spans
    assert [type(held(image)) for image in response.data] == [LazyText] * 3


def test_assignment_replaces_a_span_and_is_validated(
    big_response: tuple[ImagesResponse, list[bytes]],
) -> None:
    response, _ = big_response
    image = response.data[0]
    image.b64_json = "aGVsbG8="
    assert held(image) == "aGVsbG8=" and image.to_bytes() == b"hello"
    with pytest.raises(ValidationError, match="b64_json"):
        image.b64_json = 42  # type: ignore[assignment]


def test_small_responses_are_parsed_whole(
    httpserver: HTTPServer, client_for: Callable[..., ApiClient]
) -> None:
    value = b64_of(50_000)  # a long string, in a body under MIN_BODY
    httpserver.expect_request("/v1/images/generations").respond_with_json(
        {"created": 1, "data": [{"b64_json": value}]}
    )
    api = ImagesApi(client_for(httpserver.url_for("/v1")))
    response = api.create_image(CreateImageRequest(prompt="otter", response_format="b64_json"))
    assert held(response.data[0]) == value and type(held(response.data[0])) is str


def test_invalid_response_reports_the_same_error_either_way(
    httpserver: HTTPServer, client_for: Callable[..., ApiClient]
) -> None:
    doc = {"data": [{"b64_json": b64_of(300_000)}]}  # no "created"
    httpserver.expect_request("/v1/images/generations").respond_with_data(
        body_of(doc), content_type="application/json"
    )
    api = ImagesApi(client_for(httpserver.url_for("/v1")))
    with pytest.raises(ApiResponseValidationError) as caught:
        api.create_image(CreateImageRequest(prompt="otter", response_format="b64_json"))
    with pytest.raises(ValidationError) as whole:
        ImagesResponse.model_validate_json(body_of(doc))
    assert "created" in str(caught.value)
    assert whole.value.errors()[0]["loc"] == ("created",)


# --- the cut, on small documents ---------------------------------------------------------

TRICKY = st.sampled_from(
    [
        "",
        "plain",
        'a "quoted" word',
        "back\\slash\\",
        '"b64_json": "',
        '\\"b64_json\\":\\"',
        "café ☕ 🦦",
        "line\nbreak\ttab",
        lazy_text.PLACEHOLDER,
    ]
)

LONG_B64 = st.builds(b64_of, st.integers(6, 64), st.integers(0, 2**16))
B64_VALUES = st.one_of(LONG_B64, LONG_B64, LONG_B64, TRICKY, st.none())

PLAIN_IMAGES = st.fixed_dictionaries(
    {},
    optional={
        "b64_json": B64_VALUES,
        "url": st.just("https://example.com/a.png"),
        "revised_prompt": TRICKY,
    },
)
# Long values under the same key outside `data` (nested in an image, or at the top).
IMAGES = st.one_of(
    *[PLAIN_IMAGES] * 9,
    st.builds(
        lambda image, extra: {**image, "extra": {"b64_json": extra}}, PLAIN_IMAGES, B64_VALUES
    ),
)
PLAIN_DOCUMENTS = st.fixed_dictionaries(
    {"created": st.integers(0, 2**40), "data": st.lists(IMAGES, max_size=5)},
    optional={"output_format": st.sampled_from(["png", "jpeg"])},
)
DOCUMENTS = st.one_of(
    PLAIN_DOCUMENTS,
    PLAIN_DOCUMENTS,
    PLAIN_DOCUMENTS,
    st.fixed_dictionaries(
        {
            "meta": st.fixed_dictionaries({"b64_json": B64_VALUES, "note": TRICKY}),
            "created": st.integers(0, 2**40),
            "data": st.lists(IMAGES, max_size=5),
        }
    ),
)

LAYOUTS = st.sampled_from(
    [
        {},
        {"indent": 2},
        {"separators": (",", ":")},
        {"separators": (" , ", " : ")},
        {"ensure_ascii": False},
    ]
)


def escape_slashes(body: bytes) -> bytes:
    return body.replace(b"/", b"\\/")  # legal JSON, and what some encoders write


@settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(doc=DOCUMENTS, layout=LAYOUTS, slashes=st.booleans())
def test_cutting_gives_what_parsing_the_whole_body_gives(
    small_thresholds: None, doc: dict[str, Any], layout: dict[str, Any], slashes: bool
) -> None:
    body = body_of(doc, **layout)
    if slashes:
        body = escape_slashes(body)
    lazy = ImagesResponse._from_response_body(body)
    whole = ImagesResponse.model_validate_json(body)

    assert lazy == whole
    assert lazy.model_dump() == whole.model_dump()
    for ours, theirs in zip(lazy.data, whole.data):
        if type(held(ours)) is LazyText and theirs.b64_json is not None:
            try:
                expected: object = base64.b64decode(theirs.b64_json, validate=True)
            except ValueError:
                expected = ApiResponseValidationError
            if expected is ApiResponseValidationError:
                with pytest.raises(ApiResponseValidationError, match="b64_json"):
                    ours.to_bytes()
            else:
                assert ours.to_bytes() == expected
        assert ours.b64_json == theirs.b64_json
        assert type(held(ours)) is type(held(theirs))

    # Where nothing could confuse the cut (a server's copy of the placeholder, long values
    # outside `data`), every long value of an image was cut out.
    text = body.decode("utf-8")
    if not any(word in text for word in ("openapiopenai:", '"extra"', '"meta"')):
        fresh = ImagesResponse._from_response_body(body)
        for image, raw in zip(fresh.data, doc["data"]):
            value = raw.get("b64_json")
            if isinstance(value, str) and len(value) >= 8:
                assert type(held(image)) is LazyText


@pytest.mark.usefixtures("small_thresholds")
@pytest.mark.parametrize(
    "body",
    [
        b'{"created": 1, "data": [{"b64_json": "QUJDREVGR0g=", "b64_json": "x"}]}',
        b'{"created": 1, "data": [{"b64_json": "x", "b64_json": "QUJDREVGR0g="}]}',
        b'{"created": 1, "data": [{"b64_json": "QUJDREVGR0g="}], "data": []}',
        b'{"created": 1, "data": [{"b64_json": "QUJDREVGR0g=\\x"}]}',
        b'{"created": 1, "data": [{"b64_json": "QUJDREVGR0g=',
        b'{"created": 1, "data": [{"b64_json": "QUJDREVGR0g="} {}]}',
        b'{"created": 1, "data": [{"b64_json" "QUJDREVGR0g="}]}',
        b'{"created": 1, "data": [{"b64_json": "QUJDREVGR0g=\\\\"}]}',
        b'{"created": 1, "data": [{"b64_json": "QUJDREVGR0g=\\""}]}',
        b'{"created": 1, "data": [{"b64_json": "QUJDREVGR0g="}]} trailing',
        b'{"created": 1, "data": [{"b64_json": "\xff\xfeQUJDREVGR0g="}]}',
        b'{"created": 1, "data": {"b64_json": "QUJDREVGR0g="}}',
    ],
)
def test_odd_and_malformed_bodies_end_as_the_whole_parse_does(body: bytes) -> None:
    try:
        whole: object = ImagesResponse.model_validate_json(body)
    except ValidationError as e:
        whole = e
    try:
        lazy: object = ImagesResponse._from_response_body(body)
        if isinstance(lazy, ImagesResponse):  # a span's text is checked when read
            for image in lazy.data:
                assert image.b64_json is None or isinstance(image.b64_json, str)
    except (ValidationError, ApiResponseValidationError) as e:
        lazy = e
    if isinstance(whole, ValidationError):
        assert isinstance(lazy, (ValidationError, ApiResponseValidationError)), body
    else:
        assert lazy == whole, body


@pytest.mark.usefixtures("small_thresholds")
def test_control_characters_in_a_span_are_not_looked_for() -> None:
    # The one place the cut is more lenient than a whole parse: JSON forbids raw control
    # characters in strings, and looking for them would cost more than reading the text.
    body = b'{"created": 1, "data": [{"b64_json": "QUJDREVGR0g=\x01"}]}'
    with pytest.raises(ValidationError):
        ImagesResponse.model_validate_json(body)
    image = ImagesResponse._from_response_body(body).data[0]
    assert image.b64_json == "QUJDREVGR0g=\x01"
    with pytest.raises(ApiResponseValidationError, match="not valid base64"):
        image.to_bytes()


def test_split_long_strings_cuts_only_long_values_of_the_key() -> None:
    body = (
        b'{"b64_json": "short", "other": "' + b"x" * 40 + b'", '
        b'"b64_json" :\n "' + b"y" * 40 + b'", "list": ["b64_json", "' + b"z" * 40 + b'"]}'
    )
    split = split_long_strings(body, b"b64_json", min_length=16)
    assert split is not None
    skeleton, values = split
    assert [v.text() for v in values] == ["y" * 40]
    assert json.loads(skeleton) == {
        "b64_json": lazy_text.PLACEHOLDER,
        "other": "x" * 40,
        "list": ["b64_json", "z" * 40],
    }
    assert split_long_strings(b'{"b64_json": "short"}', b"b64_json", min_length=16) is None
    assert split_long_strings(b'{"b64_json": "' + b"y" * 40, b"b64_json", 16) is None


def test_lazy_text_reads_escapes_and_unicode_as_json_does() -> None:
    text = 'ab\\/c "q" café 🦦 \u2028'
    body = json.dumps({"k": text}).encode()
    start = body.index(b'"', 6) + 1
    lazy = LazyText(body, start, len(body) - 2)
    assert lazy.escaped and lazy.text() == text and lazy == text and text == lazy
    assert len(lazy) == len(text) and lazy.head(4) == text[:4]
    plain = json.dumps({"k": "abcdef"}).encode()
    assert LazyText(plain, 7, 13).text() == "abcdef" and not LazyText(plain, 7, 13).escaped
    bad = LazyText(b'"\xff\xfe"', 1, 3)
    with pytest.raises(ApiResponseValidationError, match="b64_json: not a valid JSON string"):
        bad.text()


# --- found in review ---------------------------------------------------------------------


@pytest.mark.usefixtures("small_thresholds")
def test_an_images_dict_can_rebuild_it_and_be_printed() -> None:
    body = body_of({"created": 1, "data": [{"b64_json": "QUJDREVGR0hJSktM"}]})
    image = ImagesResponse._from_response_body(body).data[0]
    assert type(held(image)) is LazyText
    assert Image(**vars(image)) == image
    assert json.loads(json.dumps(vars(image), default=str))["b64_json"] == "QUJDREVGR0hJSktM"


def test_the_serialization_schema_still_allows_null() -> None:
    schema = ImagesResponse.model_json_schema(mode="serialization")
    assert {"type": "null"} in schema["$defs"]["Image"]["properties"]["b64_json"]["anyOf"]


@pytest.mark.usefixtures("small_thresholds")
def test_a_lone_surrogate_escape_is_refused_when_read_and_repr_still_works() -> None:
    body = b'{"created": 1, "data": [{"b64_json": "QUJDREVG\\ud800R0g="}]}'
    with pytest.raises(ValidationError):
        ImagesResponse.model_validate_json(body)
    image = ImagesResponse._from_response_body(body).data[0]
    assert "not a valid JSON string" in repr(image)
    with pytest.raises(ApiResponseValidationError, match="b64_json: not a valid JSON string"):
        image.b64_json  # noqa: B018


@pytest.mark.usefixtures("small_thresholds")
def test_a_read_does_not_undo_an_assignment_made_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = body_of({"created": 1, "data": [{"b64_json": "QUJDREVGR0hJSktM"}]})
    image = ImagesResponse._from_response_body(body).data[0]
    decode = LazyText.text

    def slow_text(self: LazyText) -> str:
        image.b64_json = "QkJC"  # another thread, while this one decodes
        return decode(self)

    monkeypatch.setattr(LazyText, "text", slow_text)
    assert image.b64_json == "QUJDREVGR0hJSktM"  # the read returns what it read
    assert held(image) == "QkJC"  # and leaves the newer value in place


@pytest.mark.parametrize(
    "filler",
    [
        b'\\"' * (lazy_text.MAX_QUOTES + 1),  # escaped quotes: one find() each
        b"\\\\" * 100 + b'\\"',  # a run of backslashes longer than the scan counts
    ],
)
def test_a_costly_body_is_parsed_whole(filler: bytes) -> None:
    body = (
        b'{"created": 1, "data": [{"revised_prompt": "'
        + filler
        + b'", "b64_json": "'
        + b"A" * 20_000
        + b'"}]}'
    )
    assert split_long_strings(body, b"b64_json") is None
    lazy = ImagesResponse._from_response_body(body + b" " * lazy_text.MIN_BODY)
    assert type(held(lazy.data[0])) is str
    assert lazy == ImagesResponse.model_validate_json(body)
