"""``BatchRequestCounts``: how many requests of a batch are done."""

from __future__ import annotations

from pydantic import Field

from openapiopenai.models._base import ResponseModel

__all__ = ["BatchRequestCounts"]


class BatchRequestCounts(ResponseModel):
    """The request counts for different statuses within the batch."""

    total: int = Field(description="Total number of requests in the batch.")
    completed: int = Field(description="Number of requests that completed successfully.")
    failed: int = Field(description="Number of requests that have failed.")
