"""openapiopenai: a client for the OpenAI Images API.

The public names below are loaded on first use, so ``import openapiopenai`` costs almost
nothing: the models (and pydantic) load when a model or the API is first touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from openapiopenai._version import __version__

if TYPE_CHECKING:
    from openapiopenai import api as api
    from openapiopenai import api_client as api_client
    from openapiopenai import api_response as api_response
    from openapiopenai import configuration as configuration
    from openapiopenai import exceptions as exceptions
    from openapiopenai import models as models
    from openapiopenai import rest as rest
    from openapiopenai._batch_lines import BatchLineError
    from openapiopenai._streaming import ImageStream
    from openapiopenai.api.batch_api import BatchApi
    from openapiopenai.api.files_api import FilesApi
    from openapiopenai.api.images_api import ImagesApi
    from openapiopenai.api_client import ApiClient
    from openapiopenai.api_response import ApiResponse
    from openapiopenai.configuration import Configuration
    from openapiopenai.exceptions import (
        ApiAttributeError,
        ApiConnectionError,
        ApiException,
        ApiKeyError,
        ApiResponseTooLargeError,
        ApiResponseValidationError,
        ApiTimeoutError,
        ApiTransportError,
        ApiTypeError,
        ApiValueError,
        BadRequestException,
        ConflictException,
        ContentPolicyViolationException,
        ForbiddenException,
        ImageDownloadError,
        ImageUrlExpiredError,
        NotFoundException,
        OpenApiException,
        RateLimitException,
        ServiceException,
        UnauthorizedException,
        UnprocessableEntityException,
    )
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
    from openapiopenai.models.images_response import ImagesResponse
    from openapiopenai.models.list_batches_response import ListBatchesResponse
    from openapiopenai.models.list_files_response import ListFilesResponse
    from openapiopenai.models.open_ai_file import OpenAIFile
    from openapiopenai.retry import Retry

# Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "Batch": "openapiopenai.models.batch",
    "BatchError": "openapiopenai.models.batch_error",
    "BatchErrors": "openapiopenai.models.batch_errors",
    "BatchFileExpirationAfter": "openapiopenai.models.batch_file_expiration_after",
    "BatchRequestCounts": "openapiopenai.models.batch_request_counts",
    "BatchRequestInput": "openapiopenai.models.batch_request_input",
    "BatchRequestOutput": "openapiopenai.models.batch_request_output",
    "BatchRequestOutputError": "openapiopenai.models.batch_request_output_error",
    "BatchRequestOutputResponse": "openapiopenai.models.batch_request_output_response",
    "BatchUsage": "openapiopenai.models.batch_usage",
    "BatchUsageInputTokensDetails": "openapiopenai.models.batch_usage_input_tokens_details",
    "BatchUsageOutputTokensDetails": "openapiopenai.models.batch_usage_output_tokens_details",
    "CreateBatchRequest": "openapiopenai.models.create_batch_request",
    "DeleteFileResponse": "openapiopenai.models.delete_file_response",
    "EditImageBodyJsonParam": "openapiopenai.models.edit_image_body_json_param",
    "ImageRefParam": "openapiopenai.models.image_ref_param",
    "ListBatchesResponse": "openapiopenai.models.list_batches_response",
    "ListFilesResponse": "openapiopenai.models.list_files_response",
    "OpenAIFile": "openapiopenai.models.open_ai_file",
    "BatchApi": "openapiopenai.api.batch_api",
    "FilesApi": "openapiopenai.api.files_api",
    "BatchLineError": "openapiopenai._batch_lines",
    "ImagesApi": "openapiopenai.api.images_api",
    "ApiClient": "openapiopenai.api_client",
    "ApiResponse": "openapiopenai.api_response",
    "Configuration": "openapiopenai.configuration",
    "Retry": "openapiopenai.retry",
    **{
        name: "openapiopenai.exceptions"
        for name in (
            "ApiAttributeError",
            "ApiConnectionError",
            "ApiException",
            "ApiKeyError",
            "ApiResponseTooLargeError",
            "ApiResponseValidationError",
            "ApiTimeoutError",
            "ApiTransportError",
            "ApiTypeError",
            "ApiValueError",
            "BadRequestException",
            "ConflictException",
            "ContentPolicyViolationException",
            "ForbiddenException",
            "ImageDownloadError",
            "ImageUrlExpiredError",
            "NotFoundException",
            "OpenApiException",
            "RateLimitException",
            "ServiceException",
            "UnauthorizedException",
            "UnprocessableEntityException",
        )
    },
    "CreateImageEditRequestModel": "openapiopenai.models.create_image_edit_request_model",
    "CreateImageRequest": "openapiopenai.models.create_image_request",
    "CreateImageRequestModel": "openapiopenai.models.create_image_request_model",
    "Error": "openapiopenai.models.error",
    "ErrorResponse": "openapiopenai.models.error_response",
    "Image": "openapiopenai.models.image",
    "ImagesResponse": "openapiopenai.models.images_response",
    "ImageStream": "openapiopenai._streaming",
    "ImageStreamEvent": "openapiopenai.models.image_stream_event",
    "ImageGenPartialImageEvent": "openapiopenai.models.image_gen_partial_image_event",
    "ImageGenCompletedEvent": "openapiopenai.models.image_gen_completed_event",
    "ImageEditPartialImageEvent": "openapiopenai.models.image_edit_partial_image_event",
    "ImageEditCompletedEvent": "openapiopenai.models.image_edit_completed_event",
    "ImageGenUsage": "openapiopenai.models.image_gen_usage",
    "ImageGenInputUsageDetails": "openapiopenai.models.image_gen_input_usage_details",
    "ImageGenOutputTokensDetails": "openapiopenai.models.image_gen_output_tokens_details",
}

#: Submodules reachable as attributes after ``import openapiopenai`` (imported on first use).
_SUBMODULES = frozenset(
    {"api", "api_client", "api_response", "configuration", "exceptions", "models", "rest"}
)

__all__ = [
    "ApiAttributeError",
    "ApiClient",
    "ApiConnectionError",
    "ApiException",
    "ApiKeyError",
    "ApiResponse",
    "ApiResponseTooLargeError",
    "ApiResponseValidationError",
    "ApiTimeoutError",
    "ApiTransportError",
    "ApiTypeError",
    "ApiValueError",
    "BadRequestException",
    "Batch",
    "BatchApi",
    "BatchError",
    "BatchErrors",
    "BatchFileExpirationAfter",
    "BatchLineError",
    "BatchRequestCounts",
    "BatchRequestInput",
    "BatchRequestOutput",
    "BatchRequestOutputError",
    "BatchRequestOutputResponse",
    "BatchUsage",
    "BatchUsageInputTokensDetails",
    "BatchUsageOutputTokensDetails",
    "Configuration",
    "ConflictException",
    "ContentPolicyViolationException",
    "CreateBatchRequest",
    "CreateImageEditRequestModel",
    "CreateImageRequest",
    "CreateImageRequestModel",
    "DeleteFileResponse",
    "EditImageBodyJsonParam",
    "Error",
    "ErrorResponse",
    "FilesApi",
    "ForbiddenException",
    "Image",
    "ImageDownloadError",
    "ImageEditCompletedEvent",
    "ImageEditPartialImageEvent",
    "ImageGenCompletedEvent",
    "ImageGenInputUsageDetails",
    "ImageGenOutputTokensDetails",
    "ImageGenPartialImageEvent",
    "ImageGenUsage",
    "ImageRefParam",
    "ImageStream",
    "ImageStreamEvent",
    "ImageUrlExpiredError",
    "ImagesApi",
    "ImagesResponse",
    "ListBatchesResponse",
    "ListFilesResponse",
    "NotFoundException",
    "OpenAIFile",
    "OpenApiException",
    "RateLimitException",
    "Retry",
    "ServiceException",
    "UnauthorizedException",
    "UnprocessableEntityException",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        if name in _SUBMODULES:
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _SUBMODULES)
