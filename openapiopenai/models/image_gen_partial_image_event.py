"""``ImageGenPartialImageEvent``: the ``image_generation.partial_image`` event of a stream."""

from __future__ import annotations

from typing import Literal

from openapiopenai.models.image_stream_event import PartialImageEvent

__all__ = ["ImageGenPartialImageEvent"]


class ImageGenPartialImageEvent(PartialImageEvent):
    """A partial image is available during a streamed generation."""

    type: Literal["image_generation.partial_image"] = "image_generation.partial_image"
