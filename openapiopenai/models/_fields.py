"""Field types the request models share, named once.

Enumerations offer the spec's values for completion; where the spec types a field as
``anyOf: [string, enum]`` (``model``, ``size``) any string is accepted and passed through.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, StrictStr

__all__ = [
    "Background",
    "Compression",
    "Count",
    "InputFidelity",
    "Moderation",
    "OutputFormat",
    "PartialImages",
    "ResponseFormat",
    "Size",
    "Style",
    "empty_list",
]

Count = Annotated[int, Field(strict=True, ge=1, le=10)]
Compression = Annotated[int, Field(strict=True, ge=0, le=100)]
PartialImages = Annotated[int, Field(strict=True, ge=0, le=3)]
ResponseFormat = Literal["url", "b64_json"]
OutputFormat = Literal["png", "jpeg", "webp"]
Background = Literal["transparent", "opaque", "auto"]
Moderation = Literal["low", "auto"]
InputFidelity = Literal["high", "low"]
Style = Literal["vivid", "natural"]
Size = Union[
    Literal[
        "auto",
        "1024x1024",
        "1536x1024",
        "1024x1536",
        "256x256",
        "512x512",
        "1792x1024",
        "1024x1792",
    ],
    StrictStr,  # any other size passes through, but not bytes decoded to one
]


def empty_list() -> list[Any]:
    """``default_factory`` of the list fields.

    Not ``list``: pydantic reads a default factory's signature, and the signature of a
    builtin comes from parsing its text with ``tokenize``, whose first use compiles a large
    regular expression (about 7 ms of a process's first call).
    """
    return []
