"""The non-file fields of the multipart operations, validated like a JSON body.

The files (``image``, ``mask``) are checked by the upload layer; these models give the
other form fields the same typing and ranges as ``CreateImageRequest``.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import StrictBool, StrictStr, field_validator

from openapiopenai.models._base import RequestModel
from openapiopenai.models._fields import (
    Background,
    Compression,
    Count,
    InputFidelity,
    OutputFormat,
    PartialImages,
    ResponseFormat,
    Size,
)
from openapiopenai.models._model_name import unwrap_model_name

__all__ = ["ImageEditForm", "ImageVariationForm"]


class _ImageForm(RequestModel):
    model: Optional[StrictStr] = None
    n: Optional[Count] = None
    response_format: Optional[ResponseFormat] = None
    user: Optional[StrictStr] = None

    @field_validator("model", mode="before")
    @classmethod
    def _unwrap_model(cls, value: Any) -> Any:
        return unwrap_model_name(value)


class ImageEditForm(_ImageForm):
    """Form fields of ``POST /images/edits`` besides the files."""

    prompt: StrictStr
    size: Optional[Size] = None
    background: Optional[Background] = None
    input_fidelity: Optional[InputFidelity] = None
    output_format: Optional[OutputFormat] = None
    output_compression: Optional[Compression] = None
    quality: Optional[Literal["standard", "low", "medium", "high", "auto"]] = None
    partial_images: Optional[PartialImages] = None
    stream: Optional[StrictBool] = None


class ImageVariationForm(_ImageForm):
    """Form fields of ``POST /images/variations`` besides the file."""

    size: Optional[Literal["256x256", "512x512", "1024x1024"]] = None
