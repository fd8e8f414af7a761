"""``ImageGenInputUsageDetails``: the input tokens of a GPT image model call, by kind."""

# No ``from __future__ import annotations``: pydantic reads these field annotations when
# the class is made, and as objects they need no evaluating (a start-up cost).

from pydantic import Field

from openapiopenai.models._base import ResponseModel

__all__ = ["ImageGenInputUsageDetails"]


class ImageGenInputUsageDetails(ResponseModel):
    """The input tokens, split into text and image tokens."""

    text_tokens: int = Field(description="Text tokens in the input prompt.")
    image_tokens: int = Field(description="Image tokens in the input.")
