"""``ImagesResponse``: what all three image operations return."""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import Field

from openapiopenai.models._base import ResponseModel
from openapiopenai.models.image import Image
from openapiopenai.models.image_gen_usage import ImageGenUsage

__all__ = ["ImagesResponse"]


class ImagesResponse(ResponseModel):
    """The images an operation produced, with their creation time.

    Enumerated fields list the values the spec knows but accept any string: the API adds
    values faster than SDKs ship, and a new value must not break parsing.
    """

    created: int = Field(description="The Unix timestamp (in seconds) of the creation.")
    data: list[Image] = Field(default_factory=list, description="The generated images.")
    background: Optional[Union[Literal["transparent", "opaque"], str]] = Field(
        default=None, description="The background used (GPT image models)."
    )
    output_format: Optional[Union[Literal["png", "webp", "jpeg"], str]] = Field(
        default=None, description="The output format of the images (GPT image models)."
    )
    size: Optional[Union[Literal["1024x1024", "1024x1536", "1536x1024"], str]] = Field(
        default=None, description="The size of the images (GPT image models)."
    )
    quality: Optional[Union[Literal["low", "medium", "high"], str]] = Field(
        default=None, description="The quality of the images (GPT image models)."
    )
    usage: Optional[ImageGenUsage] = Field(
        default=None, description="Token usage (GPT image models)."
    )
