"""The events of a streamed generation or edit (``text/event-stream``).

Each event is parsed into the class its ``type`` names; a type this version does not
know becomes a plain :class:`ImageStreamEvent`, so new event kinds never break a stream.
"""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import Field

from openapiopenai.models._base import ResponseModel
from openapiopenai.models.image_gen_usage import ImageGenUsage

__all__ = [
    "ImageEditCompletedEvent",
    "ImageEditPartialImageEvent",
    "ImageGenCompletedEvent",
    "ImageGenPartialImageEvent",
    "ImageStreamEvent",
    "event_class_for",
]

_Size = Optional[Union[Literal["1024x1024", "1024x1536", "1536x1024", "auto"], str]]
_Quality = Optional[Union[Literal["low", "medium", "high", "auto"], str]]
_Background = Optional[Union[Literal["transparent", "opaque", "auto"], str]]
_Format = Optional[Union[Literal["png", "webp", "jpeg"], str]]


class ImageStreamEvent(ResponseModel):
    """Any event of an image stream; the base of the typed events."""

    type: str = Field(description="The event type, e.g. `image_generation.completed`.")
    b64_json: Optional[str] = Field(default=None, description="Base64 image data.")
    created_at: Optional[int] = Field(default=None, description="Unix time of the event.")
    size: _Size = None
    quality: _Quality = None
    background: _Background = None
    output_format: _Format = None


class _PartialImage(ImageStreamEvent):
    b64_json: str = Field(description="Base64-encoded partial image data.")
    partial_image_index: int = Field(description="0-based index of the partial image.")


class _Completed(ImageStreamEvent):
    b64_json: str = Field(description="Base64-encoded final image data.")
    usage: Optional[ImageGenUsage] = Field(default=None, description="Token usage.")


class ImageGenPartialImageEvent(_PartialImage):
    """A partial image is available during a streamed generation."""

    type: Literal["image_generation.partial_image"] = "image_generation.partial_image"


class ImageGenCompletedEvent(_Completed):
    """A streamed generation has completed; the final image is here."""

    type: Literal["image_generation.completed"] = "image_generation.completed"


class ImageEditPartialImageEvent(_PartialImage):
    """A partial image is available during a streamed edit."""

    type: Literal["image_edit.partial_image"] = "image_edit.partial_image"


class ImageEditCompletedEvent(_Completed):
    """A streamed edit has completed; the final image is here."""

    type: Literal["image_edit.completed"] = "image_edit.completed"


_BY_TYPE: dict[str, type[ImageStreamEvent]] = {
    "image_generation.partial_image": ImageGenPartialImageEvent,
    "image_generation.completed": ImageGenCompletedEvent,
    "image_edit.partial_image": ImageEditPartialImageEvent,
    "image_edit.completed": ImageEditCompletedEvent,
}


def event_class_for(event_type: str) -> type[ImageStreamEvent]:
    """The model for an event ``type`` (the generic one for types not known here)."""
    return _BY_TYPE.get(event_type, ImageStreamEvent)
