"""Request bodies written without pydantic's serializer are the bytes it would write.

``RequestModel.to_json_bytes`` writes a body of plain strings, integers and booleans with
``json`` (a process that never uses pydantic's serializer exits faster: see
``models/_base._plain_json``); anything else, and any class whose schema renames,
excludes or converts a value, goes to pydantic.  Both paths are compared here byte for
byte.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field, PlainSerializer, computed_field, field_serializer

from openapiopenai import ApiValueError, CreateImageRequest, EditImageBodyJsonParam, ImageRefParam
from openapiopenai.models._base import RequestModel, _plain_json


def pydantic_bytes(model: RequestModel) -> bytes:
    return model.__pydantic_serializer__.to_json(
        model, by_alias=True, exclude_unset=True, exclude_none=True
    )


# Any text (control characters, quotes, backslashes, non-ASCII) but lone surrogates.
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None, database=None)
@given(
    prompt=text,
    user=st.one_of(st.none(), text),
    n=st.integers(1, 10),
    stream=st.one_of(st.none(), st.booleans()),
    model=st.one_of(st.none(), text),
    size=st.one_of(st.none(), text),
    compression=st.one_of(st.none(), st.integers(0, 100)),
)
def test_a_plain_body_is_the_bytes_pydantic_writes(
    prompt: str,
    user: Optional[str],
    n: int,
    stream: Optional[bool],
    model: Optional[str],
    size: Optional[str],
    compression: Optional[int],
) -> None:
    fields: dict[str, Any] = {"prompt": prompt, "n": n, "user": user, "stream": stream}
    fields.update(model=model, size=size, output_compression=compression)
    request = CreateImageRequest(**{k: v for k, v in fields.items() if v is not None})
    plain = _plain_json(request)
    assert plain is not None  # these are the values the fast path is for
    assert plain == pydantic_bytes(request) == request.to_json_bytes()


def test_values_set_to_none_and_defaults_are_left_out_as_pydantic_leaves_them() -> None:
    request = CreateImageRequest(prompt="x", user=None, quality="hd")
    request.n = 2  # set after construction: sent
    assert request.to_json_bytes() == pydantic_bytes(request)
    assert request.to_json_bytes() == b'{"prompt":"x","n":2,"quality":"hd"}'


def test_a_large_integer_and_booleans_are_written_alike() -> None:
    class Counts(RequestModel):
        big: int
        flag: bool
        other: Optional[bool] = None

    body = Counts(big=2**80, flag=True, other=False)
    assert (
        _plain_json(body)
        == pydantic_bytes(body)
        == b'{"big":%d,"flag":true,"other":false}' % (2**80)
    )


def test_nested_models_and_floats_are_left_to_pydantic() -> None:
    class Scaled(RequestModel):
        ratio: float

    scaled = Scaled(ratio=1e16)
    assert _plain_json(scaled) is None  # json writes 1e+16, pydantic 1e16
    assert scaled.to_json_bytes() == pydantic_bytes(scaled)
    edit = EditImageBodyJsonParam(
        images=[ImageRefParam(image_url="https://example.com/a.png")], prompt="p"
    )
    assert _plain_json(edit) is None
    assert edit.to_json_bytes() == pydantic_bytes(edit)


class Renamed(RequestModel):
    file_name: str = Field(alias="fileName")


class Hidden(RequestModel):
    kept: str
    secret: str = Field(default="s", exclude=True)


class Converted(RequestModel):
    shout: str

    @field_serializer("shout")
    def _upper(self, value: str) -> str:
        return value.upper()


class Annotated_(RequestModel):
    tag: Annotated[str, PlainSerializer(lambda v: f"<{v}>", return_type=str)]


class Computed(RequestModel):
    base: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def twice(self) -> str:
        return self.base * 2


@pytest.mark.parametrize(
    "body",
    [
        Renamed(fileName="a"),
        Hidden(kept="k", secret="t"),
        Converted(shout="hi"),
        Annotated_(tag="t"),
        Computed(base="ab"),
    ],
    ids=["alias", "exclude", "field_serializer", "annotated_serializer", "computed_field"],
)
def test_a_class_whose_schema_changes_a_value_is_written_by_pydantic(body: RequestModel) -> None:
    assert _plain_json(body) is None
    assert body.to_json_bytes() == pydantic_bytes(body)


def test_a_lone_surrogate_still_names_its_field() -> None:
    request = CreateImageRequest(prompt="ok", user="\udcff")
    assert _plain_json(request) is None
    with pytest.raises(ApiValueError, match="user: the text has a lone surrogate"):
        request.to_json_bytes()
