"""``Annotated[T, DumpedAs(function, R)]``: a field that validates as ``T`` and dumps as ``R``.

What pydantic's ``@field_serializer`` (plain mode) does, as an annotation: ``function``
turns the stored value into the dumped one, in Python and JSON dumps alike, and
``R`` is what the serialization JSON schema describes.  It is built from the core schema
pydantic already has, so it does not load ``pydantic.functional_serializers`` (about 1.5 ms
of every process's start).
"""

from __future__ import annotations

from typing import Any, Callable

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

__all__ = ["DumpedAs"]


class DumpedAs:
    """Metadata for ``Annotated``: dump the field's value as ``function(value)``."""

    __slots__ = ("function", "returns")

    def __init__(self, function: Callable[[Any], Any], returns: Any) -> None:
        self.function = function
        self.returns = returns

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        dumped = core_schema.plain_serializer_function_ser_schema(
            self.function, return_schema=handler.generate_schema(self.returns)
        )
        return {**handler(source), "serialization": dumped}

    def __repr__(self) -> str:
        return f"DumpedAs({self.function.__name__})"
