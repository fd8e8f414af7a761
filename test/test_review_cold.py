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

import copy
import pickle
import subprocess
import sys
from typing import Any

import pytest
from pydantic import ConfigDict, Field, RootModel

from openapiopenai import CreateImageRequest, Retry
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
    request = CreateImageRequest.model_construct(prompt="x", n="3")  # type: ignore[arg-type]
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


# -- Retry ------------------------------------------------------------------------------


class NamedRetry(Retry):
    """A user subclass as the dataclass allowed: more state, another constructor."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        object.__setattr__(self, "name", name)


class PlainSubclass(Retry):
    pass


def test_a_subclass_repr_names_the_subclass() -> None:
    assert repr(PlainSubclass(3)).startswith("PlainSubclass(total=3, backoff_base=0.5,")


def test_replace_keeps_a_subclass() -> None:
    changed = PlainSubclass(3).replace(total=4)
    assert type(changed) is PlainSubclass and changed.total == 4


def test_a_subclass_with_its_own_constructor_pickles_and_copies() -> None:
    policy = NamedRetry("slow", total=4, deadline=9.0)
    for twin in (pickle.loads(pickle.dumps(policy)), copy.copy(policy), copy.deepcopy(policy)):
        assert type(twin) is NamedRetry
        assert twin.name == "slow"  # type: ignore[attr-defined]
        assert twin == policy and twin.total == 4 and twin.deadline == 9.0


#: ``pickle.dumps(Retry(total=3, statuses={429}, deadline=5.0), protocol=2)`` by the
#: frozen dataclass ``Retry`` was (before the cold-start change).
_DATACLASS_PICKLE = (
    b"\x80\x02copenapiopenai.retry\nRetry\nq\x00)\x81q\x01}q\x02(X\x05\x00\x00\x00totalq"
    b"\x03K\x03X\x0c\x00\x00\x00backoff_baseq\x04G?\xe0\x00\x00\x00\x00\x00\x00X\x0b\x00"
    b"\x00\x00backoff_maxq\x05G@ \x00\x00\x00\x00\x00\x00X\x06\x00\x00\x00jitterq\x06G?"
    b"\xd0\x00\x00\x00\x00\x00\x00X\x0f\x00\x00\x00max_retry_afterq\x07G@N\x00\x00\x00"
    b"\x00\x00\x00X\x08\x00\x00\x00deadlineq\x08G@\x14\x00\x00\x00\x00\x00\x00X\x08\x00"
    b"\x00\x00statusesq\tc__builtin__\nfrozenset\nq\n]q\x0bM\xad\x01a\x85q\x0cRq\rX\x10"
    b"\x00\x00\x00retry_on_timeoutq\x0e\x89ub."
)


def test_a_pickle_of_the_former_dataclass_still_loads() -> None:
    policy = pickle.loads(_DATACLASS_PICKLE)
    assert policy == Retry(total=3, statuses={429}, deadline=5.0)


def test_a_policy_matches_positional_patterns() -> None:
    # A dataclass sets __match_args__; ``case Retry(0)`` matched a policy that never retries.
    assert Retry.__match_args__ == (
        "total",
        "backoff_base",
        "backoff_max",
        "jitter",
        "max_retry_after",
        "deadline",
        "statuses",
        "retry_on_timeout",
    )
    if sys.version_info >= (3, 10):  # the statement itself is 3.10 syntax
        namespace: dict[str, Any] = {"Retry": Retry}
        exec(
            "def kind(p):\n    match p:\n        case Retry(0): return 'never'\n"
            "        case Retry(): return 'retries'",
            namespace,
        )
        assert [namespace["kind"](p) for p in (Retry(0), Retry(2))] == ["never", "retries"]


def test_assigning_a_field_still_raises_frozen_instance_error() -> None:
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        Retry().total = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del Retry().total


def test_mypy_still_rejects_assigning_a_field(tmp_path: Any) -> None:
    user_code = tmp_path / "uses_retry.py"
    user_code.write_text("from openapiopenai import Retry\n\nRetry().total = 5\n")
    found = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(user_code)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 1, found.stdout
    assert "uses_retry.py:3: error" in found.stdout, found.stdout
