"""The request and response models (pydantic v2), loaded on first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openapiopenai.models.create_image_edit_request_model import CreateImageEditRequestModel
    from openapiopenai.models.create_image_request import CreateImageRequest
    from openapiopenai.models.create_image_request_model import CreateImageRequestModel
    from openapiopenai.models.error import Error
    from openapiopenai.models.error_response import ErrorResponse
    from openapiopenai.models.image import Image
    from openapiopenai.models.image_edit_completed_event import ImageEditCompletedEvent
    from openapiopenai.models.image_edit_partial_image_event import ImageEditPartialImageEvent
    from openapiopenai.models.image_gen_completed_event import ImageGenCompletedEvent
    from openapiopenai.models.image_gen_input_usage_details import ImageGenInputUsageDetails
    from openapiopenai.models.image_gen_output_tokens_details import ImageGenOutputTokensDetails
    from openapiopenai.models.image_gen_partial_image_event import ImageGenPartialImageEvent
    from openapiopenai.models.image_gen_usage import ImageGenUsage
    from openapiopenai.models.image_stream_event import ImageStreamEvent
    from openapiopenai.models.images_response import ImagesResponse

# Public name -> module that defines it.
_MODELS = {
    "CreateImageEditRequestModel": "create_image_edit_request_model",
    "CreateImageRequest": "create_image_request",
    "CreateImageRequestModel": "create_image_request_model",
    "Error": "error",
    "ErrorResponse": "error_response",
    "Image": "image",
    "ImagesResponse": "images_response",
    "ImageStreamEvent": "image_stream_event",
    "ImageGenPartialImageEvent": "image_gen_partial_image_event",
    "ImageGenCompletedEvent": "image_gen_completed_event",
    "ImageEditPartialImageEvent": "image_edit_partial_image_event",
    "ImageEditCompletedEvent": "image_edit_completed_event",
    "ImageGenUsage": "image_gen_usage",
    "ImageGenInputUsageDetails": "image_gen_input_usage_details",
    "ImageGenOutputTokensDetails": "image_gen_output_tokens_details",
}

__all__ = [
    "CreateImageEditRequestModel",
    "CreateImageRequest",
    "CreateImageRequestModel",
    "Error",
    "ErrorResponse",
    "Image",
    "ImageEditCompletedEvent",
    "ImageEditPartialImageEvent",
    "ImageGenCompletedEvent",
    "ImageGenInputUsageDetails",
    "ImageGenOutputTokensDetails",
    "ImageGenPartialImageEvent",
    "ImageGenUsage",
    "ImageStreamEvent",
    "ImagesResponse",
]


def __getattr__(name: str) -> Any:
    module = _MODELS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODELS))
