"""The error of one failed line of an image batch: :class:`BatchLineError`.

The lines themselves are models: ``BatchRequestInput.for_request`` builds an input line
from a generation or JSON-edit request, ``BatchRequestOutput.parse_images_line`` reads an
output line into an ``ImagesResponse`` or raises the line's :class:`BatchLineError`.
"""

from __future__ import annotations

from typing import Any, Optional

from openapiopenai.exceptions import OpenApiException

__all__ = ["BatchLineError"]


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
