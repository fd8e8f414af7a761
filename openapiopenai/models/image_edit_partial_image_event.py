"""``ImageEditPartialImageEvent``: the ``image_edit.partial_image`` event of a stream."""

from __future__ import annotations

from typing import Literal

from openapiopenai.models.image_stream_event import PartialImageEvent

__all__ = ["ImageEditPartialImageEvent"]


class ImageEditPartialImageEvent(PartialImageEvent):
    """A partial image is available during a streamed edit."""

    type: Literal["image_edit.partial_image"] = "image_edit.partial_image"
