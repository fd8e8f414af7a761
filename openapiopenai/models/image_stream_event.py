"""``ImageStreamEvent``: any event of a streamed generation or edit.

The typed events (one module each) derive from it; an event of a type this version does
not know is parsed as a plain ``ImageStreamEvent``, so new event kinds never break a
stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, Optional, Union

from pydantic import Field

from openapiopenai.models._base import ResponseModel
from openapiopenai.models.image import _Shortened
from openapiopenai.models.image_gen_usage import ImageGenUsage

if TYPE_CHECKING:
    from openapiopenai._display import FullImage

__all__ = ["CompletedImageEvent", "ImageStreamEvent", "PartialImageEvent"]

_Size = Optional[Union[Literal["1024x1024", "1024x1536", "1536x1024", "auto"], str]]
_Quality = Optional[Union[Literal["low", "medium", "high", "auto"], str]]
_Background = Optional[Union[Literal["transparent", "opaque", "auto"], str]]
_Format = Optional[Union[Literal["png", "webp", "jpeg"], str]]


class ImageStreamEvent(ResponseModel):
    """Any event of an image stream; the base of the typed events."""

    type: str = Field(description="The event type, e.g. `image_generation.completed`.")
    b64_json: Optional[str] = Field(default=None, description="Base64 image data.")
    created_at: Optional[int] = Field(default=None, description="Unix time of the event.")
    size: _Size = Field(default=None, description="The size of the image.")
    quality: _Quality = Field(default=None, description="The quality setting.")
    background: _Background = Field(default=None, description="The background setting.")
    output_format: _Format = Field(default=None, description="The output format.")

    # -- Jupyter and repr ------------------------------------------------------------

    def full(self) -> FullImage:
        """The event's image at full size for ``display()`` in Jupyter."""
        from openapiopenai._display import FullImage

        return FullImage(self.b64_json)

    def _repr_png_(self) -> Optional[bytes]:
        from openapiopenai._display import event_inline

        return event_inline(self, "image/png")

    def _repr_jpeg_(self) -> Optional[bytes]:
        from openapiopenai._display import event_inline

        return event_inline(self, "image/jpeg")

    def _repr_html_(self) -> Optional[str]:
        from openapiopenai._display import event_html

        return event_html(self)

    def __repr_args__(self) -> Iterator[tuple[Optional[str], Any]]:
        # A final image is megabytes of base64: show its start and length.
        for name, value in super().__repr_args__():
            if name == "b64_json" and isinstance(value, str) and len(value) > 48:
                yield name, _Shortened(value)
            else:
                yield name, value


class PartialImageEvent(ImageStreamEvent):
    """What partial-image events share."""

    b64_json: str = Field(description="Base64-encoded partial image data.")
    partial_image_index: int = Field(description="0-based index of the partial image.")


class CompletedImageEvent(ImageStreamEvent):
    """What completed events share."""

    b64_json: str = Field(description="Base64-encoded final image data.")
    usage: Optional[ImageGenUsage] = Field(default=None, description="Token usage.")
