"""``CreateImageRequestModel``: the ``model`` of a generation."""

from __future__ import annotations

from typing import ClassVar, Literal, Union, get_args

from openapiopenai.models._model_name import ModelNameWrapper

__all__ = ["CreateImageRequestModel", "ImageGenerationModelName"]

#: Model names the spec lists for generations; any other string is accepted too.
ImageGenerationModelName = Union[
    Literal[
        "gpt-image-1.5",
        "gpt-image-2",
        "gpt-image-2-2026-04-21",
        "dall-e-2",
        "dall-e-3",
        "gpt-image-1",
        "gpt-image-1-mini",
    ],
    str,
]


class CreateImageRequestModel(ModelNameWrapper):
    """The model to use for image generation (the server's default is ``dall-e-2``)."""

    __slots__ = ()
    KNOWN: ClassVar[tuple[str, ...]] = get_args(get_args(ImageGenerationModelName)[0])
