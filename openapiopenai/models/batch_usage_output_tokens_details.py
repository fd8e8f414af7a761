"""``BatchUsageOutputTokensDetails``: the output tokens of a batch, by kind."""

from __future__ import annotations

from pydantic import Field

from openapiopenai.models._base import ResponseModel

__all__ = ["BatchUsageOutputTokensDetails"]


class BatchUsageOutputTokensDetails(ResponseModel):
    """A detailed breakdown of the output tokens."""

    reasoning_tokens: int = Field(description="The number of reasoning tokens.")
