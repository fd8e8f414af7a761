"""``ListBatchesResponse``: one page of ``GET /batches``."""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import Field

from openapiopenai.models._base import ResponseModel
from openapiopenai.models._fields import empty_list
from openapiopenai.models.batch import Batch

__all__ = ["ListBatchesResponse"]


class ListBatchesResponse(ResponseModel):
    """A page of batches; pass ``last_id`` as ``after`` for the next page while ``has_more``."""

    data: list[Batch] = Field(default_factory=empty_list, description="The batches of this page.")
    first_id: Optional[str] = Field(default=None, description="The ID of the first batch.")
    last_id: Optional[str] = Field(default=None, description="The ID of the last batch.")
    has_more: bool = Field(default=False, description="Whether more batches follow.")
    object: Union[Literal["list"], str] = Field(default="list", description="Always `list`.")
