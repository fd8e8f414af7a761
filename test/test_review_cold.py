"""Review of the cold-start changes: what they must not change.

``RequestModel.to_json_bytes`` writes a plain body with ``json`` rather than pydantic's
serializer (``models/_base._plain_json``); the bytes must be the ones pydantic writes,
for values that reached the model without validation too (``model_construct``,
``model_copy(update=...)``), for a class whose schema is not built yet, and for user
subclasses.  ``Retry`` is a hand-written class where it was a frozen dataclass; what
users could see of the dataclass (repr of a subclass, pickles, positional patterns,
the static frozen check) is kept.
"""

from __future__ import annotations

import pytest
from pydantic import ConfigDict, Field, RootModel

from openapiopenai import CreateImageRequest
from openapiopenai.models._base import RequestModel, _plain_json


def pydantic_bytes(model: RequestModel) -> bytes:
    return model.__pydantic_serializer__.to_json(
        model, by_alias=True, exclude_unset=True, exclude_none=True
    )


# -- request bodies -------------------------------------------------------------------


def test_a_bool_copied_into_an_int_field_is_written_as_pydantic_writes_it() -> None:
    # model_copy(update=...) does not validate: pydantic's int serializer writes True as 1.
    request = CreateImageRequest(prompt="x").model_copy(update={"n": True})
    assert pydantic_bytes(request) == b'{"prompt":"x","n":1}'
    assert request.to_json_bytes() == pydantic_bytes(request)


def test_an_int_constructed_into_a_float_field_is_written_as_a_float() -> None:
    class Scaled(RequestModel):
        label: str
        ratio: float = 1.0

    body = Scaled.model_construct(label="a", ratio=2)
    assert pydantic_bytes(body) == b'{"label":"a","ratio":2.0}'
    assert body.to_json_bytes() == pydantic_bytes(body)


def test_a_key_copied_in_that_is_no_field_is_not_sent() -> None:
    request = CreateImageRequest(prompt="x").model_copy(update={"bogus": "y"})
    assert pydantic_bytes(request) == b'{"prompt":"x"}'
    assert request.to_json_bytes() == pydantic_bytes(request)


def test_a_value_of_the_wrong_type_still_gets_pydantics_warning() -> None:
    request = CreateImageRequest.model_construct(prompt="x", n="3")
    with pytest.warns(UserWarning, match="PydanticSerializationUnexpectedValue"):
        assert request.to_json_bytes() == b'{"prompt":"x","n":"3"}'


def test_an_alias_of_a_class_not_built_yet_is_kept() -> None:
    # defer_build: model_construct builds no schema, so the class must not be judged
    # (and remembered as plain) from the placeholder.
    class Renamed(RequestModel):
        file_name: str = Field(alias="fileName")

    body = Renamed.model_construct(file_name="a")
    assert body.to_json_bytes() == b'{"fileName":"a"}'
    assert Renamed.model_construct(file_name="b").to_json_bytes() == b'{"fileName":"b"}'


def test_a_root_model_body_is_its_root_value() -> None:
    class Prompt(RequestModel, RootModel[str]):  # type: ignore[misc]
        model_config = ConfigDict(extra=None)

    body = Prompt("otter")
    assert pydantic_bytes(body) == b'"otter"'
    assert body.to_json_bytes() == b'"otter"'


def test_an_integer_too_long_for_str_is_written_as_pydantic_writes_it() -> None:
    class Count(RequestModel):
        value: int

    body = Count(value=10**5000)  # past sys.get_int_max_str_digits(): json cannot write it
    assert body.to_json_bytes() == pydantic_bytes(body)


def test_the_package_bodies_still_take_the_plain_path() -> None:
    request = CreateImageRequest(prompt="p\u2028\x7f\U0001f600", n=2, stream=False, size="1x1")
    plain = _plain_json(request)
    assert plain is not None
    assert plain == pydantic_bytes(request)
    streamed = request.model_copy(update={"stream": True})  # as ApiRequest.streamed does
    assert _plain_json(streamed) == pydantic_bytes(streamed)
