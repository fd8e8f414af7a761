"""The public surface: exported names, generated-client import paths, lazy loading."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import openapiopenai

EXPORTED = {
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
    "Configuration",
    "ConflictException",
    "ContentPolicyViolationException",
    "CreateImageEditRequestModel",
    "CreateImageRequest",
    "CreateImageRequestModel",
    "Error",
    "ErrorResponse",
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
    "ImageStream",
    "ImageStreamEvent",
    "ImageUrlExpiredError",
    "ImagesApi",
    "ImagesResponse",
    "NotFoundException",
    "OpenApiException",
    "RateLimitException",
    "Retry",
    "ServiceException",
    "UnauthorizedException",
    "UnprocessableEntityException",
    "__version__",
    # The Files and Batch APIs, JSON edits and batch lines.
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
    "CreateBatchRequest",
    "DeleteFileResponse",
    "EditImageBodyJsonParam",
    "FilesApi",
    "ImageRefParam",
    "ListBatchesResponse",
    "ListFilesResponse",
    "OpenAIFile",
}


def test_exported_names_are_pinned() -> None:
    assert set(openapiopenai.__all__) == EXPORTED
    for name in EXPORTED:
        assert getattr(openapiopenai, name) is not None


def test_generated_client_import_paths_work() -> None:
    paths = {
        "openapiopenai.models.create_image_request": "CreateImageRequest",
        "openapiopenai.models.create_image_request_model": "CreateImageRequestModel",
        "openapiopenai.models.create_image_edit_request_model": "CreateImageEditRequestModel",
        "openapiopenai.models.images_response": "ImagesResponse",
        "openapiopenai.models.image": "Image",
        "openapiopenai.models.error": "Error",
        "openapiopenai.models.error_response": "ErrorResponse",
        "openapiopenai.models.image_stream_event": "ImageStreamEvent",
        "openapiopenai.models.image_gen_partial_image_event": "ImageGenPartialImageEvent",
        "openapiopenai.models.image_gen_completed_event": "ImageGenCompletedEvent",
        "openapiopenai.models.image_edit_partial_image_event": "ImageEditPartialImageEvent",
        "openapiopenai.models.image_edit_completed_event": "ImageEditCompletedEvent",
        "openapiopenai.models.image_gen_usage": "ImageGenUsage",
        "openapiopenai.models.image_gen_input_usage_details": "ImageGenInputUsageDetails",
        "openapiopenai.models.image_gen_output_tokens_details": "ImageGenOutputTokensDetails",
        "openapiopenai.api.images_api": "ImagesApi",
        "openapiopenai.api_client": "ApiClient",
        "openapiopenai.api_response": "ApiResponse",
        "openapiopenai.configuration": "Configuration",
        "openapiopenai.rest": "ApiException",
        "openapiopenai.exceptions": "ServiceException",
    }
    for module, name in paths.items():
        assert getattr(importlib.import_module(module), name) is getattr(openapiopenai, name)
    from openapiopenai.api import ImagesApi
    from openapiopenai.models import ImagesResponse

    assert ImagesApi is openapiopenai.ImagesApi
    assert ImagesResponse is openapiopenai.ImagesResponse


def test_each_operation_has_three_call_styles_with_the_generated_signatures() -> None:
    api = openapiopenai.ImagesApi
    expected = {
        "create_image": ["create_image_request"],
        "create_image_edit": [
            "image",
            "prompt",
            "mask",
            "model",
            "n",
            "size",
            "response_format",
            "user",
        ],
        "create_image_variation": ["image", "model", "n", "response_format", "size", "user"],
    }
    for name, params in expected.items():
        for suffix in ("", "_with_http_info", "_without_preload_content"):
            method = getattr(openapiopenai.ImagesApi(openapiopenai.ApiClient()), name + suffix)
            sig = inspect.signature(method)
            positional = [
                p.name for p in sig.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD
            ]
            # The 2.0.0 parameters come first, in order; newer ones follow, optional;
            # then the per-call options, as generated (see test_compat_operations.py).
            assert positional[: len(params)] == params, name + suffix
            for extra in positional[len(params) :]:
                if not extra.startswith("_"):
                    assert sig.parameters[extra].default is None, extra
            assert method.__name__ == name + suffix
        assert getattr(api, name).__doc__
    for name in ("create_image_stream", "create_image_edit_stream"):
        assert callable(getattr(openapiopenai.ImagesApi(openapiopenai.ApiClient()), name))


def test_import_is_lazy() -> None:
    code = (
        "import sys, openapiopenai; "
        "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'urllib3'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_py_typed_marker_ships() -> None:
    from importlib import resources

    assert resources.files("openapiopenai").joinpath("py.typed").is_file()
