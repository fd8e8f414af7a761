"""``ImageEditCompletedEvent``: the ``image_edit.completed`` event of a stream."""

from __future__ import annotations

from typing import Literal

from openapiopenai.models.image_stream_event import CompletedImageEvent

__all__ = ["ImageEditCompletedEvent"]


class ImageEditCompletedEvent(CompletedImageEvent):
    """A streamed edit has completed; the final image is here."""

    type: Literal["image_edit.completed"] = "image_edit.completed"
