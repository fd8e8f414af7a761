"""``CreateImageRequest``: the JSON body of ``POST /images/generations``."""

# No ``from __future__ import annotations``: pydantic reads these field annotations when
# the class is made, and as objects they need no evaluating (a start-up cost).

from typing import TYPE_CHECKING, Any, Literal, Optional, Union

from pydantic import Field, StrictBool, StrictStr, field_validator

from openapiopenai.models._base import RequestModel
from openapiopenai.models._fields import (
    Background,
    Compression,
    Count,
    Moderation,
    OutputFormat,
    PartialImages,
    ResponseFormat,
    Size,
    Style,
)
from openapiopenai.models._model_name import unwrap_model_name

if TYPE_CHECKING:
    from openapiopenai.models.create_image_request_model import CreateImageRequestModel

    # What a caller may pass; the validator below unwraps a wrapper, so the field holds
    # a string (or None) at run time.
    _ModelName = Optional[Union[str, CreateImageRequestModel]]
else:
    _ModelName = Optional[StrictStr]

__all__ = ["CreateImageRequest"]


class CreateImageRequest(RequestModel):
    """Creates an image given a prompt.

    Only the fields you set are sent; the defaults shown are the server's.  Fields marked
    "GPT image models" are new since API 2.0.0 and optional.
    """

    prompt: StrictStr = Field(
        description="A text description of the desired image(s). At most 32000 characters "
        "for the GPT image models, 1000 for `dall-e-2` and 4000 for `dall-e-3`."
    )
    model: _ModelName = Field(
        default=None,
        description="The model: `dall-e-2` (the server's default), `dall-e-3`, or a GPT image "
        "model (`gpt-image-1`, `gpt-image-1-mini`, `gpt-image-1.5`, `gpt-image-2`). Accepts a "
        "`CreateImageRequestModel` or any string.",
    )
    n: Optional[Count] = Field(
        default=1,
        description="The number of images to generate, 1 to 10. For `dall-e-3`, only `n=1`.",
    )
    quality: Optional[Literal["standard", "hd", "low", "medium", "high", "auto"]] = Field(
        default="standard",
        description="`hd`/`standard` for `dall-e-3`, `standard` for `dall-e-2`, "
        "`low`/`medium`/`high`/`auto` for the GPT image models.",
    )
    response_format: Optional[ResponseFormat] = Field(
        default="url",
        description="`url` or `b64_json` (DALL-E only; the GPT image models always return "
        "base64). URLs are only valid for 60 minutes.",
    )
    output_format: Optional[OutputFormat] = Field(
        default=None,
        description="`png` (default), `jpeg` or `webp`. GPT image models only.",
    )
    output_compression: Optional[Compression] = Field(
        default=None,
        description="Compression level 0-100 for `jpeg`/`webp` output. GPT image models only.",
    )
    stream: Optional[StrictBool] = Field(
        default=None,
        description="Stream partial images as events; use `ImagesApi.create_image_stream`. "
        "GPT image models only.",
    )
    partial_images: Optional[PartialImages] = Field(
        default=None,
        description="Partial images to stream before the final one, 0 to 3.",
    )
    size: Optional[Size] = Field(
        default="1024x1024",
        description="`256x256`, `512x512` or `1024x1024` for `dall-e-2`; `1024x1024`, "
        "`1792x1024` or `1024x1792` for `dall-e-3`; `1024x1024`, `1536x1024`, `1024x1536` or "
        "`auto` for the GPT image models (`gpt-image-2` also takes other `WIDTHxHEIGHT`).",
    )
    moderation: Optional[Moderation] = Field(
        default=None,
        description="`low` or `auto` (default) content moderation. GPT image models only.",
    )
    background: Optional[Background] = Field(
        default=None,
        description="`transparent`, `opaque` or `auto` (default). GPT image models only; "
        "`transparent` needs `png` or `webp` output.",
    )
    style: Optional[Style] = Field(
        default="vivid",
        description="`vivid` or `natural`. Only supported for `dall-e-3`.",
    )
    user: Optional[StrictStr] = Field(
        default=None,
        description="A unique identifier representing your end-user, which can help OpenAI "
        "to monitor and detect abuse.",
    )

    @field_validator("model", mode="before")
    @classmethod
    def _unwrap_model(cls, value: Any) -> Any:
        return unwrap_model_name(value)
