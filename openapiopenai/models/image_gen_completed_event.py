"""``ImageGenCompletedEvent``: the ``image_generation.completed`` event of a stream."""

from __future__ import annotations

from typing import Literal

from openapiopenai.models.image_stream_event import CompletedImageEvent

__all__ = ["ImageGenCompletedEvent"]


class ImageGenCompletedEvent(CompletedImageEvent):
    """A streamed generation has completed; the final image is here."""

    type: Literal["image_generation.completed"] = "image_generation.completed"
