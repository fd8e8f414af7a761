"""``BatchRequestOutputResponse``: the HTTP response one batch line got."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import Field

from openapiopenai.models._base import ResponseModel

__all__ = ["BatchRequestOutputResponse"]


class BatchRequestOutputResponse(ResponseModel):
    """The status, request id and JSON body of one request of a batch."""

    status_code: Optional[int] = Field(default=None, description="The HTTP status code.")
    request_id: Optional[str] = Field(default=None, description="The API request ID.")
    body: Optional[dict[str, Any]] = Field(default=None, description="The JSON body.")
