"""``BatchUsage``: the token usage of a batch."""

from __future__ import annotations

from pydantic import Field

from openapiopenai.models._base import ResponseModel
from openapiopenai.models.batch_usage_input_tokens_details import BatchUsageInputTokensDetails
from openapiopenai.models.batch_usage_output_tokens_details import BatchUsageOutputTokensDetails

__all__ = ["BatchUsage"]


class BatchUsage(ResponseModel):
    """Token usage of a batch (only on batches created after September 7, 2025)."""

    input_tokens: int = Field(description="The number of input tokens.")
    input_tokens_details: BatchUsageInputTokensDetails = Field(
        description="A detailed breakdown of the input tokens."
    )
    output_tokens: int = Field(description="The number of output tokens.")
    output_tokens_details: BatchUsageOutputTokensDetails = Field(
        description="A detailed breakdown of the output tokens."
    )
    total_tokens: int = Field(description="The total number of tokens used.")
