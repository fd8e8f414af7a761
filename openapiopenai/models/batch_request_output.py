"""``BatchRequestOutput``: one line of a batch's output or error file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from pydantic import Field

from openapiopenai import _lazy_text as lazy_text
from openapiopenai.exceptions import ApiTypeError, ApiValueError
from openapiopenai.models._base import ResponseModel
from openapiopenai.models.batch_request_output_error import BatchRequestOutputError
from openapiopenai.models.batch_request_output_response import BatchRequestOutputResponse

if TYPE_CHECKING:
    from openapiopenai.models.images_response import ImagesResponse

__all__ = ["BatchRequestOutput"]


class BatchRequestOutput(ResponseModel):
    """The per-line object of the batch output and error files.

    :meth:`parse_images_line` reads an image batch's line straight into an
    ``ImagesResponse`` (or raises the line's ``BatchLineError``).
    """

    id: Optional[str] = Field(default=None, description="The ID of this batch request.")
    custom_id: Optional[str] = Field(default=None, description="Your per-request id.")
    response: Optional[BatchRequestOutputResponse] = Field(
        default=None, description="The HTTP response the request got."
    )
    error: Optional[BatchRequestOutputError] = Field(
        default=None, description="For requests that failed with a non-HTTP error."
    )

    @classmethod
    def parse_images_line(cls, line: bytes) -> tuple[str, ImagesResponse]:
        """``(custom_id, ImagesResponse)`` of one output line of an image batch.

        Large lines keep their ``b64_json`` strings as spans of the line, as the client's
        own response parsing does.  A line whose request failed raises
        :class:`~openapiopenai.BatchLineError` (with its status, code and message).
        """
        from openapiopenai._batch_lines import BatchLineError
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
