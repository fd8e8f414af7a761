"""Batch input and output lines for the image endpoints, so code never handles raw dicts.

:func:`request_line` builds a ``BatchRequestInput`` from a generation or JSON-edit
request; :func:`parse_images_line` reads an output line into an ``ImagesResponse`` or
raises the line's :class:`BatchLineError`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional, TypeVar

from openapiopenai import _lazy_text as lazy_text
from openapiopenai.exceptions import ApiTypeError, ApiValueError, OpenApiException

if TYPE_CHECKING:
    from openapiopenai.models._base import RequestModel, ResponseModel
    from openapiopenai.models.images_response import ImagesResponse

__all__ = ["BatchLineError", "parse_images_line", "request_line"]

L = TypeVar("L", bound="RequestModel")

#: Where each request type goes.
GENERATIONS_URL = "/v1/images/generations"
EDITS_URL = "/v1/images/edits"


class BatchLineError(OpenApiException):
    """One request of a batch failed: its ``custom_id``, HTTP ``status`` and API error.

    ``status`` is ``None`` for a failure without an HTTP response (``code`` says which).
    """

    def __init__(
        self,
        custom_id: Optional[str],
        status: Optional[int],
        code: Optional[str],
        message: str,
        request_id: Optional[str] = None,
        param: Optional[str] = None,
    ) -> None:
        self.custom_id = custom_id
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.param = param
        where = f"batch request {custom_id!r}"
        status_text = f"HTTP {status}" if status is not None else "no response"
        code_text = f" [{code}]" if code else ""
        rid = f" (request id {request_id})" if request_id else ""
        super().__init__(f"{where} failed: {status_text}{code_text}: {message}{rid}")

    def __reduce__(self) -> Any:
        args = (self.custom_id, self.status, self.code, self.message, self.request_id, self.param)
        return type(self), args


def request_line(cls: type[L], custom_id: str, request: RequestModel, *, check: bool = True) -> L:
    """The ``cls`` (``BatchRequestInput``) line sending ``request`` to its endpoint."""
    from openapiopenai import _validation
    from openapiopenai.models.create_image_request import CreateImageRequest
    from openapiopenai.models.edit_image_body_json_param import EditImageBodyJsonParam

    if not isinstance(custom_id, str) or not custom_id:
        raise ApiValueError("custom_id: must be a non-empty string")
    if isinstance(request, CreateImageRequest):
        url = GENERATIONS_URL
        if check:
            _validation.check_generation(request)
    elif isinstance(request, EditImageBodyJsonParam):
        url = EDITS_URL
        if check:
            _validation.check_json_edit(request)
    else:
        raise ApiTypeError(
            "request: expected a CreateImageRequest or an EditImageBodyJsonParam, got "
            f"{type(request).__name__}"
        )
    if getattr(request, "stream", None):
        raise ApiValueError("stream: a batch request cannot stream")
    body = json.loads(request.to_json_bytes())
    return cls.model_validate({"custom_id": custom_id, "method": "POST", "url": url, "body": body})


def parse_images_line(cls: type[ResponseModel], line: bytes) -> tuple[str, ImagesResponse]:
    """``(custom_id, response)`` of one output line (``cls`` is ``BatchRequestOutput``).

    Raises ``ApiValueError`` for a line that is not a batch output object and
    :class:`BatchLineError` for a request that failed.
    """
    from openapiopenai.models.images_response import ImagesResponse

    if not isinstance(line, (bytes, bytearray)):
        raise ApiTypeError(f"line: expected bytes, got {type(line).__name__}")
    line = bytes(line)
    values: list[lazy_text.LazyText] = []
    skeleton = line
    if len(line) >= lazy_text.MIN_BODY:
        split = lazy_text.split_long_strings(line, b"b64_json")
        if split is not None:
            skeleton, values = split
    try:
        output: Any = cls.model_validate_json(skeleton)
    except ValueError:
        output = None
    if output is None:  # the whole line says what is wrong (a cut line may hide it)
        try:
            output, values = cls.model_validate_json(line), []
        except ValueError as e:
            raise ApiValueError(f"line: not a batch output line: {e}") from None
    custom_id = output.custom_id or ""
    response = output.response
    if output.error is not None or response is None:
        error = output.error
        raise BatchLineError(
            output.custom_id,
            None,
            getattr(error, "code", None),
            getattr(error, "message", None) or "the request failed without a response",
        )
    body = response.body or {}
    if not (200 <= (response.status_code or 0) <= 299):
        found = body.get("error")
        detail: dict[str, Any] = found if isinstance(found, dict) else {}
        raise BatchLineError(
            output.custom_id,
            response.status_code,
            detail.get("code"),
            str(detail.get("message") or "the request failed"),
            response.request_id,
            detail.get("param"),
        )
    images = ImagesResponse.model_validate(body)
    if values:
        placed = [
            image
            for image in images.data
            if image.__dict__.get("b64_json") == lazy_text.PLACEHOLDER
        ]
        if len(placed) != len(values):  # a long value outside data: parse the line whole
            whole: Any = cls.model_validate_json(line)
            return custom_id, ImagesResponse.model_validate(whole.response.body or {})
        for image, value in zip(placed, values):
            image.__dict__["b64_json"] = value
    return custom_id, images
