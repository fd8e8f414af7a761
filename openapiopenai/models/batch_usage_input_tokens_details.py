"""``BatchUsageInputTokensDetails``: the input tokens of a batch, by kind."""

from __future__ import annotations

from pydantic import Field

from openapiopenai.models._base import ResponseModel

__all__ = ["BatchUsageInputTokensDetails"]


class BatchUsageInputTokensDetails(ResponseModel):
    """A detailed breakdown of the input tokens."""

    cached_tokens: int = Field(description="The number of tokens retrieved from the cache.")
