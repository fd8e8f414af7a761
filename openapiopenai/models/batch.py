"""``Batch``: a batch of API requests run from an uploaded file."""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import Field

from openapiopenai.models._base import ResponseModel
from openapiopenai.models.batch_errors import BatchErrors
from openapiopenai.models.batch_request_counts import BatchRequestCounts
from openapiopenai.models.batch_usage import BatchUsage

__all__ = ["Batch", "BatchStatus"]

BatchStatus = Union[
    Literal[
        "validating",
        "failed",
        "in_progress",
        "finalizing",
        "completed",
        "expired",
        "cancelling",
        "cancelled",
    ],
    str,
]

#: The statuses after which a batch no longer changes.
_DONE = frozenset({"failed", "completed", "expired", "cancelled"})


class Batch(ResponseModel):
    """A batch: its status, its files and counts, and when each phase began.

    Enumerated fields accept any string: the API adds values faster than SDKs ship.
    """

    id: str = Field(description="The batch identifier.")
    object: Union[Literal["batch"], str] = Field(default="batch", description="Always `batch`.")
    endpoint: str = Field(description="The OpenAI API endpoint used by the batch.")
    model: Optional[str] = Field(default=None, description="Model ID used to process the batch.")
    errors: Optional[BatchErrors] = Field(
        default=None, description="Why the batch failed validation, if it did."
    )
    input_file_id: str = Field(description="The ID of the input file for the batch.")
    completion_window: str = Field(description="The time frame within which the batch runs.")
    status: BatchStatus = Field(description="The current status of the batch.")
    output_file_id: Optional[str] = Field(
        default=None, description="The ID of the file with the outputs of successful requests."
    )
    error_file_id: Optional[str] = Field(
        default=None, description="The ID of the file with the outputs of failed requests."
    )
    created_at: int = Field(description="Unix timestamp (seconds) of the creation.")
    in_progress_at: Optional[int] = Field(default=None, description="When processing began.")
    expires_at: Optional[int] = Field(default=None, description="When the batch will expire.")
    finalizing_at: Optional[int] = Field(default=None, description="When finalizing began.")
    completed_at: Optional[int] = Field(default=None, description="When it completed.")
    failed_at: Optional[int] = Field(default=None, description="When it failed.")
    expired_at: Optional[int] = Field(default=None, description="When it expired.")
    cancelling_at: Optional[int] = Field(default=None, description="When cancelling began.")
    cancelled_at: Optional[int] = Field(default=None, description="When it was cancelled.")
    request_counts: Optional[BatchRequestCounts] = Field(
        default=None, description="The request counts for different statuses."
    )
    usage: Optional[BatchUsage] = Field(default=None, description="Token usage of the batch.")
    metadata: Optional[dict[str, str]] = Field(
        default=None, description="Up to 16 key-value pairs attached to the batch."
    )

    @property
    def is_done(self) -> bool:
        """Whether the batch reached a final status (completed, failed, expired, cancelled)."""
        return self.status in _DONE
