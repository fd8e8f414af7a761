"""The request and response models (pydantic v2), loaded on first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openapiopenai.models.batch import Batch
    from openapiopenai.models.batch_error import BatchError
    from openapiopenai.models.batch_errors import BatchErrors
    from openapiopenai.models.batch_file_expiration_after import BatchFileExpirationAfter
    from openapiopenai.models.batch_request_counts import BatchRequestCounts
    from openapiopenai.models.batch_request_input import BatchRequestInput
    from openapiopenai.models.batch_request_output import BatchRequestOutput
    from openapiopenai.models.batch_request_output_error import BatchRequestOutputError
    from openapiopenai.models.batch_request_output_response import BatchRequestOutputResponse
    from openapiopenai.models.batch_usage import BatchUsage
    from openapiopenai.models.batch_usage_input_tokens_details import BatchUsageInputTokensDetails
    from openapiopenai.models.batch_usage_output_tokens_details import BatchUsageOutputTokensDetails
    from openapiopenai.models.create_batch_request import CreateBatchRequest
    from openapiopenai.models.create_image_edit_request_model import CreateImageEditRequestModel
    from openapiopenai.models.create_image_request import CreateImageRequest
    from openapiopenai.models.create_image_request_model import CreateImageRequestModel
    from openapiopenai.models.delete_file_response import DeleteFileResponse
    from openapiopenai.models.edit_image_body_json_param import EditImageBodyJsonParam
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
    from openapiopenai.models.image_ref_param import ImageRefParam
    from openapiopenai.models.image_stream_event import ImageStreamEvent
    from openapiopenai.models.image_stream_event_union import (
        ImageEditStreamEvent,
        ImageGenStreamEvent,
        ImageStreamEventUnion,
    )
    from openapiopenai.models.images_response import ImagesResponse
    from openapiopenai.models.list_batches_response import ListBatchesResponse
    from openapiopenai.models.list_files_response import ListFilesResponse
    from openapiopenai.models.open_ai_file import OpenAIFile

# Public name -> module that defines it.
_MODELS = {
    "Batch": "batch",
    "BatchError": "batch_error",
    "BatchErrors": "batch_errors",
    "BatchFileExpirationAfter": "batch_file_expiration_after",
    "BatchRequestCounts": "batch_request_counts",
    "BatchRequestInput": "batch_request_input",
    "BatchRequestOutput": "batch_request_output",
    "BatchRequestOutputError": "batch_request_output_error",
    "BatchRequestOutputResponse": "batch_request_output_response",
    "BatchUsage": "batch_usage",
    "BatchUsageInputTokensDetails": "batch_usage_input_tokens_details",
    "BatchUsageOutputTokensDetails": "batch_usage_output_tokens_details",
    "CreateBatchRequest": "create_batch_request",
    "DeleteFileResponse": "delete_file_response",
    "EditImageBodyJsonParam": "edit_image_body_json_param",
    "ImageRefParam": "image_ref_param",
    "ListBatchesResponse": "list_batches_response",
    "ListFilesResponse": "list_files_response",
    "OpenAIFile": "open_ai_file",
    "CreateImageEditRequestModel": "create_image_edit_request_model",
    "CreateImageRequest": "create_image_request",
    "CreateImageRequestModel": "create_image_request_model",
    "Error": "error",
    "ErrorResponse": "error_response",
    "Image": "image",
    "ImagesResponse": "images_response",
    "ImageStreamEvent": "image_stream_event",
    "ImageStreamEventUnion": "image_stream_event_union",
    "ImageGenStreamEvent": "image_stream_event_union",
    "ImageEditStreamEvent": "image_stream_event_union",
    "ImageGenPartialImageEvent": "image_gen_partial_image_event",
    "ImageGenCompletedEvent": "image_gen_completed_event",
    "ImageEditPartialImageEvent": "image_edit_partial_image_event",
    "ImageEditCompletedEvent": "image_edit_completed_event",
    "ImageGenUsage": "image_gen_usage",
    "ImageGenInputUsageDetails": "image_gen_input_usage_details",
    "ImageGenOutputTokensDetails": "image_gen_output_tokens_details",
}

__all__ = [
    "Batch",
    "BatchError",
    "BatchErrors",
    "BatchFileExpirationAfter",
    "BatchRequestCounts",
    "BatchRequestInput",
    "BatchRequestOutput",
    "BatchRequestOutputError",
    "BatchRequestOutputResponse",
    "BatchUsage",
    "BatchUsageInputTokensDetails",
    "BatchUsageOutputTokensDetails",
    "CreateBatchRequest",
    "CreateImageEditRequestModel",
    "CreateImageRequest",
    "CreateImageRequestModel",
    "DeleteFileResponse",
    "EditImageBodyJsonParam",
    "Error",
    "ErrorResponse",
    "Image",
    "ImageEditCompletedEvent",
    "ImageEditPartialImageEvent",
    "ImageEditStreamEvent",
    "ImageGenCompletedEvent",
    "ImageGenInputUsageDetails",
    "ImageGenOutputTokensDetails",
    "ImageGenPartialImageEvent",
    "ImageGenStreamEvent",
    "ImageGenUsage",
    "ImageRefParam",
    "ImageStreamEvent",
    "ImageStreamEventUnion",
    "ImagesResponse",
    "ListBatchesResponse",
    "ListFilesResponse",
    "OpenAIFile",
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
