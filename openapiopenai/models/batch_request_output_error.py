"""``BatchRequestOutputError``: why a batch line failed without an HTTP response."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from openapiopenai.models._base import ResponseModel

__all__ = ["BatchRequestOutputError"]


class BatchRequestOutputError(ResponseModel):
    """For requests that failed with a non-HTTP error, more information on the cause."""

    code: Optional[str] = Field(default=None, description="A machine-readable error code.")
    message: Optional[str] = Field(default=None, description="A human-readable error message.")
