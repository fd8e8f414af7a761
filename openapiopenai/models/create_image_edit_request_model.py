"""``CreateImageEditRequestModel``: the ``model`` of an edit or a variation."""

from __future__ import annotations

from typing import ClassVar, Literal, Union, get_args

from openapiopenai.models._model_name import ModelNameWrapper

__all__ = ["CreateImageEditRequestModel", "ImageEditModelName"]

#: Model names the spec lists for edits (variations take ``dall-e-2`` only); any other
#: string is accepted too.
ImageEditModelName = Union[
    Literal[
        "gpt-image-1.5",
        "gpt-image-2",
        "gpt-image-2-2026-04-21",
        "dall-e-2",
        "gpt-image-1",
        "gpt-image-1-mini",
        "chatgpt-image-latest",
    ],
    str,
]


class CreateImageEditRequestModel(ModelNameWrapper):
    """The model to use for edits and variations."""

    __slots__ = ()
    KNOWN: ClassVar[tuple[str, ...]] = get_args(get_args(ImageEditModelName)[0])
