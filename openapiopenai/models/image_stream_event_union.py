"""``ImageStreamEventUnion``: the events a stream yields, told apart by their ``type``.

A pydantic discriminated union on ``type``, so ``event.type == "image_generation.completed"``
narrows an event to :class:`ImageGenCompletedEvent` for a type checker as ``isinstance``
does.  An event whose type this version does not know is parsed by
:func:`parse_image_stream_event` as a plain :class:`ImageStreamEvent` (the stream yields it
too, so a new kind of event never breaks a stream); it belongs to no branch of the union,
so code that compares ``event.type`` meets it in its ``else``.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional, Union

from pydantic import Field, TypeAdapter

from openapiopenai.models.image_edit_completed_event import ImageEditCompletedEvent
from openapiopenai.models.image_edit_partial_image_event import ImageEditPartialImageEvent
from openapiopenai.models.image_gen_completed_event import ImageGenCompletedEvent
from openapiopenai.models.image_gen_partial_image_event import ImageGenPartialImageEvent
from openapiopenai.models.image_stream_event import ImageStreamEvent

__all__ = [
    "ImageEditStreamEvent",
    "ImageGenStreamEvent",
    "ImageStreamEventUnion",
    "parse_image_stream_event",
]

#: The events of ``create_image_stream``.
ImageGenStreamEvent = Annotated[
    Union[ImageGenPartialImageEvent, ImageGenCompletedEvent], Field(discriminator="type")
]
#: The events of ``create_image_edit_stream``.
ImageEditStreamEvent = Annotated[
    Union[ImageEditPartialImageEvent, ImageEditCompletedEvent], Field(discriminator="type")
]
#: Any event of the Images API's streams.
ImageStreamEventUnion = Annotated[
    Union[
        ImageGenPartialImageEvent,
        ImageGenCompletedEvent,
        ImageEditPartialImageEvent,
        ImageEditCompletedEvent,
    ],
    Field(discriminator="type"),
]

_KNOWN_TYPES = frozenset(
    {
        "image_generation.partial_image",
        "image_generation.completed",
        "image_edit.partial_image",
        "image_edit.completed",
    }
)
_adapter: Optional[TypeAdapter[ImageStreamEventUnion]] = None


def parse_image_stream_event(
    data: dict[str, Any],
) -> Union[ImageStreamEventUnion, ImageStreamEvent]:
    """The typed event for ``data`` (a plain ``ImageStreamEvent`` for an unknown ``type``).

    Raises pydantic's ``ValidationError`` when a known event lacks what the spec requires.
    """
    global _adapter
    if data.get("type") not in _KNOWN_TYPES:
        return ImageStreamEvent.model_validate(data)
    if _adapter is None:
        _adapter = TypeAdapter(ImageStreamEventUnion)
    return _adapter.validate_python(data)
