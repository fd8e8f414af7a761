"""The ``model`` parameter's wrapper: a model name, or nothing.

The spec types ``model`` as ``anyOf: [string, enum]``, for which the generated client
makes a wrapper class holding ``actual_instance``.  Here the wrapper is accepted wherever a
model name is, a plain string works as well, and an empty wrapper means "not set".
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Optional, Union

from typing_extensions import Self

__all__ = ["ModelNameWrapper", "unwrap_model_name"]


class ModelNameWrapper:
    """A model name such as ``"dall-e-3"``, or ``None`` for the server's default."""

    __slots__ = ("actual_instance",)

    #: The model names the spec lists; any other string is passed through.
    KNOWN: ClassVar[tuple[str, ...]] = ()
    any_of_schemas: ClassVar[tuple[str, ...]] = ("str",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > 1 or (args and kwargs):
            raise ValueError(f"{type(self).__name__} takes one model name")
        value = args[0] if args else kwargs.pop("actual_instance", None)
        if kwargs:
            raise ValueError(f"{type(self).__name__}: unexpected arguments {sorted(kwargs)}")
        if isinstance(value, ModelNameWrapper):
            value = value.actual_instance
        if value is not None and not isinstance(value, str):
            raise TypeError(f"model: expected a model name string, got {type(value).__name__}")
        self.actual_instance: Optional[str] = value

    @classmethod
    def from_json(cls, json_str: str) -> Self:
        return cls(json.loads(json_str))

    @classmethod
    def from_dict(cls, obj: Optional[str]) -> Self:
        return cls(obj)

    def to_json(self) -> str:
        return json.dumps(self.actual_instance)

    def to_dict(self) -> Optional[str]:
        return self.actual_instance

    def to_str(self) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ModelNameWrapper):
            return self.actual_instance == other.actual_instance
        if isinstance(other, str):
            return self.actual_instance == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.actual_instance)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.actual_instance!r})"


def unwrap_model_name(value: Union[ModelNameWrapper, str, None]) -> Optional[str]:
    """The model name a wrapper, a string or ``None`` stands for (``None``: not set)."""
    if isinstance(value, ModelNameWrapper):
        return value.actual_instance
    return value
