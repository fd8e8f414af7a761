"""``CreateBatchRequest``: the JSON body of ``POST /batches``."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, StrictStr

from openapiopenai.models._base import RequestModel
from openapiopenai.models.batch_file_expiration_after import BatchFileExpirationAfter

__all__ = ["BatchEndpoint", "CreateBatchRequest"]

BatchEndpoint = Literal[
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
]


class CreateBatchRequest(RequestModel):
    """Creates and executes a batch from an uploaded file of requests.

    Only the fields you set are sent.  ``metadata``: up to 16 pairs, keys of at most 64
    and values of at most 512 characters (checked before sending).
    """

    input_file_id: StrictStr = Field(
        description="The ID of an uploaded JSONL file of requests (purpose `batch`): up to "
        "50,000 requests and 200 MB."
    )
    endpoint: BatchEndpoint = Field(description="The endpoint used by every request.")
    completion_window: Literal["24h"] = Field(
        description="The time frame within which the batch runs: only `24h`."
    )
    metadata: Optional[dict[StrictStr, StrictStr]] = Field(
        default=None, description="Up to 16 key-value pairs to attach to the batch."
    )
    output_expires_after: Optional[BatchFileExpirationAfter] = Field(
        default=None, description="When the output and error files expire."
    )
