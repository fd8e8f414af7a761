"""``EditImageBodyJsonParam``: the JSON body of ``POST /images/edits``."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import Field, StrictBool, StrictStr, field_validator

from openapiopenai.models._base import RequestModel
from openapiopenai.models._fields import (
    Background,
    Compression,
    Count,
    InputFidelity,
    Moderation,
    OutputFormat,
    PartialImages,
)
from openapiopenai.models._model_name import unwrap_model_name
from openapiopenai.models.image_ref_param import ImageRefParam

__all__ = ["EditImageBodyJsonParam"]


class EditImageBodyJsonParam(RequestModel):
    """An edit of images referenced by URL, data URL or file ID (GPT image models only).

    The JSON form of an edit: nothing is uploaded with it.  Only the fields you set are
    sent; without a ``model`` the API uses ``gpt-image-1.5``.
    """

    images: Annotated[list[ImageRefParam], Field(min_length=1, max_length=16)] = Field(
        description="Input image references to edit: 1 to 16."
    )
    prompt: Annotated[StrictStr, Field(min_length=1, max_length=32000)] = Field(
        description="A text description of the desired image edit."
    )
    mask: Optional[ImageRefParam] = Field(
        default=None,
        description="A PNG whose fully transparent areas mark where the first image is edited.",
    )
    model: Optional[StrictStr] = Field(
        default=None, description="The GPT image model (default `gpt-image-1.5`)."
    )
    n: Optional[Count] = Field(default=None, description="The number of images, 1 to 10.")
    size: Optional[Literal["auto", "1024x1024", "1536x1024", "1024x1536"]] = Field(
        default=None, description="Requested output image size."
    )
    quality: Optional[Literal["low", "medium", "high", "auto"]] = Field(
        default=None, description="Output quality."
    )
    background: Optional[Background] = Field(default=None, description="The background.")
    input_fidelity: Optional[InputFidelity] = Field(
        default=None, description="Fidelity to the original input image(s)."
    )
    moderation: Optional[Moderation] = Field(default=None, description="Moderation level.")
    output_format: Optional[OutputFormat] = Field(default=None, description="png, jpeg or webp.")
    output_compression: Optional[Compression] = Field(
        default=None, description="Compression level for `jpeg` or `webp` output, 0 to 100."
    )
    partial_images: Optional[PartialImages] = Field(
        default=None, description="Partial images to stream, 0 to 3."
    )
    stream: Optional[StrictBool] = Field(default=None, description="Stream partial images.")
    user: Optional[StrictStr] = Field(
        default=None, description="A unique identifier representing your end-user."
    )

    @field_validator("model", mode="before")
    @classmethod
    def _unwrap_model(cls, value: Any) -> Any:
        return unwrap_model_name(value)
