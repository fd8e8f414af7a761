"""``ErrorResponse``: the body of an API error: ``{"error": {...}}``."""

from __future__ import annotations

from typing import ClassVar

from openapiopenai.models._base import ResponseModel
from openapiopenai.models.error import Error

__all__ = ["ErrorResponse"]


class ErrorResponse(ResponseModel):
    """The body the API sends with an error status."""

    error: Error

    # What ``ApiException.error`` looks for: an exception's ``data`` of this class.
    _is_error_body: ClassVar[bool] = True
